using System.Globalization;
using System.Text.Json.Nodes;
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
/// <c>dataset_version</c> is lifted, because retraining exists to pick up new data. The operator turned automatic
/// retraining on, so the execution's questions (the plan approval, the Judge's retrain question, which max_retry
/// bounds) are answered here as <see cref="Approver"/>, and the answer is in the execution's history. It returns once
/// the execution has ended; the version it registered is the challenger.
/// </summary>
public sealed partial class WorkflowRetrainingLauncher(
    StateMachineExecutor executor, AslDefinition definition, TrainingRequest request, string requestText, string approver = WorkflowRetrainingLauncher.DefaultApprover, ILogger? logger = null)
    : IRetrainingLauncher
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
        return WorkflowInput.Build(request with { DatasetVersion = null }, requestText, new JsonObject
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

    public async Task<RetrainingRun> LaunchAsync(RetrainingTrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var id = executor.StartExecution(definition, Input(trigger), ExecutionIdFor(trigger));
        Log.Started(_logger, id, trigger.Model, trigger.KindName);
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

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Retraining execution {ExecutionId} started for {Model} ({Kind})")]
        public static partial void Started(ILogger logger, string executionId, string model, string kind);

        [LoggerMessage(Level = LogLevel.Information, Message = "Retraining execution {ExecutionId}: answered {State} with {Action}")]
        public static partial void Answered(ILogger logger, string executionId, string state, string action);
    }
}
