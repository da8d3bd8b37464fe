using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MlopsAgents.Plugins.Conversation;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.GitHub;

/// <summary>
/// Connects issues to executions: a labelled issue starts one, comments carry slash commands (or questions for the
/// responder), a 👍 on the proposal approves it. Every state change is authorized first; a refusal is a polite comment
/// and nothing else.
/// </summary>
public sealed partial class IssueWorkflow
{
    private readonly StateMachineExecutor _executor;
    private readonly AslDefinition _definition;
    private readonly IIssueHost _host;
    private readonly IssueLinkStore _links;
    private readonly CommenterAuthorizer _authorizer;
    private readonly ICommentResponder _responder;
    private readonly RequestParseOptions _parseOptions;
    private readonly ILogger _logger;
    private readonly IModelRollback? _rollback;
    private readonly IIssueIntake _intake;

    public IssueWorkflow(
        StateMachineExecutor executor, AslDefinition definition, IIssueHost host, IssueLinkStore links, CommenterAuthorizer authorizer,
        RequestParseOptions parseOptions, ICommentResponder? responder = null, ILogger<IssueWorkflow>? logger = null, IModelRollback? rollback = null,
        IIssueIntake? intake = null)
    {
        _executor = executor ?? throw new ArgumentNullException(nameof(executor));
        _definition = definition ?? throw new ArgumentNullException(nameof(definition));
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _links = links ?? throw new ArgumentNullException(nameof(links));
        _authorizer = authorizer ?? throw new ArgumentNullException(nameof(authorizer));
        _parseOptions = parseOptions ?? throw new ArgumentNullException(nameof(parseOptions));
        _responder = responder ?? new DefaultCommentResponder();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _rollback = rollback;
        _intake = intake ?? new ValidatorIssueIntake(_parseOptions);
    }

