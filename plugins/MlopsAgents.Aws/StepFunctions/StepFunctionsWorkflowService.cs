using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlopsAgents.Aws.StepFunctions;

/// <summary>A waitForTaskToken state that is waiting for a person: its state name, the token and what it asked.</summary>
public sealed record PendingTask(string StateName, string TaskToken, JsonObject? Context);

/// <summary>
/// The workflow on Step Functions as the issue flow drives it: start an execution per request (named after the issue, so
/// a webhook delivered twice starts it once), find the state that waits for a person, and answer it from a comment
/// (/approve → SendTaskSuccess, /reject → SendTaskFailure with Mlops.ApprovalRejected, which the definition catches).
/// </summary>
public sealed class StepFunctionsWorkflowService(StepFunctionsClient client, string stateMachineArn)
{
    public const string RejectedError = "Mlops.ApprovalRejected";

    /// <summary>Starts the definition's input shape: {request, config: {max_retry}, retry: {count: 0}}.</summary>
    public Task<string> StartAsync(string executionName, JsonObject request, int maxRetry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var input = new JsonObject
        {
            ["request"] = request.DeepClone(),
            ["config"] = new JsonObject { ["max_retry"] = maxRetry },
            ["retry"] = new JsonObject { ["count"] = 0 },
        };
        return client.StartExecutionAsync(stateMachineArn, input, executionName, cancellationToken);
    }

    /// <summary>
    /// The task a person must answer, or null. It is the latest TaskScheduled of a .waitForTaskToken resource whose task
    /// has not finished; the token is in the scheduled parameters' Payload.task_token (the definition passes $$.Task.Token).
    /// </summary>
    public async Task<PendingTask?> FindPendingApprovalAsync(string executionArn, CancellationToken cancellationToken = default)
    {
        var history = await client.GetExecutionHistoryAsync(executionArn, cancellationToken).ConfigureAwait(false);
        string? currentState = null;
        (long Id, string State, JsonObject Parameters)? pending = null;
        foreach (var e in history)
        {
            if (e.Type.EndsWith("StateEntered", StringComparison.Ordinal))
            {
                currentState = e.Detail["name"]?.GetValue<string>();
            }

            if (e.Type == "TaskScheduled" && e.Detail["resource"]?.GetValue<string>().EndsWith(".waitForTaskToken", StringComparison.Ordinal) == true)
            {
                var parameters = e.Detail["parameters"]?.GetValue<string>() is { } text ? JsonNode.Parse(text) as JsonObject : null;
                pending = parameters is null ? null : (e.Id, currentState ?? "?", parameters);
            }
            else if (pending is not null && e.Type is "TaskSucceeded" or "TaskFailed" or "TaskTimedOut" or "TaskAborted")
            {
                // A finished task closes the wait that preceded it.
                if (e.PreviousEventId is { } previous && previous >= pending.Value.Id)
                {
                    pending = null;
                }
            }
        }

        if (pending is not { } found || found.Parameters["Payload"]?["task_token"]?.GetValue<string>() is not { } token)
        {
            return null;
        }

        return new PendingTask(found.State, token, found.Parameters["Payload"]?["context"] as JsonObject);
    }

    /// <summary>Approves: the waiting state succeeds with {approved: true, by, comment}.</summary>
    public Task ApproveAsync(PendingTask task, string by, string? comment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        return client.SendTaskSuccessAsync(task.TaskToken, new JsonObject { ["approved"] = true, ["by"] = by, ["comment"] = comment }, cancellationToken);
    }

    /// <summary>Rejects: the waiting state fails with Mlops.ApprovalRejected, which the definition does not retry.</summary>
    public Task RejectAsync(PendingTask task, string by, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        return client.SendTaskFailureAsync(task.TaskToken, RejectedError, JsonSerializer.Serialize(new { by, reason }), cancellationToken);
    }
}
