using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.GitHub;

/// <summary>
/// Reads the training request out of an issue body. The default is the validator alone (YAML only); the Intake agent
/// plugs in here to read plain language too. Either way the request that comes back has passed the validator.
/// </summary>
public interface IIssueIntake
{
    Task<IssueIntakeResult> ReadAsync(IssueRef issue, string body, CancellationToken cancellationToken);
}

/// <summary>
/// What the intake made of an issue: a valid request and the text it came from, or the problems. <paramref name="Clarification"/>
/// is a ready-written question for the requester (else the workflow lists <paramref name="Problems"/>);
/// <paramref name="Accepted"/> is the comment that shows an inferred request and its assumptions (null when the issue's
/// own YAML was used as written).
/// </summary>
public sealed record IssueIntakeResult(
    TrainingRequest? Request,
    string RequestText,
    IReadOnlyList<string> Problems,
    string? Clarification = null,
    IReadOnlyList<string>? Assumptions = null,
    string? Accepted = null);

/// <summary>The intake without an LLM: the body must hold a request the validator accepts.</summary>
public sealed class ValidatorIssueIntake(RequestParseOptions parseOptions) : IIssueIntake
{
    public Task<IssueIntakeResult> ReadAsync(IssueRef issue, string body, CancellationToken cancellationToken)
    {
        var parsed = TrainingRequestParser.Parse(body ?? "", parseOptions);
        return Task.FromResult(parsed.IsValid && parsed.Request is not null
            ? new IssueIntakeResult(parsed.Request, body!, [])
            : new IssueIntakeResult(null, body ?? "", [.. parsed.Errors.Select(e => $"`{e.Path}`: {e}")]));
    }
}
