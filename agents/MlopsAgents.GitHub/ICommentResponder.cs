namespace MlopsAgents.GitHub;

/// <summary>
/// Answers a comment that is not a slash command (a question about the run). The default is a fixed, deterministic
/// reply; the conversation agent plugs in here.
/// </summary>
public interface ICommentResponder
{
    /// <summary>The reply to post, or null to stay silent.</summary>
    Task<CommentReply?> RespondAsync(CommentContext context, CancellationToken cancellationToken);
}

/// <summary>
/// What a responder knows about a comment: where, who, what, the issue's current execution if any, the request of the
/// issue's latest run (<paramref name="RequestText"/>) and that run's latest results or status (<paramref name="Latest"/>).
/// </summary>
public sealed record CommentContext(
    IssueRef Issue, string Author, string Body, string? ExecutionId, string? ExecutionStatus, string? CurrentState,
    string? RequestText = null, string? Latest = null);

/// <summary>
/// A reply to post. <paramref name="ProposedRequest"/> is a changed request that passed the validator; the workflow
/// only keeps it, and an authorized /retrain or /approve starts a run with it.
/// </summary>
public sealed record CommentReply(string Text, string? ProposedRequest = null);

/// <summary>The reply without an LLM: where the run stands and which commands exist.</summary>
public sealed class DefaultCommentResponder : ICommentResponder
{
    public Task<CommentReply?> RespondAsync(CommentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var status = context.ExecutionId is null
            ? "There is no training run for this issue yet; label it `mlops:train` to start one."
            : $"Run `{context.ExecutionId}` is {context.ExecutionStatus?.ToLowerInvariant()} at `{context.CurrentState}`.";
        return Task.FromResult<CommentReply?>(new CommentReply(
            $"@{context.Author} {status}\n\nCommands: {string.Join(", ", Plugins.Conversation.CommentCommandParser.Allowed.Select(c => $"`{c}`"))}."));
    }
}
