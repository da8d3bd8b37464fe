using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.GitHub;

/// <summary>
/// The issue side of an execution that started from an issue: the proposal and the operator question (task-token
/// waits), one progress comment edited in place, the results, failures with their reason, state labels and the history
/// commit. Every other step, and every step of an execution with no issue, goes to the inner invoker (MCP tools).
/// Each issue step's result is stored by idempotency key, so a replay after a crash posts nothing twice.
/// </summary>
public sealed partial class IssueTaskInvoker : ITaskInvoker
{
    private readonly ITaskInvoker _inner;
    private readonly IssueLinkStore _links;
    private readonly IIssueHost _host;
    private readonly GitHubOptions _options;
    private readonly ILogger _logger;
    private readonly IResultsCommentWriter _results;
    private readonly IProposalWriter _proposal;

    public IssueTaskInvoker(
        ITaskInvoker inner, IssueLinkStore links, IIssueHost host, GitHubOptions options, ILogger<IssueTaskInvoker>? logger = null, IResultsCommentWriter? results = null,
        IProposalWriter? proposal = null)
    {
        _proposal = proposal ?? new OptimizerMarkdownProposalWriter();
        _results = results ?? new TemplateResultsCommentWriter();
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _links = links ?? throw new ArgumentNullException(nameof(links));
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task<JsonNode?> InvokeAsync(string resource, JsonNode? input, string? taskToken, string idempotencyKey, CancellationToken cancellationToken)
    {
        var task = TaskResource.Parse(resource, input);
        var executionId = TaskResource.ExecutionIdOf(idempotencyKey);
        if (_links.FindByExecution(executionId) is not { } link)
        {
            return await _inner.InvokeAsync(resource, input, taskToken, idempotencyKey, cancellationToken).ConfigureAwait(false);
        }

        if (_links.TryGetStepResult(idempotencyKey, out var earlier))
        {
            return earlier;
        }

        var context = task.Input?["context"] ?? task.Input;
        JsonNode? result;
        switch (task.Name)
        {
            case "request_approval":
                result = await AskAsync(link, taskToken, "approval", ProposalText(await _proposal.WriteAsync(context, cancellationToken).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
                break;
            case "request_operator_input":
                result = await AskAsync(link, taskToken, "operator_input", OperatorQuestion(context), cancellationToken).ConfigureAwait(false);
                break;
            case "notify_operator":
                await ProgressAsync(link, "🔁 The Judge asked for retraining: " + Reason(context), cancellationToken).ConfigureAwait(false);
                result = new JsonObject { ["notified"] = true };
                break;
            case "notify_success":
                await ProgressAsync(link, "✅ Finished: the model is deployed", cancellationToken).ConfigureAwait(false);
                result = new JsonObject { ["comment_id"] = await _host.CreateCommentAsync(link.Issue, await _results.WriteAsync(executionId, context, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false) };
                await LabelAsync(link, IssueLabels.Deployed, cancellationToken).ConfigureAwait(false);
                break;
            case "notify_failure":
                await ProgressAsync(link, "❌ Stopped: " + FailureReason(context), cancellationToken).ConfigureAwait(false);
                result = new JsonObject
                {
                    ["comment_id"] = await _host.CreateCommentAsync(link.Issue, $"### ❌ Training did not complete\n\n**Reason:** {FailureReason(context)}\n\nExecution `{executionId}`.", cancellationToken).ConfigureAwait(false),
                };
                await LabelAsync(link, IssueLabels.Failed, cancellationToken).ConfigureAwait(false);
                break;
            default:
                await LabelAsync(link, IssueLabels.Running, cancellationToken).ConfigureAwait(false);
                await ProgressAsync(link, $"⏳ {task.Name}", cancellationToken).ConfigureAwait(false);
                result = await _inner.InvokeAsync(resource, input, taskToken, idempotencyKey, cancellationToken).ConfigureAwait(false);
                if (task.Name == "write_history" && result?["file_name"]?.GetValue<string>() is { } file && result["content"]?.GetValue<string>() is { } content)
                {
                    await _host.CommitFileAsync(link.Issue.Repository, "training_history/" + file, content, $"Training history for {link.Issue} (execution {executionId})", _options.HistoryBranch, cancellationToken).ConfigureAwait(false);
                }

                await ProgressAsync(link, $"✔️ {task.Name}", cancellationToken, replaceLast: true).ConfigureAwait(false);
                break;
        }

        _links.SaveStepResult(idempotencyKey, result);
        return result;
    }

    private async Task<JsonNode?> AskAsync(IssueLink link, string? token, string kind, string text, CancellationToken cancellationToken)
    {
        if (token is null)
        {
            throw new TaskFailedException(AslErrors.Runtime, $"request_{kind} runs only as a .waitForTaskToken Task.");
        }

        var commentId = await _host.CreateCommentAsync(link.Issue, text, cancellationToken).ConfigureAwait(false);
        _links.SetPending(link.ExecutionId, token, kind, kind == "approval" ? commentId : null);
        await LabelAsync(link, IssueLabels.AwaitingApproval, cancellationToken).ConfigureAwait(false);
        await ProgressAsync(link, kind == "approval" ? "⏸️ Waiting for approval of the plan" : "⏸️ Waiting for the operator: /retrain or /reject", cancellationToken).ConfigureAwait(false);
        Log.Asked(_logger, link.ExecutionId, link.Issue.ToString(), kind);
        return new JsonObject { ["comment_id"] = commentId };
    }

    private async Task ProgressAsync(IssueLink link, string line, CancellationToken cancellationToken, bool replaceLast = false)
    {
        // Reload: the link in hand may predate the last step's progress.
        var current = _links.FindByExecution(link.ExecutionId) ?? link;
        var lines = current.Progress.ToList();
        if (replaceLast && lines.Count > 0)
        {
            lines[^1] = line;
        }
        else
        {
            lines.Add(line);
        }

        var body = $"### 🛠️ Training progress\n\nExecution `{link.ExecutionId}`\n\n" + string.Join("\n", lines.Select(l => "- " + l));
        var id = current.ProgressCommentId;
        if (id is { } existing)
        {
            await _host.UpdateCommentAsync(link.Issue, existing, body, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            id = await _host.CreateCommentAsync(link.Issue, body, cancellationToken).ConfigureAwait(false);
        }

        _links.SetProgress(link.ExecutionId, id.Value, lines);
    }

    private async Task LabelAsync(IssueLink link, string label, CancellationToken cancellationToken)
    {
        if (_links.FindByExecution(link.ExecutionId)?.Label == label)
        {
            return;
        }

        await _host.SetStateLabelAsync(link.Issue, label, cancellationToken).ConfigureAwait(false);
        _links.SetLabel(link.ExecutionId, label);
    }

    private static string ProposalText(string proposal) =>
        $"### 📋 Proposed training plan\n\n{proposal}\n\nReply `/approve` or react 👍 to this comment to start; `/reject` to stop.";

    private static string OperatorQuestion(JsonNode? context)
    {
        var count = context?["retry"]?["count"]?.ToJsonString() ?? "0";
        var max = context?["config"]?["max_retry"]?.ToJsonString() ?? "?";
        return $"### 🔁 The Judge asks for retraining\n\n{Reason(context)}\n\nRetry {count} of {max} so far. Reply `/retrain` to train again, or `/reject` to stop and roll back.";
    }

    internal static string Reason(JsonNode? context) =>
        context?["judge"]?["reason"]?.GetValue<string>() ?? context?["judge"]?["summary"]?.GetValue<string>() ?? "no reason given";

    private static string FailureReason(JsonNode? context)
    {
        if (context?["error"] is JsonObject error)
        {
            return $"{error["Error"]}: {error["Cause"]}";
        }

        return context?["judge"]?["decision"] is { } decision
            ? $"the Judge decided '{decision}' ({Reason(context)})"
            : "the run stopped before the Judge decided";
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Execution {ExecutionId} asked issue {Issue} for {Kind}")]
        public static partial void Asked(ILogger logger, string executionId, string issue, string kind);
    }
}
