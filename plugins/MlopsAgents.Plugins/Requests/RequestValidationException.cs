namespace MlopsAgents.Plugins.Requests;

/// <summary>The request (or its data) was invalid; every problem is listed, and no work was started.</summary>
public sealed class RequestValidationException(IReadOnlyList<RequestError> errors)
    : Exception($"The training request has {errors.Count} problem(s):{Environment.NewLine}" + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
{
    public IReadOnlyList<RequestError> Errors { get; } = errors;

    public RequestValidationException(string path, string? value, string message)
        : this([new RequestError(path, value, message)])
    {
    }
}
