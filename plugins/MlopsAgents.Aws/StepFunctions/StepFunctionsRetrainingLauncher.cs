using System.Globalization;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Retraining;

namespace MlopsAgents.Aws.StepFunctions;

/// <summary>
/// <see cref="IRetrainingLauncher"/> on Step Functions (MLOPS_WORKFLOW_BACKEND=stepfunctions): starts an execution of
/// the deployed state machine with the retraining input (the trigger under <c>retraining</c>), answers its approval and
/// retrain questions as <paramref name="approver"/> (the operator turned automatic retraining on), and polls every
/// <paramref name="pollInterval"/> on <paramref name="timeProvider"/> until it ends; the version it registered is the
/// challenger.
/// </summary>
public sealed class StepFunctionsRetrainingLauncher(
    StepFunctionsClient client, string stateMachineArn, Func<RetrainingTrigger, JsonObject> input, TimeSpan pollInterval, TimeProvider? timeProvider = null,
    string approver = "retraining-watcher") : IRetrainingLauncher
{
    private readonly StepFunctionsWorkflowService _workflow = new(client, stateMachineArn);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>The execution name: <c>retrain-{model}-{utc time}</c>, within Step Functions' 80 characters of [A-Za-z0-9_-].</summary>
    public static string ExecutionName(RetrainingTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var model = new string([.. trigger.Model.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
        var name = string.Create(CultureInfo.InvariantCulture, $"retrain-{model}-{trigger.Time.UtcDateTime:yyyyMMdd'T'HHmmss}");
        return name.Length <= 80 ? name : name[^80..];
    }

    public async Task<RetrainingRun> LaunchAsync(RetrainingTrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pollInterval, TimeSpan.Zero);
        var arn = await client.StartExecutionAsync(stateMachineArn, input(trigger), ExecutionName(trigger), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var execution = await client.DescribeExecutionAsync(arn, cancellationToken).ConfigureAwait(false);
            switch (execution.Status)
            {
                case "SUCCEEDED":
                    var version = (execution.Output is { } output ? JsonNode.Parse(output) : null)?["package"]?["version"]?.GetValue<string>();
                    return new RetrainingRun(arn, version is not null, version, version is null ? "the execution succeeded without registering a model" : $"execution {arn} registered {version}");
                case "RUNNING":
                    if (await _workflow.FindPendingApprovalAsync(arn, cancellationToken).ConfigureAwait(false) is { } pending)
                    {
                        await _workflow.ApproveAsync(pending, approver, $"automatic retraining ({trigger.KindName}): {trigger.Reason}", cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    await Task.Delay(pollInterval, _time, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    return new RetrainingRun(arn, false, null, $"execution {arn} {execution.Status.ToLowerInvariant()}: {execution.Error}: {execution.Cause}");
            }
        }
    }
}
