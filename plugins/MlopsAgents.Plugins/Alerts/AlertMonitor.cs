using MlopsAgents.Plugins.Deployment;

namespace MlopsAgents.Plugins.Alerts;

/// <summary>
/// Evaluates alert rules against a live server on a schedule and dispatches what fires. An incident is notified when
/// it starts firing and not again while it keeps firing; once it clears, a later firing is a new notification. (The
/// GitHub notifier also de-duplicates across restarts through its incident store.)
/// </summary>
public sealed class AlertMonitor(ModelServer server, IReadOnlyList<AlertRule> rules, AlertDispatcher dispatcher, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly HashSet<string> _firing = new(StringComparer.Ordinal);

    /// <summary>Evaluates every model's serving versions once and dispatches the alerts that newly fire; returns them.</summary>
    public async Task<IReadOnlyList<Alert>> EvaluateOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var firing = new List<Alert>();
        foreach (var model in server.Models)
        {
            foreach (var (version, metrics) in AlertMetrics.Collect(server, model))
            {
                firing.AddRange(AlertEvaluator.Evaluate(rules, metrics, model, version, now));
            }
        }

        var keys = firing.Select(a => a.IncidentKey).ToHashSet(StringComparer.Ordinal);
        var fresh = firing.Where(a => !_firing.Contains(a.IncidentKey)).ToArray();
        _firing.IntersectWith(keys);
        _firing.UnionWith(keys);
        if (fresh.Length > 0)
        {
            await dispatcher.DispatchAsync(fresh, cancellationToken).ConfigureAwait(false);
        }

        return fresh;
    }

    /// <summary>
    /// Evaluates every <paramref name="interval"/> on the monitor's clock until cancelled. Notifier failures (the
    /// dispatcher's AggregateException) go to <paramref name="onDispatchFailure"/> and the loop goes on, because a
    /// webhook that is down for a minute must not end monitoring.
    /// </summary>
    public async Task RunAsync(TimeSpan interval, Action<AggregateException> onDispatchFailure, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(onDispatchFailure);
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            try
            {
                await EvaluateOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (AggregateException e)
            {
                onDispatchFailure(e);
            }
        }
    }
}
