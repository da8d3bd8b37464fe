namespace MlopsAgents.Aws.Tests.Support;

/// <summary>
/// A clock for poll loops: it records each delay asked for and either ends it at once (<see cref="Instant"/>) or never
/// (<see cref="Held"/>), signalling <see cref="FirstDelay"/>, so a test can stop a process in the middle of its wait
/// without sleeping.
/// </summary>
public sealed class PollClock : TimeProvider
{
    private readonly bool _fire;
    private readonly List<TimeSpan> _delays = [];

    private PollClock(bool fire) => _fire = fire;

    /// <summary>Every delay ends at once.</summary>
    public static PollClock Instant() => new(fire: true);

    /// <summary>No delay ever ends; only cancellation gets the caller out.</summary>
    public static PollClock Held() => new(fire: false);

    public TaskCompletionSource FirstDelay { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_delays)
            {
                return [.. _delays];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_delays)
        {
            _delays.Add(dueTime);
        }

        FirstDelay.TrySetResult();

        // The system timer with no wait runs the callback on the thread pool, after Task.Delay holds the timer.
        return _fire ? System.CreateTimer(callback, state, TimeSpan.Zero, Timeout.InfiniteTimeSpan) : new NeverTimer();
    }

    private sealed class NeverTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
