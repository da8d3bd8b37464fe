using System.Text.Json.Nodes;

namespace MlopsAgents.Workflow.StateMachine;

/// <summary>
/// Runs the work behind a Task state's Resource (an MCP tool, an agent step). The executor calls it at least once per
/// scheduled attempt: after a crash, an attempt that was scheduled but whose result was not yet recorded runs again
/// with the same <paramref name="idempotencyKey"/>. Handlers must treat a repeated key as the same request and return
/// the first result without repeating side effects; then every Task's effect happens exactly once.
/// </summary>
public interface ITaskInvoker
{
    /// <summary>
    /// Invokes <paramref name="resource"/> with the state's effective input. <paramref name="taskToken"/> is set for
    /// <c>.waitForTaskToken</c> resources: the handler hands it to whoever completes the task later, and its own return
    /// value is ignored. A failure the workflow can route on is thrown as <see cref="TaskFailedException"/>.
    /// </summary>
    Task<JsonNode?> InvokeAsync(string resource, JsonNode? input, string? taskToken, string idempotencyKey, CancellationToken cancellationToken);
}

/// <summary>A Task failure with an ASL error name, which the state's Retry and Catch match on.</summary>
public sealed class TaskFailedException(string error, string cause) : Exception($"{error}: {cause}")
{
    public string Error { get; } = error;

    public string Cause { get; } = cause;
}

/// <summary>Where an execution stands.</summary>
public enum ExecutionStatus
{
    Queued,
    Running,
    Waiting,
    Succeeded,
    Failed,
    Aborted,
}

/// <summary>One row of <see cref="StateMachineExecutor.ListExecutions"/>.</summary>
public sealed record ExecutionSummary(
    string ExecutionId,
    string DefinitionHash,
    ExecutionStatus Status,
    string? CurrentState,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt);

/// <summary>An execution with its input, output or error, and full history.</summary>
public sealed record ExecutionDescription(
    ExecutionSummary Summary,
    JsonNode? Input,
    JsonNode? Output,
    string? Error,
    string? Cause,
    IReadOnlyList<HistoryEvent> History);

/// <summary>One persisted transition of an execution.</summary>
public sealed record HistoryEvent(long Sequence, string Type, string? State, JsonNode? Data, DateTimeOffset Timestamp);

/// <summary>History event types, in the spirit of Step Functions' GetExecutionHistory.</summary>
public static class HistoryEventTypes
{
    public const string ExecutionQueued = "ExecutionQueued";
    public const string ExecutionStarted = "ExecutionStarted";
    public const string StateEntered = "StateEntered";
    public const string StateExited = "StateExited";
    public const string TaskScheduled = "TaskScheduled";
    public const string TaskWaiting = "TaskWaiting";
    public const string TaskSucceeded = "TaskSucceeded";
    public const string TaskFailed = "TaskFailed";
    public const string TaskRetryScheduled = "TaskRetryScheduled";
    public const string ExecutionSucceeded = "ExecutionSucceeded";
    public const string ExecutionFailed = "ExecutionFailed";
    public const string ExecutionAborted = "ExecutionAborted";
}

/// <summary>Executor settings.</summary>
public sealed record StateMachineOptions
{
    /// <summary>How many executions may run at once; the rest wait in status Queued. The design's default is 10.</summary>
    public int MaxConcurrentExecutions { get; init; } = 10;

    /// <summary>How Retry intervals and Wait states pass time; tests replace it so they never sleep.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
