using System.Globalization;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.Http;
using MlopsAgents.Plugins.Retraining;

namespace MlopsAgents.Aws.StepFunctions;

/// <summary>
/// <see cref="IRetrainingLauncher"/> on Step Functions (MLOPS_WORKFLOW_BACKEND=stepfunctions): starts an execution of
/// the deployed state machine with the retraining input (the trigger under <c>retraining</c>), answers its approval and
/// retrain questions as <paramref name="approver"/> (the operator turned automatic retraining on), and polls every
/// <paramref name="pollInterval"/> on <paramref name="timeProvider"/> until it ends; the version it registered is the
/// challenger. The execution lives on AWS, not in this process: its ARN is the handle the watcher's ledger keeps, and
/// a later process re-attaches to it by that ARN (<see cref="AttachAsync"/>) without starting it again.
/// </summary>
public sealed class StepFunctionsRetrainingLauncher(
    StepFunctionsClient client, string stateMachineArn, Func<RetrainingTrigger, JsonObject> input, TimeSpan pollInterval, TimeProvider? timeProvider = null,
    string approver = "retraining-watcher") : IResumableRetrainingLauncher
{
    private readonly StepFunctionsWorkflowService _workflow = new(client, stateMachineArn);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    private readonly TimeSpan _pollInterval = pollInterval > TimeSpan.Zero
        ? pollInterval
        : throw new ArgumentOutOfRangeException(nameof(pollInterval), pollInterval, $"pollInterval is {pollInterval}; allowed: more than zero.");

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
        var arn = await StartAsync(trigger, cancellationToken).ConfigureAwait(false);
        return await AttachAsync(trigger, arn!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>StartExecution with the trigger's input; the execution ARN is the handle.</summary>
    public async Task<string?> StartAsync(RetrainingTrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return await client.StartExecutionAsync(stateMachineArn, input(trigger), ExecutionName(trigger), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Polls the execution <paramref name="handle"/> (its ARN) with DescribeExecution until it ends, answering its
    /// approval waits, and reads the registered version from its output. Step Functions ran it all along, so there is
    /// nothing to resume here, only to await. A handle that is not an execution ARN (a local executor's id, left by a
    /// process on the other backend) or an execution Step Functions does not know comes back <see cref="RetrainingRun.Lost"/>.
    /// </summary>
    public async Task<RetrainingRun> AttachAsync(RetrainingTrigger trigger, string handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentException.ThrowIfNullOrWhiteSpace(handle);
        var arn = handle;
        if (!IsExecutionArn(arn))
        {
            return new RetrainingRun(arn, false, null, $"run {arn} is not a Step Functions execution ARN (arn:…:states:…:execution:…); it was not started on Step Functions and cannot be re-attached there") { Lost = true };
        }

        while (true)
        {
            ExecutionDescription execution;
            try
            {
                execution = await client.DescribeExecutionAsync(arn, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (e.ErrorCode == "ExecutionDoesNotExist")
            {
                // Executions are kept 90 days after they end, and an ARN of another account or region is unknown too:
                // either way there is nothing to await, which the watcher records as interrupted with this reason.
                return new RetrainingRun(arn, false, null, $"execution {arn} does not exist on Step Functions ({e.AwsMessage ?? e.ErrorCode}); it cannot be re-attached") { Lost = true };
            }

            switch (execution.Status)
            {
                case "SUCCEEDED":
                    var version = (execution.Output is { } output ? JsonNode.Parse(output) : null)?["package"]?["version"]?.GetValue<string>();
                    return new RetrainingRun(arn, version is not null, version, version is null ? "the execution succeeded without registering a model" : $"execution {arn} registered {version}");
                case "FAILED" or "TIMED_OUT" or "ABORTED":
                    return new RetrainingRun(arn, false, null, $"execution {arn} {execution.Status.ToLowerInvariant()}: {execution.Error}: {execution.Cause}");
                case "RUNNING":
                    if (await _workflow.FindPendingApprovalAsync(arn, cancellationToken).ConfigureAwait(false) is { } pending)
                    {
                        await _workflow.ApproveAsync(pending, approver, $"automatic retraining ({trigger.KindName}): {trigger.Reason}", cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    await Task.Delay(_pollInterval, _time, cancellationToken).ConfigureAwait(false);
                    break;
                case "PENDING_REDRIVE":
                    // A redrive was asked for: it is about to run again, so it has not ended.
                    await Task.Delay(_pollInterval, _time, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new InvalidOperationException(
                        $"Step Functions DescribeExecution answered status '{execution.Status}' for {arn}; known: RUNNING, PENDING_REDRIVE, SUCCEEDED, FAILED, TIMED_OUT, ABORTED.");
            }
        }
    }

    /// <summary>arn:PARTITION:states:REGION:ACCOUNT:execution:MACHINE:NAME, the shape StartExecution answers with.</summary>
    private static bool IsExecutionArn(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length >= 8 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "execution";
    }
}
