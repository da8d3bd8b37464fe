using System.Globalization;
using System.Text.Json.Nodes;

namespace MlopsAgents.Workflow.StateMachine;

/// <summary>
/// Where an execution is inside its current state, persisted with every transition so a restart resumes exactly there.
/// Phase Entered: the state has not started its work (for a Task: no attempt scheduled yet). Scheduled: a Task attempt
/// was recorded and may or may not have run. Completed: the attempt's result or error is recorded and must not run again.
/// EnteredAt is when this visit of the state began ($$.State.EnteredTime); retries keep it, as on Step Functions. The
/// start state's cursor has none and uses the execution's start time.
/// </summary>
internal sealed record ExecutionCursor(
    string State,
    JsonNode? Input,
    long Visit,
    string Phase = ExecutionCursor.Entered,
    int Attempt = 0,
    double RetryDelaySeconds = 0,
    IReadOnlyList<int>? RetryCounts = null,
    string? TaskToken = null,
    JsonNode? Result = null,
    string? Error = null,
    string? Cause = null,
    DateTimeOffset? ScheduledAt = null,
    DateTimeOffset? Deadline = null,
    DateTimeOffset? EnteredAt = null)
{
    public const string Entered = "Entered";
    public const string Scheduled = "Scheduled";
    public const string Completed = "Completed";

    public JsonObject ToJson() => new()
    {
        ["state"] = State,
        ["input"] = Input?.DeepClone(),
        ["visit"] = Visit,
        ["phase"] = Phase,
        ["attempt"] = Attempt,
        ["retry_delay_seconds"] = RetryDelaySeconds,
        ["retry_counts"] = new JsonArray((RetryCounts ?? []).Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
        ["task_token"] = TaskToken,
        ["result"] = Result?.DeepClone(),
        ["error"] = Error,
        ["cause"] = Cause,
        ["scheduled_at"] = ScheduledAt?.ToString("O", CultureInfo.InvariantCulture),
        ["deadline"] = Deadline?.ToString("O", CultureInfo.InvariantCulture),
        ["entered_at"] = EnteredAt?.ToString("O", CultureInfo.InvariantCulture),
    };

    public static ExecutionCursor FromJson(JsonNode node) => new(
        node["state"]!.GetValue<string>(),
        node["input"]?.DeepClone(),
        node["visit"]!.GetValue<long>(),
        node["phase"]!.GetValue<string>(),
        node["attempt"]!.GetValue<int>(),
        node["retry_delay_seconds"]!.GetValue<double>(),
        node["retry_counts"]!.AsArray().Select(n => n!.GetValue<int>()).ToList(),
        node["task_token"]?.GetValue<string>(),
        node["result"]?.DeepClone(),
        node["error"]?.GetValue<string>(),
        node["cause"]?.GetValue<string>(),
        Time(node["scheduled_at"]),
        Time(node["deadline"]),
        Time(node["entered_at"]));

    private static DateTimeOffset? Time(JsonNode? node) =>
        node?.GetValue<string>() is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : null;
}

/// <summary>One execution row as the executor reads it.</summary>
internal sealed record ExecutionRow(
    string Id,
    string DefinitionHash,
    ExecutionStatus Status,
    long Version,
    long LastSequence,
    ExecutionCursor? Cursor,
    JsonNode? Input,
    DateTimeOffset StartedAt);

/// <summary>A change to one execution, written in one transaction together with its history events.</summary>
internal sealed record ExecutionChange
{
    public ExecutionStatus? Status { get; init; }

    public ExecutionCursor? Cursor { get; init; }

    public IReadOnlyList<(string Type, string? State, JsonNode? Data)> Events { get; init; } = [];

    public JsonNode? Output { get; init; }

    public string? Error { get; init; }

    public string? Cause { get; init; }

    public bool Ends { get; init; }

    /// <summary>A task token to register as pending, in the same transaction that schedules its Task.</summary>
    public string? NewTaskToken { get; init; }

    /// <summary>A pending task token this change uses up; the change fails when the token is no longer pending.</summary>
    public string? CompletedTaskToken { get; init; }
}
