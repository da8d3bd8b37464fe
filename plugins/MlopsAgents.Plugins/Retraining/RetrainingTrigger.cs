using System.Globalization;
using Cronos;
using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Plugins.Retraining;

/// <summary>What started a retraining.</summary>
public enum RetrainingTriggerKind
{
    DriftDetected,
    MetricDegradation,
    Schedule,
    NewDataVersion,
    CodeChange,

    /// <summary>A person asked for it (<c>mlops retrain</c>, or <c>/retrain</c> on the issue).</summary>
    Manual,
}

/// <summary>One reason to retrain a model, with a sentence saying why.</summary>
public sealed record RetrainingTrigger(RetrainingTriggerKind Kind, string Model, string Reason, DateTimeOffset Time)
{
    /// <summary>
    /// The dataset version the retraining trains on (the one labelled feedback was just merged into); null: the latest
    /// when the run starts.
    /// </summary>
    public int? DatasetVersion { get; init; }

    /// <summary>The trigger a ledger row recorded (its kind, model, reason and time), for re-attaching to its retraining.</summary>
    public static RetrainingTrigger FromRecord(RetrainingRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var kind = record.Kind == "manual" ? RetrainingTriggerKind.Manual : RetrainingTriggers.ParseKind(record.Kind);
        return new RetrainingTrigger(kind, record.Model, record.Reason, record.FiredAt);
    }

    /// <summary>The kind as written in requests (<c>drift_detected</c>, <c>metric_degradation</c>, …).</summary>
    public string KindName => Kind switch
    {
        RetrainingTriggerKind.DriftDetected => "drift_detected",
        RetrainingTriggerKind.MetricDegradation => "metric_degradation",
        RetrainingTriggerKind.Schedule => "schedule",
        RetrainingTriggerKind.NewDataVersion => "new_data_version",
        RetrainingTriggerKind.Manual => "manual",
        _ => "code_change",
    };
}

/// <summary>
/// Turns observations into retraining triggers: a drifted dataset, a metric past its limit, a cron schedule coming due
/// (Cronos, UTC), a new version of the training data, a push to the code. Which kinds are enabled comes from the
/// request's <c>retrain_triggers</c>; a disabled kind never fires.
/// </summary>
public sealed class RetrainingTriggers
{
    private readonly HashSet<RetrainingTriggerKind> _enabled;
    private readonly CronExpression? _schedule;
    private DateTimeOffset _scheduleFrom;

    /// <param name="model">The model these triggers retrain.</param>
    /// <param name="enabled">The enabled kinds.</param>
    /// <param name="cron">A five-field cron expression such as <c>0 3 * * 1</c> (Mondays 03:00 UTC); required when Schedule is enabled.</param>
    /// <param name="scheduleFrom">The time after which the first scheduled run may fall.</param>
    public RetrainingTriggers(string model, IReadOnlyCollection<RetrainingTriggerKind> enabled, string? cron, DateTimeOffset scheduleFrom)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentNullException.ThrowIfNull(enabled);
        Model = model;
        _enabled = [.. enabled];
        if (_enabled.Contains(RetrainingTriggerKind.Schedule))
        {
            if (string.IsNullOrWhiteSpace(cron))
            {
                throw new ArgumentException("The schedule trigger needs a cron expression, e.g. '0 3 * * 1' for Mondays at 03:00 UTC or '0 3 1 * *' monthly.", nameof(cron));
            }

            try
            {
                _schedule = CronExpression.Parse(cron);
            }
            catch (CronFormatException e)
            {
                throw new ArgumentException($"cron is '{cron}', which is not a five-field cron expression (minute hour day month weekday): {e.Message}", nameof(cron), e);
            }
        }

