using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsAgents.Aws.Http;

namespace MlopsAgents.Aws.StepFunctions;

/// <summary>A waitForTaskToken state that is waiting for a person: its state name, the token and what it asked.</summary>
public sealed record PendingTask(string StateName, string TaskToken, JsonObject? Context);

/// <summary>An execution this start created, or the one an earlier start of the same name created.</summary>
public sealed record StartedExecution(string ExecutionArn, bool AlreadyExisted, string Status);

/// <summary>
/// The workflow on Step Functions as the issue flow drives it: start an execution per request (named after the issue, so
/// a webhook delivered twice starts it once), find the state that waits for a person, and answer it from a comment
/// (/approve → SendTaskSuccess, /reject → SendTaskFailure with Mlops.ApprovalRejected, which the definition catches).
/// </summary>
public sealed partial class StepFunctionsWorkflowService(StepFunctionsClient client, string stateMachineArn)
{
    public const string RejectedError = "Mlops.ApprovalRejected";

    public string StateMachineArn => stateMachineArn;

    /// <summary>
    /// Starts an execution with a complete input (the workflow's request, request_text, config and retry). Starting a
    /// name again is not an error: Step Functions answers a repeat with the same input with the running execution, and
    /// a repeat of a finished one (or with other input) with ExecutionAlreadyExists, after which the existing execution
    /// is described and returned.
    /// </summary>
    public async Task<StartedExecution> StartOrFindAsync(string executionName, JsonObject input, CancellationToken cancellationToken = default)
    {
        ValidateExecutionName(executionName);
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            var arn = await client.StartExecutionAsync(stateMachineArn, input, executionName, cancellationToken).ConfigureAwait(false);
            return new StartedExecution(arn, AlreadyExisted: false, "RUNNING");
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ExecutionAlreadyExists")
        {
            var existing = await client.DescribeExecutionAsync(ExecutionArn(executionName), cancellationToken).ConfigureAwait(false);
            return new StartedExecution(existing.ExecutionArn, AlreadyExisted: true, existing.Status);
        }
    }

    /// <summary>An execution's ARN from its ARN or its name: arn:aws:states:REGION:ACCOUNT:execution:STATE_MACHINE:NAME.</summary>
    public string ExecutionArn(string executionArnOrName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionArnOrName);
        if (executionArnOrName.StartsWith("arn:", StringComparison.Ordinal))
        {
            return executionArnOrName;
        }

        ValidateExecutionName(executionArnOrName);
        return stateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + executionArnOrName;
    }

    /// <summary>Step Functions execution names: 1–80 characters; letters, digits, hyphens and underscores are the portable subset used here.</summary>
    public static void ValidateExecutionName(string name)
    {
        if (name is null || !ExecutionNamePattern().IsMatch(name))
        {
            throw new ArgumentException($"execution name '{name}' is not allowed; use 1-80 letters, digits, hyphens and underscores.", nameof(name));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,80}$", RegexOptions.CultureInvariant)]
    private static partial Regex ExecutionNamePattern();

    /// <summary>
    /// The execution name for a request: issue-{stem}-{first 16 hex of the text's SHA-256}, so the same request text maps
    /// to the same execution and a repeated start finds it instead of running the workflow twice.
    /// </summary>
    public static string ExecutionNameFor(string stem, string requestText)
    {
        ArgumentNullException.ThrowIfNull(requestText);
        stem = NotAllowed().Replace(stem ?? string.Empty, "-").Trim('-');
        stem = stem.Length > 40 ? stem[..40] : stem;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(requestText)))[..16];
        return $"issue-{(stem.Length == 0 ? "request" : stem)}-{hash}";
    }

    [GeneratedRegex("[^A-Za-z0-9_-]+", RegexOptions.CultureInvariant)]
    private static partial Regex NotAllowed();

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
    public async Task<PendingTask?> FindPendingApprovalAsync(string executionArn, CancellationToken cancellationToken = default) =>
        FindPendingApproval(await client.GetExecutionHistoryAsync(executionArn, cancellationToken).ConfigureAwait(false));

    /// <summary>The task a person must answer in an execution history already read, or null.</summary>
    public static PendingTask? FindPendingApproval(IReadOnlyList<ExecutionHistoryEvent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
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
