namespace MlopsAgents.Plugins.Requests;

/// <summary>One problem with a request: where it is, what was given, and what is allowed.</summary>
public sealed record RequestError(string Path, string? Value, string Message)
{
    public override string ToString() => Value is null ? $"{Path}: {Message}" : $"{Path}: {Value} → {Message}";
}

/// <summary>The outcome of parsing a request: either a request, or every problem found.</summary>
public sealed record RequestParseResult(TrainingRequest? Request, IReadOnlyList<RequestError> Errors)
{
    public bool IsValid => Request is not null && Errors.Count == 0;
}