        _scheduleFrom = scheduleFrom;
    }

    public string Model { get; }

    /// <summary>
    /// Parses request names (<c>drift_detected</c>, <c>metric_degradation</c>, <c>schedule</c>, <c>new_data_version</c>,
    /// <c>code_change</c>); <c>new_data</c>, the request schema's spelling, is the same as <c>new_data_version</c>.
    /// </summary>
    public static RetrainingTriggerKind ParseKind(string name) => name switch
    {
        "drift_detected" => RetrainingTriggerKind.DriftDetected,
        "metric_degradation" => RetrainingTriggerKind.MetricDegradation,
        "schedule" => RetrainingTriggerKind.Schedule,
        "new_data_version" or "new_data" => RetrainingTriggerKind.NewDataVersion,
        "code_change" => RetrainingTriggerKind.CodeChange,
        _ => throw new ArgumentException($"retrain_triggers has '{name}'; allowed: drift_detected, metric_degradation, schedule, new_data_version, code_change (new_data is the same as new_data_version).", nameof(name)),
    };

    /// <summary>A trigger when the dataset drifted, naming the drifted features.</summary>
    public RetrainingTrigger? OnDrift(DriftReport report, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!_enabled.Contains(RetrainingTriggerKind.DriftDetected) || !report.DatasetDrifted)
        {
            return null;
        }

        var features = string.Join(", ", report.Features.Where(f => f.Drifted).Select(f => f.Column));
        return new RetrainingTrigger(RetrainingTriggerKind.DriftDetected, Model,
            string.Create(CultureInfo.InvariantCulture, $"data drift: {report.DriftedCount} of {report.Features.Count} features drifted ({report.ShareDrifted:P0} ≥ {report.ShareThreshold:P0}): {features}"), now);
    }

    /// <summary>A trigger when <paramref name="metric"/> fell below <paramref name="floor"/> (or rose above it when lower is better).</summary>
    public RetrainingTrigger? OnMetric(string metric, double value, double floor, bool greaterIsBetter, DateTimeOffset now)
    {
        if (!_enabled.Contains(RetrainingTriggerKind.MetricDegradation) || double.IsNaN(value) || (greaterIsBetter ? value >= floor : value <= floor))
        {
            return null;
        }

        return new RetrainingTrigger(RetrainingTriggerKind.MetricDegradation, Model,
            string.Create(CultureInfo.InvariantCulture, $"metric degradation: {metric} is {value:0.####}, {(greaterIsBetter ? "below" : "above")} the limit {floor:0.####}"), now);
    }

    /// <summary>The schedule's trigger when a cron occurrence fell in (last check, now]; at most one however many were missed.</summary>
    public RetrainingTrigger? OnClock(DateTimeOffset now)
    {
        if (_schedule is null || !_enabled.Contains(RetrainingTriggerKind.Schedule))
        {
            return null;
        }

        var due = _schedule.GetNextOccurrence(_scheduleFrom, TimeZoneInfo.Utc);
        if (due is null || due > now)
        {
            return null;
        }

        _scheduleFrom = now;
        return new RetrainingTrigger(RetrainingTriggerKind.Schedule, Model, string.Create(CultureInfo.InvariantCulture, $"schedule: the run due at {due:O} (cron '{_schedule}')"), now);
    }

    /// <summary>The next scheduled run after <paramref name="now"/>, or null without a schedule.</summary>
    public DateTimeOffset? NextScheduled(DateTimeOffset now) => _schedule?.GetNextOccurrence(now, TimeZoneInfo.Utc);

    /// <summary>A trigger for a newly registered version of the training data.</summary>
    public RetrainingTrigger? OnNewDataVersion(string datasetId, int version, DateTimeOffset now) =>
        _enabled.Contains(RetrainingTriggerKind.NewDataVersion)
            ? new RetrainingTrigger(RetrainingTriggerKind.NewDataVersion, Model, string.Create(CultureInfo.InvariantCulture, $"new data version: {datasetId} v{version} was registered"), now)
            : null;

    /// <summary>A trigger for a push to the code (the push webhook's ref and head commit).</summary>
    public RetrainingTrigger? OnCodeChange(string gitRef, string commit, DateTimeOffset now) =>
        _enabled.Contains(RetrainingTriggerKind.CodeChange)
            ? new RetrainingTrigger(RetrainingTriggerKind.CodeChange, Model, $"code change: push to {gitRef} at {commit[..Math.Min(12, commit.Length)]}", now)
            : null;
}
