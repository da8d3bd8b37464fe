using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Retraining;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.Workflow.Retraining;

/// <summary>
/// <see cref="IRetrainingLauncher"/> that starts an execution of the ASL training workflow on the local durable
/// executor (each Task an MCP tool call, as <c>mlops workflow start</c> runs it), with the trigger in the execution
/// input under <c>retraining</c> (kind, reason, model, time) so the history says why it ran. A pinned
/// <c>dataset_version</c> is lifted, because retraining exists to pick up new data (the trigger's own version, one
/// feedback was just merged into, is pinned instead). The operator turned automatic
/// retraining on, so the execution's questions (the plan approval, the Judge's retrain question, which max_retry
/// bounds) are answered here as <see cref="Approver"/>, and the answer is in the execution's history. It returns once
/// the execution has ended; the version it registered is the challenger. The execution is durable: a later process
/// attaches to it by its id (<see cref="AttachAsync"/>), resuming it where the executor's store says it stopped.
/// </summary>
public sealed partial class WorkflowRetrainingLauncher(
    StateMachineExecutor executor, AslDefinition definition, TrainingRequest request, string requestText, string approver = WorkflowRetrainingLauncher.DefaultApprover, ILogger? logger = null)
    : IResumableRetrainingLauncher
{
    /// <summary>Who the executions' approvals are recorded as.</summary>
    public const string DefaultApprover = "retraining-watcher";

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public string Approver => approver;

    /// <summary>The execution id for a trigger: <c>retrain-{model}-{utc time}-{8 hex}</c>.</summary>
    public static string ExecutionIdFor(RetrainingTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return string.Create(CultureInfo.InvariantCulture, $"retrain-{trigger.Model}-{trigger.Time.UtcDateTime:yyyyMMdd'T'HHmmss}-{Guid.NewGuid():N}")[..^24];
    }

    /// <summary>The execution input: the request, its text and the trigger.</summary>
    public JsonObject Input(RetrainingTrigger trigger) => BuildInput(request, requestText, trigger);

    /// <summary>
    /// The training workflow's input for a retraining (the same on Step Functions): the request with its pinned
    /// dataset_version lifted, its text, and the trigger under <c>retraining</c>.
    /// </summary>
    public static JsonObject BuildInput(TrainingRequest request, string requestText, RetrainingTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(trigger);

        // The workflow's PrepareData parses request_text, not the request object, so the version is set in both.
        return WorkflowInput.Build(request with { DatasetVersion = trigger.DatasetVersion }, PinDatasetVersion(requestText, trigger.DatasetVersion), new JsonObject
        {
            ["retraining"] = new JsonObject
            {
                ["trigger"] = trigger.KindName,
                ["reason"] = trigger.Reason,
                ["model"] = trigger.Model,
                ["time"] = trigger.Time.ToString("O", CultureInfo.InvariantCulture),
            },
        });
    }

    /// <summary>
    /// The request text with its top-level <c>dataset_version</c> set to <paramref name="version"/>, or removed when it
    /// is null (the latest then). Only the YAML block of an issue body is touched.
    /// </summary>
    public static string PinDatasetVersion(string requestText, int? version)
    {
        ArgumentNullException.ThrowIfNull(requestText);
        var fence = YamlFence().Match(requestText);
        var (start, length) = fence.Success ? (fence.Groups["yaml"].Index, fence.Groups["yaml"].Length) : (0, requestText.Length);
        var yaml = DatasetVersionLine().Replace(requestText.Substring(start, length), string.Empty);
        if (version is { } pinned)
        {
            yaml = (yaml.Length == 0 || yaml.EndsWith('\n') ? yaml : yaml + "\n") + string.Create(CultureInfo.InvariantCulture, $"dataset_version: {pinned}\n");
        }

        return string.Concat(requestText.AsSpan(0, start), yaml, requestText.AsSpan(start + length));
    }

    public async Task<RetrainingRun> LaunchAsync(RetrainingTrigger trigger, CancellationToken cancellationToken)
    {
        var id = await StartAsync(trigger, cancellationToken).ConfigureAwait(false);
        return await AttachAsync(trigger, id!, cancellationToken).ConfigureAwait(false);
    }

    public Task<string?> StartAsync(RetrainingTrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var id = executor.StartExecution(definition, Input(trigger), ExecutionIdFor(trigger));
        Log.Started(_logger, id, trigger.Model, trigger.KindName);
        return Task.FromResult<string?>(id);
    }

    public async Task<RetrainingRun> AttachAsync(RetrainingTrigger trigger, string handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentException.ThrowIfNullOrWhiteSpace(handle);
        var id = handle;
        if (executor.DescribeExecution(id) is null)
        {
            return new RetrainingRun(id, false, null, $"execution {id} is not in the executor's store; it cannot be resumed") { Lost = true };
        }

        // Left Running or Queued by a process that stopped: this one picks it up where its last commit left it. One
        // already being worked on here is left alone.
        if (executor.Resume(id))
        {
            Log.Resumed(_logger, id, trigger.Model);
        }

        var unattended = 0;
        while (true)
        {
            await executor.WaitForIdleAsync(id, cancellationToken).ConfigureAwait(false);
            var execution = executor.DescribeExecution(id) ?? throw new InvalidOperationException($"Execution {id} vanished from the executor's store.");
            switch (execution.Summary.Status)
            {
                case ExecutionStatus.Succeeded:
                    var version = execution.Output?["package"]?["version"]?.GetValue<string>();
                    return new RetrainingRun(id, version is not null, version, version is null ? "the execution succeeded without registering a model" : $"execution {id} registered {version}");
                case ExecutionStatus.Failed or ExecutionStatus.Aborted:
                    return new RetrainingRun(id, false, null, $"execution {id} {execution.Summary.Status.ToString().ToLowerInvariant()}: {execution.Error}: {execution.Cause}");
                case ExecutionStatus.Waiting:
                    unattended = 0;
                    Answer(id, execution, trigger);
                    break;
                default:
                    // Idle yet not waiting or ended happens only in the instant a run hands over to the next one;
                    // for longer it means nothing in this process works on it, and waiting would never end.
                    if (++unattended > 1000)
                    {
                        throw new InvalidOperationException($"Execution {id} is {execution.Summary.Status} at {execution.Summary.CurrentState}, but no run of this process is working on it.");
                    }

                    await Task.Yield();
                    break;
            }
        }
    }

    private void Answer(string id, ExecutionDescription execution, RetrainingTrigger trigger)
    {
        var waiting = execution.History.LastOrDefault(h => h.Type == HistoryEventTypes.TaskWaiting)
            ?? throw new InvalidOperationException($"Execution {id} is waiting but its history has no {HistoryEventTypes.TaskWaiting} event.");
        var token = waiting.Data?["task_token"]?.GetValue<string>() ?? throw new InvalidOperationException($"Execution {id} waits at {waiting.State} without a task token.");
        var action = waiting.State == "WaitForOperatorInput" ? "retrain" : "approve";
        var answered = executor.SendTaskSuccess(token, new JsonObject
        {
            ["approved"] = true,
            ["by"] = approver,
            ["action"] = action,
            ["reason"] = $"automatic retraining ({trigger.KindName}): {trigger.Reason}",
        });
        if (answered)
        {
            Log.Answered(_logger, id, waiting.State ?? "?", action);
        }
    }

    [GeneratedRegex(@"^[ \t]*```[ \t]*(yaml|yml)[ \t]*\r?\n(?<yaml>.*?)^[ \t]*```", RegexOptions.Multiline | RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex YamlFence();

    [GeneratedRegex(@"^dataset_version[ \t]*:[^\n]*(\n|$)", RegexOptions.Multiline)]
    private static partial Regex DatasetVersionLine();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Retraining execution {ExecutionId} started for {Model} ({Kind})")]
        public static partial void Started(ILogger logger, string executionId, string model, string kind);

        [LoggerMessage(Level = LogLevel.Information, Message = "Retraining execution {ExecutionId} of {Model} re-attached")]
        public static partial void Resumed(ILogger logger, string executionId, string model);

        [LoggerMessage(Level = LogLevel.Information, Message = "Retraining execution {ExecutionId}: answered {State} with {Action}")]
        public static partial void Answered(ILogger logger, string executionId, string state, string action);
    }
}
