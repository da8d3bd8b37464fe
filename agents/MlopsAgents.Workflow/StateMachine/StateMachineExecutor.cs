using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MlopsAgents.Workflow.StateMachine;

/// <summary>
/// Runs Amazon States Language definitions locally and durably. Each transition is committed to SQLite before the next
/// step starts, a Task attempt is recorded as scheduled before it is invoked and as succeeded before the execution moves
/// on, so after a crash <see cref="ResumeAll"/> continues every execution where it stopped: a recorded Task result is
/// never recomputed, and a scheduled-but-unrecorded attempt runs again under the same idempotency key.
/// </summary>
public sealed partial class StateMachineExecutor : IAsyncDisposable
{
    private readonly ExecutionStore _store;
    private readonly ITaskInvoker _invoker;
    private readonly StateMachineOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Task> _runs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _rerun = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CancellationTokenSource> _stops = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AslDefinition> _definitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ITimer> _timeouts = new(StringComparer.Ordinal);

    public StateMachineExecutor(string databasePath, ITaskInvoker invoker, StateMachineOptions? options = null, ILogger<StateMachineExecutor>? logger = null)
        : this(databasePath, invoker, options, logger, committed: null)
    {
    }

    internal StateMachineExecutor(
        string databasePath, ITaskInvoker invoker, StateMachineOptions? options, ILogger<StateMachineExecutor>? logger, Action<IReadOnlyList<HistoryEvent>>? committed)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        _options = options ?? new StateMachineOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrentExecutions, 1, nameof(options));
        _store = new ExecutionStore(databasePath, _options.TimeProvider) { Committed = committed };
        _invoker = invoker;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _slots = new SemaphoreSlim(_options.MaxConcurrentExecutions, _options.MaxConcurrentExecutions);
    }

    /// <summary>Queues a new execution of <paramref name="definition"/>; it starts as soon as a slot is free.</summary>
    public string StartExecution(AslDefinition definition, JsonNode? input, string? executionId = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var id = executionId ?? Guid.NewGuid().ToString("N");
        _store.SaveDefinition(definition);
        lock (_gate)
        {
            _definitions[definition.Hash] = definition;
        }

        _store.Create(id, definition, input?.DeepClone());
        Log.Queued(_logger, id, definition.StartAt);
        Schedule(id);
        return id;
    }

    /// <summary>Parses <paramref name="definitionJson"/> and queues a new execution of it.</summary>
    public string StartExecution(string definitionJson, JsonNode? input, string? executionId = null) =>
        StartExecution(AslDefinition.Parse(definitionJson), input, executionId);

    public IReadOnlyList<ExecutionSummary> ListExecutions(ExecutionStatus? status = null) => _store.List(status);

    /// <summary>The execution with its history, or null when the id is unknown.</summary>
    public ExecutionDescription? DescribeExecution(string executionId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionId);
        return _store.Describe(executionId);
    }

    /// <summary>Aborts an execution that has not finished; false when it is unknown or already finished.</summary>
    public bool StopExecution(string executionId, string? cause = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionId);
        while (_store.Load(executionId) is { } row && !IsFinal(row.Status))
        {
            var change = new ExecutionChange
            {
                Status = ExecutionStatus.Aborted,
                Ends = true,
                Error = "States.Aborted",
                Cause = cause ?? "Stopped by an operator.",
                Events = [(HistoryEventTypes.ExecutionAborted, row.Cursor?.State, JsonValue.Create(cause ?? "Stopped by an operator."))],
            };
            if (_store.TryCommit(executionId, row.Version, change))
            {
                lock (_gate)
                {
                    if (_stops.TryGetValue(executionId, out var stop))
                    {
                        stop.Cancel();
                    }
                }

                Log.Stopped(_logger, executionId);
                return true;
            }
        }

        return false;
    }

    /// <summary>Completes a <c>.waitForTaskToken</c> Task with its output; false when the token is unknown or already used.</summary>
    public bool SendTaskSuccess(string taskToken, JsonNode? output) => CompleteToken(taskToken, output, error: null, cause: null);

    /// <summary>Fails a <c>.waitForTaskToken</c> Task; its Retry and Catch apply. False when the token is unknown or already used.</summary>
    public bool SendTaskFailure(string taskToken, string error, string? cause = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return CompleteToken(taskToken, output: null, error, cause ?? "");
    }

    /// <summary>
    /// Keeps a <c>.waitForTaskToken</c> Task with HeartbeatSeconds alive: its deadline moves to now + HeartbeatSeconds
    /// (never past TimeoutSeconds). False when the token is unknown or already used.
    /// </summary>
    public bool SendTaskHeartbeat(string taskToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskToken);
        while (_store.FindPendingToken(taskToken) is { } id && _store.Load(id) is { } row)
        {
            if (row.Cursor is not { Phase: ExecutionCursor.Scheduled } cursor || cursor.TaskToken != taskToken)
            {
                return false;
            }

            var now = _options.TimeProvider.GetUtcNow();
            var deadline = Deadline(Definition(row.DefinitionHash).States[cursor.State], cursor.ScheduledAt ?? now, now);
            if (_store.TryCommit(id, row.Version, new ExecutionChange { Cursor = cursor with { Deadline = deadline } }))
            {
                if (deadline is { } d)
                {
                    ArmTimeout(id, taskToken, d);
                }

                return true;
            }
        }

        return false;
    }

    /// <summary>Queues every execution a previous process left Queued or Running and re-arms the timeouts of those waiting on a token; call it once at start-up.</summary>
    public int ResumeAll()
    {
        foreach (var waiting in _store.List(ExecutionStatus.Waiting))
        {
            if (_store.Load(waiting.ExecutionId) is { Cursor: { TaskToken: { } token, Deadline: { } deadline } })
            {
                ArmTimeout(waiting.ExecutionId, token, deadline);
            }
        }

        var resumed = 0;
        foreach (var summary in _store.List(ExecutionStatus.Running).Concat(_store.List(ExecutionStatus.Queued)))
        {
            if (summary.Status == ExecutionStatus.Running && _store.Load(summary.ExecutionId) is { } row)
            {
                _store.TryCommit(row.Id, row.Version, new ExecutionChange { Status = ExecutionStatus.Queued });
            }

            Log.Resumed(_logger, summary.ExecutionId, summary.CurrentState ?? "");
            Schedule(summary.ExecutionId);
            resumed++;
        }

        return resumed;
    }

    /// <summary>
    /// What <see cref="ResumeAll"/> does, for one execution: queues it when a previous process left it Queued or Running
    /// (re-arms its timeout when it waits on a token). False when it is unknown, finished, or already being worked on in
    /// this process, so it never races a run of its own.
    /// </summary>
    public bool Resume(string executionId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionId);
        lock (_gate)
        {
            if (_runs.TryGetValue(executionId, out var run) && !run.IsCompleted)
            {
                return false;
            }
        }

        if (_store.Load(executionId) is not { } row || IsFinal(row.Status))
        {
            return false;
        }

        if (row.Status == ExecutionStatus.Waiting)
        {
            if (row.Cursor is { TaskToken: { } token, Deadline: { } deadline })
            {
                ArmTimeout(executionId, token, deadline);
            }

            return true;
        }

        if (row.Status == ExecutionStatus.Running)
        {
            _store.TryCommit(row.Id, row.Version, new ExecutionChange { Status = ExecutionStatus.Queued });
        }

        Log.Resumed(_logger, executionId, row.Cursor?.State ?? "");
        Schedule(executionId);
        return true;
    }

    /// <summary>Completes when the execution is not being worked on: finished, waiting for a token, or stopped by a crash (which surfaces here).</summary>
    public Task WaitForIdleAsync(string executionId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return _runs.TryGetValue(executionId, out var run) ? run.WaitAsync(cancellationToken) : Task.CompletedTask;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        Task[] runs;
        lock (_gate)
        {
            runs = [.. _runs.Values];
        }

        await Task.WhenAll(runs).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_gate)
        {
            foreach (var timer in _timeouts.Values)
            {
                timer.Dispose();
            }

            _timeouts.Clear();
        }

        _lifetime.Dispose();
        _slots.Dispose();
    }

    private bool CompleteToken(string taskToken, JsonNode? output, string? error, string? cause)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskToken);
        while (_store.FindPendingToken(taskToken) is { } id && _store.Load(id) is { } row)
        {
            if (row.Cursor is not { Phase: ExecutionCursor.Scheduled } cursor || cursor.TaskToken != taskToken
                || row.Status is not (ExecutionStatus.Running or ExecutionStatus.Waiting))
            {
                return false;
            }

            var change = new ExecutionChange
            {
                Status = row.Status == ExecutionStatus.Waiting ? ExecutionStatus.Queued : null,
                Cursor = cursor with { Phase = ExecutionCursor.Completed, Result = output?.DeepClone(), Error = error, Cause = cause },
                CompletedTaskToken = taskToken,
                Events = [error is null
                    ? (HistoryEventTypes.TaskSucceeded, cursor.State, output?.DeepClone())
                    : (HistoryEventTypes.TaskFailed, cursor.State, ErrorOutput(error, cause))],
            };
            if (_store.TryCommit(id, row.Version, change))
            {
                if (row.Status == ExecutionStatus.Waiting)
                {
                    Schedule(id);
                }

                return true;
            }
        }

        return false;
    }

    private void Schedule(string id)
    {
        lock (_gate)
        {
            if (_runs.TryGetValue(id, out var run) && !run.IsCompleted)
            {
                _rerun.Add(id);
                return;
            }

            _runs[id] = Task.Run(() => RunLoopAsync(id));
        }
    }

    private async Task RunLoopAsync(string id)
    {
        while (true)
        {
            try
            {
                await RunOnceAsync(id).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The last committed transition is intact; the next ResumeAll continues from it.
                Log.Crashed(_logger, ex, id);
                throw;
            }

            lock (_gate)
            {
                if (!_rerun.Remove(id))
                {
                    _runs.Remove(id);
                    return;
                }
            }
        }
    }

    private async Task RunOnceAsync(string id)
    {
        await _slots.WaitAsync(_lifetime.Token).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        lock (_gate)
        {
            _stops[id] = stop;
        }

        try
        {
            while (_store.Load(id) is { } row)
            {
                if (row.Status == ExecutionStatus.Queued)
                {
                    _store.TryCommit(id, row.Version, new ExecutionChange
                    {
                        Status = ExecutionStatus.Running,
                        Events = [(HistoryEventTypes.ExecutionStarted, row.Cursor?.State, null)],
                    });
                    continue;
                }

                if (row.Status != ExecutionStatus.Running || row.Cursor is null)
                {
                    return;
                }

                try
                {
                    await StepAsync(row, row.Cursor, Definition(row.DefinitionHash), stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !_lifetime.IsCancellationRequested)
                {
                    return;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _stops.Remove(id);
            }

            _slots.Release();
        }
    }

    private AslDefinition Definition(string hash)
    {
        lock (_gate)
        {
            if (_definitions.TryGetValue(hash, out var known))
            {
                return known;
            }
        }

        var json = _store.LoadDefinition(hash) ?? throw new InvalidOperationException($"The definition {hash} of a stored execution is missing from the workflow database.");
        var definition = AslDefinition.Parse(json);
        lock (_gate)
        {
            _definitions[hash] = definition;
        }

        return definition;
    }

    /// <summary>Does the next piece of work of the current state and commits it. A lost version race simply returns; the caller reloads.</summary>
    private async Task StepAsync(ExecutionRow row, ExecutionCursor cursor, AslDefinition definition, CancellationToken cancellationToken)
    {
        var state = definition.States[cursor.State];
        try
        {
            switch (state.Type)
            {
                case "Pass":
                    var passInput = Input(state, cursor.Input);
                    var passResult = state.Result?.DeepClone()
                        ?? (state.Parameters is null ? passInput : AslJsonPath.Expand(state.Parameters, passInput, Context(row, cursor)));
                    Transition(row, state, Output(state, cursor.Input, passResult));
                    return;
                case "Wait":
                    await _options.Delay(TimeSpan.FromSeconds(state.Seconds ?? 0), cancellationToken).ConfigureAwait(false);
                    Transition(row, state, Output(state, cursor.Input, null, applyResult: false));
                    return;
                case "Choice":
                    var choiceInput = Input(state, cursor.Input);
                    var next = AslChoice.Decide(state, choiceInput);
                    if (next is null)
                    {
                        Fail(row, cursor.State, AslErrors.NoChoiceMatched, $"No choice rule of '{state.Name}' matched and it has no Default.");
                        return;
                    }

                    Transition(row, state, state.OutputPath is null ? new JsonObject() : AslJsonPath.Select(choiceInput, state.OutputPath), next);
                    return;
                case "Succeed":
                    var succeeded = Output(state, cursor.Input, null, applyResult: false);
                    Commit(row, new ExecutionChange
                    {
                        Status = ExecutionStatus.Succeeded,
                        Ends = true,
                        Output = succeeded,
                        Events = [(HistoryEventTypes.StateExited, state.Name, succeeded?.DeepClone()), (HistoryEventTypes.ExecutionSucceeded, state.Name, succeeded?.DeepClone())],
                    });
                    return;
                case "Fail":
                    Fail(row, state.Name, state.Error ?? "States.Fail", state.Cause ?? "");
                    return;
                default:
                    await TaskStepAsync(row, cursor, state, cancellationToken).ConfigureAwait(false);
                    return;
            }
        }
        catch (AslRuntimeException ex)
        {
            Fail(row, state.Name, AslErrors.Runtime, ex.Message);
        }
    }

    private async Task TaskStepAsync(ExecutionRow row, ExecutionCursor cursor, AslState state, CancellationToken cancellationToken)
    {
        switch (cursor.Phase)
        {
            case ExecutionCursor.Entered:
                if (cursor.RetryDelaySeconds > 0)
                {
                    await _options.Delay(TimeSpan.FromSeconds(cursor.RetryDelaySeconds), cancellationToken).ConfigureAwait(false);
                }

                var token = state.WaitsForTaskToken ? Guid.NewGuid().ToString("N") : null;
                var now = _options.TimeProvider.GetUtcNow();
                var scheduled = cursor with
                {
                    Phase = ExecutionCursor.Scheduled, TaskToken = token, RetryDelaySeconds = 0, ScheduledAt = now,
                    Deadline = token is null ? null : Deadline(state, now, now),
                };
                var committed = Commit(row, new ExecutionChange
                {
                    Cursor = scheduled,
                    NewTaskToken = token,
                    Events = [(HistoryEventTypes.TaskScheduled, state.Name, new JsonObject
                    {
                        ["resource"] = state.Resource,
                        ["attempt"] = cursor.Attempt,
                        ["idempotency_key"] = IdempotencyKey(row.Id, cursor, state),
                    })],
                });
                if (committed && token is not null && scheduled.Deadline is { } deadline)
                {
                    ArmTimeout(row.Id, token, deadline);
                }

                return;

            case ExecutionCursor.Scheduled:
                await InvokeScheduledAsync(row, cursor, state, cancellationToken).ConfigureAwait(false);
                return;

            default:
                if (cursor.Error is { } error)
                {
                    HandleError(row, cursor, state, error, cursor.Cause ?? "");
                    return;
                }

                var selected = state.ResultSelector is null ? cursor.Result : AslJsonPath.Expand(state.ResultSelector, cursor.Result, Context(row, cursor));
                Transition(row, state, Output(state, cursor.Input, selected));
                return;
        }
    }

    private async Task InvokeScheduledAsync(ExecutionRow row, ExecutionCursor cursor, AslState state, CancellationToken cancellationToken)
    {
        var input = Input(state, cursor.Input);
        if (state.Parameters is not null)
        {
            input = AslJsonPath.Expand(state.Parameters, input, Context(row, cursor));
        }

        JsonNode? result;
        // A plain Task's TimeoutSeconds bounds the call itself; a token wait's bounds the wait, which the timeout timer watches.
        using var timeout = !state.WaitsForTaskToken && state.TimeoutSeconds is { } seconds
            ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds), _options.TimeProvider)
            : new CancellationTokenSource();
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            Log.Invoking(_logger, row.Id, state.Name, cursor.Attempt);
            result = await _invoker.InvokeAsync(state.Resource!, input, cursor.TaskToken, IdempotencyKey(row.Id, cursor, state), call.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            RecordTaskFailure(row, cursor, AslErrors.Timeout, string.Create(CultureInfo.InvariantCulture, $"The task of '{state.Name}' ran longer than its TimeoutSeconds ({state.TimeoutSeconds})."));
            return;
        }
        catch (TaskFailedException ex)
        {
            RecordTaskFailure(row, cursor, ex.Error, ex.Cause);
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A handler or transport failure is a Task failure in ASL terms: Retry and Catch decide what happens.
            Log.TaskThrew(_logger, ex, row.Id, state.Name);
            RecordTaskFailure(row, cursor, AslErrors.TaskFailed, $"{ex.GetType().Name}: {ex.Message}");
            return;
        }

        if (state.WaitsForTaskToken)
        {
            var waiting = Commit(row, new ExecutionChange
            {
                Status = ExecutionStatus.Waiting,
                Events = [(HistoryEventTypes.TaskWaiting, state.Name, new JsonObject { ["task_token"] = cursor.TaskToken })],
            });

            // Armed again here because after a crash between scheduling and waiting the timer of the first process is gone.
            if (waiting && cursor is { TaskToken: { } waitToken, Deadline: { } waitDeadline })
            {
                ArmTimeout(row.Id, waitToken, waitDeadline);
            }

            return;
        }

        Commit(row, new ExecutionChange
        {
            Cursor = cursor with { Phase = ExecutionCursor.Completed, Result = result?.DeepClone() },
            Events = [(HistoryEventTypes.TaskSucceeded, state.Name, result?.DeepClone())],
        });
    }

    private void RecordTaskFailure(ExecutionRow row, ExecutionCursor cursor, string error, string cause) =>
        Commit(row, new ExecutionChange
        {
            Cursor = cursor with { Phase = ExecutionCursor.Completed, Error = error, Cause = cause },
            Events = [(HistoryEventTypes.TaskFailed, cursor.State, ErrorOutput(error, cause))],
        });

    private void HandleError(ExecutionRow row, ExecutionCursor cursor, AslState state, string error, string cause)
    {
        var counts = (cursor.RetryCounts ?? []).ToList();
        while (counts.Count < state.Retry.Count)
        {
            counts.Add(0);
        }

        for (var i = 0; i < state.Retry.Count; i++)
        {
            var retrier = state.Retry[i];
            if (!AslErrors.Matches(retrier.ErrorEquals, error))
            {
                continue;
            }

            if (counts[i] < retrier.MaxAttempts)
            {
                var delay = retrier.IntervalSeconds * Math.Pow(retrier.BackoffRate, counts[i]);
                counts[i]++;
                Commit(row, new ExecutionChange
                {
                    Cursor = cursor with
                    {
                        Phase = ExecutionCursor.Entered, Attempt = cursor.Attempt + 1, RetryDelaySeconds = delay, RetryCounts = counts,
                        TaskToken = null, Result = null, Error = null, Cause = null,
                    },
                    Events = [(HistoryEventTypes.TaskRetryScheduled, state.Name, new JsonObject { ["error"] = error, ["attempt"] = cursor.Attempt + 1, ["delay_seconds"] = delay })],
                });
                return;
            }

            break;
        }

        if (state.Catch.FirstOrDefault(c => AslErrors.Matches(c.ErrorEquals, error)) is { } catcher)
        {
            var output = catcher.ResultPath is null ? cursor.Input?.DeepClone() : AslJsonPath.Set(cursor.Input, catcher.ResultPath, ErrorOutput(error, cause));
            Transition(row, state, output, catcher.Next);
            return;
        }

        Fail(row, state.Name, error, cause);
    }

    private void Transition(ExecutionRow row, AslState state, JsonNode? output, string? next = null)
    {
        next ??= state.Next;
        if (next is null)
        {
            Commit(row, new ExecutionChange
            {
                Status = ExecutionStatus.Succeeded,
                Ends = true,
                Output = output,
                Events = [(HistoryEventTypes.StateExited, state.Name, output?.DeepClone()), (HistoryEventTypes.ExecutionSucceeded, state.Name, output?.DeepClone())],
            });
            return;
        }

        // The StateEntered event's sequence number identifies this visit, so a state entered again (the retrain loop) gets fresh idempotency keys.
        Commit(row, new ExecutionChange
        {
            Cursor = new ExecutionCursor(next, output, row.LastSequence + 2, EnteredAt: _options.TimeProvider.GetUtcNow()),
            Events = [(HistoryEventTypes.StateExited, state.Name, output?.DeepClone()), (HistoryEventTypes.StateEntered, next, output?.DeepClone())],
        });
    }

    private void Fail(ExecutionRow row, string state, string error, string cause)
    {
        Commit(row, new ExecutionChange
        {
            Status = ExecutionStatus.Failed,
            Ends = true,
            Error = error,
            Cause = cause,
            Events = [(HistoryEventTypes.ExecutionFailed, state, ErrorOutput(error, cause))],
        });
        Log.Failed(_logger, row.Id, state, error);
    }

    private bool Commit(ExecutionRow row, ExecutionChange change)
    {
        if (!_store.TryCommit(row.Id, row.Version, change))
        {
            Log.LostRace(_logger, row.Id);
            return false;
        }

        return true;
    }

    // The earlier of the state's overall timeout (counted from scheduling) and the heartbeat window (counted from the last beat).
    private static DateTimeOffset? Deadline(AslState state, DateTimeOffset scheduledAt, DateTimeOffset lastBeat)
    {
        DateTimeOffset? deadline = state.TimeoutSeconds is { } t ? scheduledAt.AddSeconds(t) : null;
        if (state.HeartbeatSeconds is { } h && (deadline is null || lastBeat.AddSeconds(h) < deadline))
        {
            deadline = lastBeat.AddSeconds(h);
        }

        return deadline;
    }

    private void ArmTimeout(string executionId, string token, DateTimeOffset deadline)
    {
        var due = deadline - _options.TimeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_lifetime.IsCancellationRequested)
            {
                return;
            }

            if (_timeouts.Remove(token, out var earlier))
            {
                earlier.Dispose();
            }

            _timeouts[token] = _options.TimeProvider.CreateTimer(
                _ => OnTimeout(executionId, token), null, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimeout(string executionId, string token)
    {
        lock (_gate)
        {
            if (_timeouts.Remove(token, out var timer))
            {
                timer.Dispose();
            }
        }

        // A heartbeat may have moved the deadline since this timer was armed; then wait for the new one.
        if (_store.Load(executionId) is { Cursor: { TaskToken: { } current, Deadline: { } deadline } } && current == token
            && deadline > _options.TimeProvider.GetUtcNow())
        {
            ArmTimeout(executionId, token, deadline);
            return;
        }

        if (CompleteToken(token, output: null, AslErrors.Timeout, "No answer arrived before the state's TimeoutSeconds or HeartbeatSeconds ran out."))
        {
            Log.TimedOut(_logger, executionId);
        }
    }

    private static JsonNode? Input(AslState state, JsonNode? raw) =>
        state.InputPath is null ? new JsonObject() : AslJsonPath.Select(raw, state.InputPath)?.DeepClone();

    private static JsonNode? Output(AslState state, JsonNode? raw, JsonNode? result, bool applyResult = true)
    {
        var combined = !applyResult ? Input(state, raw)
            : state.ResultPath is null ? raw?.DeepClone()
            : AslJsonPath.Set(raw, state.ResultPath, result);
        return state.OutputPath is null ? new JsonObject() : AslJsonPath.Select(combined, state.OutputPath)?.DeepClone();
    }

    private JsonObject Context(ExecutionRow row, ExecutionCursor cursor) => new()
    {
        ["Execution"] = new JsonObject
        {
            ["Id"] = row.Id,
            ["Input"] = row.Input?.DeepClone(),
            ["StartTime"] = row.StartedAt.ToString("O", CultureInfo.InvariantCulture),
        },
        ["State"] = new JsonObject
        {
            ["Name"] = cursor.State,
            ["EnteredTime"] = (cursor.EnteredAt ?? row.StartedAt).ToString("O", CultureInfo.InvariantCulture),
            ["RetryCount"] = cursor.Attempt,
        },
        ["Task"] = new JsonObject { ["Token"] = cursor.TaskToken },
    };

    /// <summary>
    /// One key per visit of a state, the same for its retries: a retry after States.Timeout joins the tool's run that is
    /// still going on in the MCP server (which runs a key once, detached from its callers) instead of starting a second
    /// one, and a retry after an error runs again because errors are not stored. A task-token wait keeps the attempt in
    /// its key: its call only hands over the token, and each attempt has a new token that must reach the handler. The
    /// Step Functions task forwarder builds its keys the same way (infra/lambda/task-forwarder).
    /// </summary>
    private static string IdempotencyKey(string executionId, ExecutionCursor cursor, AslState state) => state.WaitsForTaskToken
        ? string.Create(CultureInfo.InvariantCulture, $"{executionId}/{cursor.State}/{cursor.Visit}/{cursor.Attempt}")
        : string.Create(CultureInfo.InvariantCulture, $"{executionId}/{cursor.State}/{cursor.Visit}");

    private static JsonObject ErrorOutput(string error, string? cause) => new() { ["Error"] = error, ["Cause"] = cause ?? "" };

    private static bool IsFinal(ExecutionStatus status) => status is ExecutionStatus.Succeeded or ExecutionStatus.Failed or ExecutionStatus.Aborted;

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Execution {ExecutionId} queued at {State}")]
        public static partial void Queued(ILogger logger, string executionId, string state);

        [LoggerMessage(Level = LogLevel.Information, Message = "Execution {ExecutionId} resumed at {State}")]
        public static partial void Resumed(ILogger logger, string executionId, string state);

        [LoggerMessage(Level = LogLevel.Information, Message = "Execution {ExecutionId} stopped")]
        public static partial void Stopped(ILogger logger, string executionId);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Execution {ExecutionId} invokes {State}, attempt {Attempt}")]
        public static partial void Invoking(ILogger logger, string executionId, string state, int attempt);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Execution {ExecutionId}: the task of {State} threw")]
        public static partial void TaskThrew(ILogger logger, Exception exception, string executionId, string state);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Execution {ExecutionId} failed in {State} with {Error}")]
        public static partial void Failed(ILogger logger, string executionId, string state, string error);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Execution {ExecutionId}: a task token timed out")]
        public static partial void TimedOut(ILogger logger, string executionId);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Execution {ExecutionId} changed while a step ran; reloading")]
        public static partial void LostRace(ILogger logger, string executionId);

        [LoggerMessage(Level = LogLevel.Error, Message = "Execution {ExecutionId} stopped unexpectedly; it continues from its last transition on the next ResumeAll")]
        public static partial void Crashed(ILogger logger, Exception exception, string executionId);
    }
}