    /// <summary>
    /// Starts training for an issue: checks who asked, validates the request in the body (problems go back as a comment)
    /// and starts one execution unless one is already active. Returns the execution id, or null when nothing started.
    /// </summary>
    public async Task<string?> StartAsync(IssueRef issue, string author, string body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(issue);
        if (!await AuthorizedAsync(issue, author, "start training", cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        if (Active(issue) is { } running)
        {
            await _host.CreateCommentAsync(issue, $"Run `{running.ExecutionId}` is already active for this issue; nothing new was started.", cancellationToken).ConfigureAwait(false);
            return null;
        }

        var intake = await _intake.ReadAsync(issue, body ?? "", cancellationToken).ConfigureAwait(false);
        if (intake.Request is null)
        {
            var text = intake.Clarification is { } clarification
                ? $"@{author} {clarification}"
                : $"@{author} the training request in this issue is not valid, so nothing started:\n\n{string.Join("\n", intake.Problems.Select(p => "- " + p))}\n\nEdit the issue and label it `{IssueLabels.Train}` again.";
            await _host.CreateCommentAsync(issue, text, cancellationToken).ConfigureAwait(false);
            await _host.SetStateLabelAsync(issue, IssueLabels.Failed, cancellationToken).ConfigureAwait(false);
            return null;
        }

        // The requester sees what was inferred before anything runs, so a wrong guess is caught at the proposal.
        if (intake.Accepted is { } accepted)
        {
            await _host.CreateCommentAsync(issue, accepted, cancellationToken).ConfigureAwait(false);
        }

        await _host.SetStateLabelAsync(issue, IssueLabels.Running, cancellationToken).ConfigureAwait(false);
        return Launch(issue, author, intake.Request, intake.RequestText);
    }

    private string Launch(IssueRef issue, string author, TrainingRequest request, string requestText)
    {
        var input = WorkflowInput.Build(request, requestText, new JsonObject
        {
            ["issue"] = new JsonObject { ["repository"] = issue.Repository, ["number"] = issue.Number, ["requested_by"] = author },
        });

        // Linked before it starts, so its very first step already finds its issue.
        var id = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"issue-{issue.Number}-{Guid.NewGuid():N}")[..^20];
        _links.Link(id, issue);
        _links.SetLabel(id, IssueLabels.Running);
        _executor.StartExecution(_definition, input, id);
        Log.Started(_logger, id, issue.ToString(), author);
        return id;
    }

    /// <summary>
    /// Starts the issue's proposed request (a change a comment asked for), for an already authorized user; null when
    /// there is no proposal. Validated again, since the data may have changed since it was proposed; a proposal that no
    /// longer passes is dropped with a comment naming the problems.
    /// </summary>
    private async Task<CommentOutcome?> StartProposalAsync(IssueRef issue, string author, CancellationToken cancellationToken)
    {
        if (_links.GetProposal(issue) is not { } proposal)
        {
            return null;
        }

        _links.ClearProposal(issue);
        var parsed = TrainingRequestParser.Parse(proposal, _parseOptions);
        if (!parsed.IsValid || parsed.Request is null)
        {
            await _host.CreateCommentAsync(issue, $"@{author} the proposed change no longer passes the validator, so nothing started:\n\n{string.Join("\n", parsed.Errors.Select(e => $"- `{e.Path}`: {e}"))}", cancellationToken).ConfigureAwait(false);
            return CommentOutcome.Invalid;
        }

        await _host.SetStateLabelAsync(issue, IssueLabels.Running, cancellationToken).ConfigureAwait(false);
        var id = Launch(issue, author, parsed.Request, proposal);
        await _host.CreateCommentAsync(issue, $"▶️ @{author} started run `{id}` with the proposed change.", cancellationToken).ConfigureAwait(false);
        return CommentOutcome.Done;
    }

    /// <summary>Handles a new comment: a slash command (authorized), a malformed one (the allowed list), or a question for the responder.</summary>
    public async Task<CommentOutcome> HandleCommentAsync(IssueRef issue, string author, string body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(issue);
        var parsed = CommentCommandParser.Parse(body);
        if (parsed.IsError)
        {
            await _host.CreateCommentAsync(issue, $"@{author} {parsed.Error}", cancellationToken).ConfigureAwait(false);
            return CommentOutcome.Invalid;
        }

        var active = Active(issue);
        if (parsed.Command is not { } command)
        {
            var status = active is null ? null : _executor.DescribeExecution(active.ExecutionId)?.Summary;
            var latest = _links.FindByIssue(issue).Select(l => _executor.DescribeExecution(l.ExecutionId)).FirstOrDefault(d => d is not null);
            var reply = await _responder.RespondAsync(
                new CommentContext(issue, author, body, active?.ExecutionId, status?.Status.ToString(), status?.CurrentState, RequestTextOf(latest), LatestOf(latest)),
                cancellationToken).ConfigureAwait(false);
            if (reply is not null)
            {
                // Kept, not run: starting it is a state change, so it waits for an authorized command.
                if (reply.ProposedRequest is { } proposed)
                {
                    _links.SetProposal(issue, proposed);
                }

                await _host.CreateCommentAsync(issue, reply.Text, cancellationToken).ConfigureAwait(false);
            }

            return CommentOutcome.Answered;
        }

        if (command.ChangesState && !await AuthorizedAsync(issue, author, command.ToString(), cancellationToken).ConfigureAwait(false))
        {
            return CommentOutcome.Refused;
        }

        switch (command.Kind)
        {
            case CommentCommandKind.Status:
                await _host.CreateCommentAsync(issue, StatusText(active), cancellationToken).ConfigureAwait(false);
                return CommentOutcome.Done;
            case CommentCommandKind.Approve or CommentCommandKind.Retrain when active is null && await StartProposalAsync(issue, author, cancellationToken).ConfigureAwait(false) is { } started:
                return started;
            case CommentCommandKind.Approve:
                return await AnswerAsync(issue, author, active, "approval", approve: true, reason: null, cancellationToken).ConfigureAwait(false);
            case CommentCommandKind.Retrain:
                return await AnswerAsync(issue, author, active, "operator_input", approve: true, reason: command.Reason, cancellationToken).ConfigureAwait(false);
            case CommentCommandKind.Reject:
                return await AnswerAsync(issue, author, active, kind: null, approve: false, reason: command.Reason, cancellationToken).ConfigureAwait(false);
            default:
                return await RollbackAsync(issue, author, command.Version?.ToString(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A reaction on a comment: 👍 (+1) on the pending proposal approves it, for an authorized user.</summary>
    public async Task<CommentOutcome> HandleReactionAsync(IssueRef issue, long commentId, string user, string content, CancellationToken cancellationToken = default)
    {
        if (content != "+1" || _links.FindByProposalComment(issue.Repository, commentId) is not { PendingKind: "approval" } link)
        {
            return CommentOutcome.Ignored;
        }

        if (!await AuthorizedAsync(issue, user, "approve (👍)", cancellationToken).ConfigureAwait(false))
        {
            return CommentOutcome.Refused;
        }

        return await AnswerAsync(issue, user, link, "approval", approve: true, reason: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Approves (or answers /retrain to) the execution's pending question, as the CLI's `mlops approve`.</summary>
    public Task<CommentOutcome> ApproveAsync(string executionId, string user, CancellationToken cancellationToken = default) =>
        AnswerByExecutionAsync(executionId, user, approve: true, reason: null, cancellationToken);

    /// <summary>Rejects the execution's pending question, as the CLI's `mlops reject`.</summary>
    public Task<CommentOutcome> RejectAsync(string executionId, string user, string? reason, CancellationToken cancellationToken = default) =>
        AnswerByExecutionAsync(executionId, user, approve: false, reason, cancellationToken);

    private async Task<CommentOutcome> AnswerByExecutionAsync(string executionId, string user, bool approve, string? reason, CancellationToken cancellationToken)
    {
        var link = _links.FindByExecution(executionId) ?? throw new ArgumentException($"execution: '{executionId}' → an execution started from an issue (see `mlops executions list`)");
        if (!await AuthorizedAsync(link.Issue, user, approve ? "approve" : "reject", cancellationToken).ConfigureAwait(false))
        {
            return CommentOutcome.Refused;
        }

        return await AnswerAsync(link.Issue, user, link, kind: null, approve, reason, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CommentOutcome> AnswerAsync(IssueRef issue, string user, IssueLink? link, string? kind, bool approve, string? reason, CancellationToken cancellationToken)
    {
        if (link is not { PendingToken: { } token } || (kind is not null && link.PendingKind != kind))
        {
            await _host.CreateCommentAsync(issue, $"@{user} there is nothing waiting for {(kind == "operator_input" ? "a retrain decision" : "an answer")} on this issue right now.", cancellationToken).ConfigureAwait(false);
            return CommentOutcome.Invalid;
        }

        // Cleared first and only if still this token: once answered, the run may reach its next question before this returns.
        _links.ClearPending(link.ExecutionId, token);
        var sent = approve
            ? _executor.SendTaskSuccess(token, new JsonObject { ["approved"] = true, ["by"] = user, ["action"] = link.PendingKind == "operator_input" ? "retrain" : "approve", ["reason"] = reason })
            : _executor.SendTaskFailure(token, "Mlops.ApprovalRejected", $"Rejected by {user}" + (reason is null ? "." : $": {reason}"));
        if (!sent)
        {
            await _host.CreateCommentAsync(issue, $"@{user} that question was already answered or the run has ended.", cancellationToken).ConfigureAwait(false);
            return CommentOutcome.Invalid;
        }

        await _host.CreateCommentAsync(issue, approve ? $"👍 Thanks @{user}, continuing run `{link.ExecutionId}`." : $"🛑 Run `{link.ExecutionId}` was rejected by @{user}.", cancellationToken).ConfigureAwait(false);
        Log.Answered(_logger, link.ExecutionId, user, approve);
        return CommentOutcome.Done;
    }

    private async Task<CommentOutcome> RollbackAsync(IssueRef issue, string author, string? version, CancellationToken cancellationToken)
    {
        // The issue's model: the one its latest run registered, else the name its request asked for.
        var latest = _links.FindByIssue(issue).Select(l => _executor.DescribeExecution(l.ExecutionId)).FirstOrDefault(d => d is not null);
        var model = latest?.Output?["package"]?["name"]?.GetValue<string>() ?? latest?.Input?["request"]?["model_name"]?.GetValue<string>();
        if (_rollback is null || model is null)
        {
            await _host.CreateCommentAsync(issue, $"@{author} there is no model to roll back for this issue yet{(_rollback is null ? " (rollback is not enabled on this runner; use `mlops rollback MODEL`)" : "")}.", cancellationToken).ConfigureAwait(false);
            return CommentOutcome.Invalid;
        }

        var outcome = await _rollback.RollbackAsync(model, version, cancellationToken).ConfigureAwait(false);
        await _host.CreateCommentAsync(issue, outcome.Done ? $"⏪ {outcome.Message} (requested by @{author})" : $"@{author} the rollback did not happen: {outcome.Message}", cancellationToken).ConfigureAwait(false);
        return outcome.Done ? CommentOutcome.Done : CommentOutcome.Invalid;
    }

    private async Task<bool> AuthorizedAsync(IssueRef issue, string user, string action, CancellationToken cancellationToken)
    {
        var decision = await _authorizer.AuthorizeAsync(issue.Repository, user, cancellationToken).ConfigureAwait(false);
        if (decision.Allowed)
        {
            return true;
        }

        Log.Refused(_logger, user, issue.ToString(), action, decision.Reason);
        await _host.CreateCommentAsync(
            issue,
            $"Thanks @{user}! Only people with write, maintain or admin permission on this repository (or on the configured allow-list) can {action}, so nothing was changed. A maintainer can do it for you.",
            cancellationToken).ConfigureAwait(false);
        return false;
    }

    /// <summary>The request a run was started with, as YAML: the fenced block of an issue body, else the text itself.</summary>
    private static string? RequestTextOf(ExecutionDescription? run)
    {
        if (run?.Input?["request_text"]?.GetValue<string>() is not { } text)
        {
            return null;
        }

        var fence = RequestFence().Match(text);
        return fence.Success ? fence.Groups["yaml"].Value.Trim() : text.Trim();
    }

    /// <summary>Where the latest run stands and what it measured, for answering questions; the agent treats it as data.</summary>
    private static string? LatestOf(ExecutionDescription? run)
    {
        if (run is null)
        {
            return null;
        }

        var latest = new JsonObject
        {
            ["execution"] = run.Summary.ExecutionId,
            ["status"] = run.Summary.Status.ToString(),
            ["state"] = run.Summary.CurrentState,
        };
        var data = run.Output ?? run.Input;
        foreach (var key in new[] { "evaluation", "judge", "package", "error" })
        {
            if (data?[key] is { } node)
            {
                latest[key] = node.DeepClone();
            }
        }

        return latest.ToJsonString();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[ \t]*```[ \t]*(yaml|yml)[ \t]*\r?\n(?<yaml>.*?)^[ \t]*```", System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.Singleline | System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex RequestFence();

    private IssueLink? Active(IssueRef issue) =>
        _links.FindByIssue(issue).FirstOrDefault(l => _executor.DescribeExecution(l.ExecutionId)?.Summary.Status is ExecutionStatus.Queued or ExecutionStatus.Running or ExecutionStatus.Waiting);

    private string StatusText(IssueLink? active)
    {
        if (active is null || _executor.DescribeExecution(active.ExecutionId) is not { } description)
        {
            return "No training run is active for this issue.";
        }

        return $"Run `{active.ExecutionId}` is **{description.Summary.Status.ToString().ToLowerInvariant()}** at `{description.Summary.CurrentState}` ({description.History.Count} events).";
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Execution {ExecutionId} started for {Issue} by {User}")]
        public static partial void Started(ILogger logger, string executionId, string issue, string user);

        [LoggerMessage(Level = LogLevel.Information, Message = "Execution {ExecutionId} answered by {User}: approved {Approved}")]
        public static partial void Answered(ILogger logger, string executionId, string user, bool approved);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {User} on {Issue} to {Action}: {Reason}")]
        public static partial void Refused(ILogger logger, string user, string issue, string action, string reason);
    }
}

/// <summary>What handling a comment or reaction did.</summary>
public enum CommentOutcome
{
    Ignored,
    Answered,
    Done,
    Refused,
    Invalid,
}
