using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Plugins.Retraining;

/// <summary>What the watcher watches for one served model: the enabled triggers and what each needs.</summary>
public sealed record RetrainingWatch
{
    public required string Model { get; init; }

    public required IReadOnlyCollection<RetrainingTriggerKind> Triggers { get; init; }

    /// <summary>Five-field cron (UTC) for the schedule trigger.</summary>
    public string? Cron { get; init; }

    /// <summary>The registered dataset whose new versions trigger retraining.</summary>
    public string? DatasetId { get; init; }

    /// <summary>The dataset version the served model was trained on; newer ones fire. Null: the latest when watching starts.</summary>
    public int? TrainedDataVersion { get; init; }

    /// <summary>Realised accuracy on posted labels below which metric degradation fires.</summary>
    public double? MinAccuracy { get; init; }

    /// <summary>Labels needed before realised accuracy is trusted.</summary>
    public int MinLabels { get; init; } = 30;

    /// <summary>
    /// The watch for a training request: its <c>retrain_triggers</c> (the request's <c>new_data</c> is
    /// new_data_version), plus code_change when <paramref name="onCodeChange"/> (pushes are watched by configuration,
    /// not by the request), plus schedule when a cron is given. Metric degradation fires below the model's test
    /// accuracy minus <paramref name="maxAccuracyDrop"/>.
    /// </summary>
    public static RetrainingWatch FromRequest(string model, TrainingRequest request, string? cron, bool onCodeChange, double? trainedAccuracy, double maxAccuracyDrop, int? trainedDataVersion)
    {
        ArgumentNullException.ThrowIfNull(request);
        var kinds = request.RetrainTriggers.Select(RetrainingTriggers.ParseKind).ToHashSet();
        if (onCodeChange)
        {
            kinds.Add(RetrainingTriggerKind.CodeChange);
        }

        if (!string.IsNullOrWhiteSpace(cron))
        {
            kinds.Add(RetrainingTriggerKind.Schedule);
        }

        return new RetrainingWatch
        {
            Model = model,
            Triggers = kinds,
            Cron = cron,
            DatasetId = request.DatasetId,
            TrainedDataVersion = trainedDataVersion,
            MinAccuracy = trainedAccuracy - maxAccuracyDrop,
        };
    }
}

/// <summary>How often the watcher looks and how long a model rests after a retraining.</summary>
public sealed record RetrainingWatcherOptions
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>No new retraining of a model fires until this long after its last one fired.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Throws naming the field, its value and what is allowed.</summary>
    public void Validate()
    {
        if (Interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Interval), Interval, $"Interval is {Interval}; allowed: more than zero.");
        }

        if (Cooldown < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Cooldown), Cooldown, $"Cooldown is {Cooldown}; allowed: zero or more.");
        }
    }
}

/// <summary>Does what a fired trigger asks: a retraining run with champion/challenger, or an issue.</summary>
public interface IRetrainingHandler
{
    Task<RetrainingOutcome> HandleAsync(RetrainingTrigger trigger, CancellationToken cancellationToken);
}

/// <summary>A handler whose retrainings outlive the process: a later watcher re-attaches to those left open.</summary>
public interface IResumableRetrainingHandler : IRetrainingHandler
{
    /// <summary>The outcome of the open retraining <paramref name="open"/> once it has ended; null while it is still under way (its issue is open).</summary>
    Task<RetrainingOutcome?> ResumeAsync(RetrainingRecord open, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IRetrainingHandler"/> through a <see cref="RetrainingCoordinator"/>, judging champion and challenger on
/// the fresh labelled data <paramref name="freshData"/> gives for the model (see <see cref="FreshData"/>).
/// </summary>
public sealed class CoordinatorRetrainingHandler(RetrainingCoordinator coordinator, Func<string, CancellationToken, Task<DataFrame>> freshData) : IResumableRetrainingHandler
{
    public async Task<RetrainingOutcome> HandleAsync(RetrainingTrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var fresh = await freshData(trigger.Model, cancellationToken).ConfigureAwait(false);
        return await coordinator.HandleAsync(trigger, fresh, cancellationToken).ConfigureAwait(false);
    }

    public Task<RetrainingOutcome?> ResumeAsync(RetrainingRecord open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        return coordinator.ResumeAsync(open, token => freshData(open.Model, token), cancellationToken);
    }
}

/// <summary>Where the data both champion and challenger are judged on comes from.</summary>
public static class FreshData
{
    /// <summary>
    /// The model's labelled production rows (sampled inference log joined with /feedback labels) when there are at
    /// least <paramref name="minProductionRows"/>, else the latest version of its dataset. Production rows are what
    /// the model meets now, so they decide when there are enough of them.
    /// </summary>
    public static async Task<DataFrame> ProductionOrLatestAsync(MlopsContext context, string model, string datasetId, int minProductionRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (dataset, frame) = await new DatasetService(context.Registry, context.Store).LoadAsync(datasetId, null, cancellationToken).ConfigureAwait(false);
        var production = await LabelledProductionData.CollectAsync(context.Store, model, frame.Columns, dataset.Target ?? string.Empty, cancellationToken).ConfigureAwait(false);
        return production.RowCount >= minProductionRows ? production : frame;
    }
}

/// <summary>One trigger the watcher raised and what became of it (launched, issue, failed, or skipped with why).</summary>
public sealed record WatcherFiring(RetrainingTrigger Trigger, string Status, RetrainingOutcome? Outcome, string Detail);

/// <summary>
/// The long-running side of retraining: on every interval it looks at each watched model (data drift of the serving
/// window against the training baseline, realised accuracy from feedback labels, the cron schedule, new versions of
/// its dataset in the registry) and takes code-change events from the push webhook; each trigger goes to the
/// handler. A condition fires once when it turns on and again only after it has turned off; one retraining per model
/// is open at a time; after one fires the model rests for the cooldown. All of it lives in the
/// <see cref="RetrainingLedger"/>, so a restart does not fire again what already fired. A retraining a previous
/// process left open is re-attached to (<see cref="ResumeAsync"/>): its run resumed and awaited, its issue watched. A
/// retraining issue stays open in the ledger until it is closed, and triggers meanwhile are recorded as suppressed.
/// With <paramref name="mergeFeedback"/>, labelled production rows are merged into the next dataset version before
/// each launch, and the launch trains on that version.
/// </summary>
public sealed partial class RetrainingWatcher
{
    private const string DriftOn = "drift_on";
    private const string MetricOn = "metric_on";
    private const string ScheduleFrom = "schedule_from";
    private const string DataVersion = "data_version";

    private readonly IReadOnlyList<RetrainingWatch> _watches;
    private readonly Dictionary<string, RetrainingTriggers> _triggers = new(StringComparer.Ordinal);
    private readonly RetrainingLedger _ledger;
    private readonly IRetrainingHandler _handler;
    private readonly Func<string, ModelHealth?> _health;
    private readonly SqliteRegistry _registry;
    private readonly RetrainingWatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly FeedbackMerger? _mergeFeedback;
    private List<long>? _leftOpen;

    /// <param name="health">The live monitoring of a model (drift window, feedback labels); null when it is not served.</param>
    /// <param name="mergeFeedback">Merges labelled feedback into the next dataset version before each launch; null: off (the labels are not reviewed).</param>
    public RetrainingWatcher(
        IReadOnlyList<RetrainingWatch> watches, RetrainingLedger ledger, IRetrainingHandler handler, Func<string, ModelHealth?> health, SqliteRegistry registry,
        RetrainingWatcherOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null, FeedbackMerger? mergeFeedback = null)
    {
        ArgumentNullException.ThrowIfNull(watches);
        _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _health = health ?? throw new ArgumentNullException(nameof(health));
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _options = options ?? new RetrainingWatcherOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        if (watches.GroupBy(w => w.Model, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"watches: '{twice.Key}' is watched twice; give each model once.", nameof(watches));
        }

        _watches = watches;
        _mergeFeedback = mergeFeedback;
        var now = _time.GetUtcNow();

        // Only what is open now was left by a previous process; a row another live process opens later is its own.
        var watched = watches.Select(w => w.Model).ToHashSet(StringComparer.Ordinal);
        _leftOpen = [.. _ledger.ListOpen().Where(r => watched.Contains(r.Model)).Select(r => r.Id)];

        foreach (var watch in watches)
        {
            // The schedule counts from the last check that consumed an occurrence, so a restart neither repeats one
            // nor fires every occurrence it slept through.
            var from = _ledger.GetState(watch.Model, ScheduleFrom) is { } saved ? RetrainingLedger.Parse(saved) : now;
            if (_ledger.GetState(watch.Model, ScheduleFrom) is null)
            {
                _ledger.SetState(watch.Model, ScheduleFrom, RetrainingLedger.Text(now));
            }

            _triggers[watch.Model] = new RetrainingTriggers(watch.Model, watch.Triggers, watch.Cron, from);
        }
    }

    public IReadOnlyList<RetrainingWatch> Watches => _watches;

    /// <summary>
    /// Re-attaches to the retrainings a previous process left open (once; the first check does it too): a run is
    /// resumed and awaited, and the row closed with its real outcome; an open issue stays open and is watched; what
    /// cannot be re-attached is closed as interrupted with the reason. The cooldown still counts from when they fired.
    /// </summary>
    public async Task<IReadOnlyList<WatcherFiring>> ResumeAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ResumeLeftOpenAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Looks at every watched model once and handles what fires (one retraining per model per check).</summary>
    public async Task<IReadOnlyList<WatcherFiring>> CheckOnceAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var resumed in await ResumeLeftOpenAsync(cancellationToken).ConfigureAwait(false))
            {
                Log.Fired(_logger, resumed.Trigger.Model, resumed.Trigger.KindName, resumed.Status, resumed.Detail);
            }

            await SettleClosedIssuesAsync(cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var fired = new List<WatcherFiring>();
            foreach (var watch in _watches)
            {
                var candidates = Observe(watch, now);
                if (candidates.Count > 0 && await FireAsync(candidates[0].Trigger, candidates, cancellationToken).ConfigureAwait(false) is { } firing)
                {
                    fired.Add(firing);
                }
            }

            return fired;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A push to <paramref name="gitRef"/> at <paramref name="commit"/>: fires code_change for every model that watches it.</summary>
    public async Task<IReadOnlyList<WatcherFiring>> OnCodeChangeAsync(string gitRef, string commit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gitRef);
        ArgumentException.ThrowIfNullOrWhiteSpace(commit);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var fired = new List<WatcherFiring>();
            foreach (var watch in _watches)
            {
                if (_triggers[watch.Model].OnCodeChange(gitRef, commit, now) is { } trigger
                    && await FireAsync(trigger, [], cancellationToken).ConfigureAwait(false) is { } firing)
                {
                    fired.Add(firing);
                }
            }

            return fired;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Checks every interval on the watcher's clock until cancelled; each firing goes to <paramref name="onFiring"/>.
    /// A check that fails (a handler or store error) goes to <paramref name="onFailure"/> and the loop goes on: one
    /// bad retraining must not end watching.
    /// </summary>
    public async Task RunAsync(Action<WatcherFiring> onFiring, Action<Exception> onFailure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onFiring);
        ArgumentNullException.ThrowIfNull(onFailure);
        try
        {
            foreach (var resumed in await ResumeAsync(cancellationToken).ConfigureAwait(false))
            {
                Log.Fired(_logger, resumed.Trigger.Model, resumed.Trigger.KindName, resumed.Status, resumed.Detail);
                onFiring(resumed);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            onFailure(e);
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(_options.Interval, _time, cancellationToken).ConfigureAwait(false);
            try
            {
                foreach (var firing in await CheckOnceAsync(cancellationToken).ConfigureAwait(false))
                {
                    Log.Fired(_logger, firing.Trigger.Model, firing.Trigger.KindName, firing.Status, firing.Detail);
                    onFiring(firing);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Reported, not swallowed: the ledger already closed the retraining as failed with this message.
                onFailure(e);
            }
        }
    }

    /// <summary>The triggers that are on for the model now, with the state key each sets once handled.</summary>
    private List<(RetrainingTrigger Trigger, string? Key, string? Value)> Observe(RetrainingWatch watch, DateTimeOffset now)
    {
        var triggers = _triggers[watch.Model];
        var result = new List<(RetrainingTrigger, string?, string?)>();
        var health = _health(watch.Model);

        // Edge-triggered: a drift that stays on is one retraining, not one per check.
        if (health?.DataDrift is { DatasetDrifted: true } drift)
        {
            if (_ledger.GetState(watch.Model, DriftOn) is null && triggers.OnDrift(drift, now) is { } t)
            {
                result.Add((t, DriftOn, "1"));
            }
        }
        else
        {
            _ledger.SetState(watch.Model, DriftOn, null);
        }

        if (health is { Accuracy: { } accuracy } && health.Labeled >= watch.MinLabels && watch.MinAccuracy is { } floor
            && triggers.OnMetric("accuracy", accuracy, floor, greaterIsBetter: true, now) is { } degraded)
        {
            if (_ledger.GetState(watch.Model, MetricOn) is null)
            {
                result.Add((degraded, MetricOn, "1"));
            }
        }
        else
        {
            _ledger.SetState(watch.Model, MetricOn, null);
        }

        if (triggers.OnClock(now) is { } scheduled)
        {
            // Consumed whether or not it runs: an occurrence inside the cooldown is skipped, not postponed.
            _ledger.SetState(watch.Model, ScheduleFrom, RetrainingLedger.Text(now));
            result.Add((scheduled, null, null));
        }

        if (watch.DatasetId is { } datasetId && watch.Triggers.Contains(RetrainingTriggerKind.NewDataVersion)
            && _registry.ListDatasetVersions(datasetId).Select(d => d.Version).DefaultIfEmpty(0).Max() is var latest and > 0)
        {
            var known = _ledger.GetState(watch.Model, DataVersion) is { } seen ? int.Parse(seen, CultureInfo.InvariantCulture) : watch.TrainedDataVersion ?? latest;
            if (_ledger.GetState(watch.Model, DataVersion) is null)
            {
                _ledger.SetState(watch.Model, DataVersion, known.ToString(CultureInfo.InvariantCulture));
            }

            if (latest > known && triggers.OnNewDataVersion(datasetId, latest, now) is { } fresh)
            {
                result.Add((fresh, DataVersion, latest.ToString(CultureInfo.InvariantCulture)));
            }
        }

        return result;
    }

    private async Task<WatcherFiring?> FireAsync(RetrainingTrigger trigger, IReadOnlyList<(RetrainingTrigger Trigger, string? Key, string? Value)> conditions, CancellationToken cancellationToken)
    {
        var model = trigger.Model;
        if (_ledger.LastFired(model) is { } last && last + _options.Cooldown > trigger.Time)
        {
            return new WatcherFiring(trigger, "skipped", null, string.Create(CultureInfo.InvariantCulture, $"{model} is cooling down until {last + _options.Cooldown:O} after the retraining at {last:O}"));
        }

        if (_ledger.TryOpen(trigger) is not { } id)
        {
            if (_ledger.ListOpen().FirstOrDefault(r => r.Model == model) is { Issue: { } issue })
            {
                // Not a cooldown: the condition is not marked handled, so it fires again once the issue is closed.
                var suppressed = $"issue #{issue.ToString(CultureInfo.InvariantCulture)} for retraining {model} is still open; {trigger.KindName} fires again once it is closed";

                // Recorded (and reported) once per kind and issue, not on every check while the issue stays open.
                return _ledger.RecordSuppressed(trigger, issue, suppressed, _time.GetUtcNow())
                    ? new WatcherFiring(trigger, RetrainingLedger.Suppressed, null, suppressed)
                    : null;
            }

            return new WatcherFiring(trigger, "skipped", null, $"a retraining of {model} is already open");
        }

        Log.Firing(_logger, model, trigger.KindName, trigger.Reason);
        RetrainingOutcome outcome;
        var merged = string.Empty;
        try
        {
            if (_mergeFeedback is not null && _watches.First(w => w.Model == model).DatasetId is { } datasetId)
            {
                var merge = await _mergeFeedback.MergeAsync(model, datasetId, cancellationToken).ConfigureAwait(false);
                trigger = trigger with { DatasetVersion = merge.Dataset.Version };
                merged = "; " + merge.Describe(datasetId);

                // The watcher's own merge is not someone registering new data: it must not fire new_data_version.
                _ledger.SetState(model, DataVersion, merge.Dataset.Version.ToString(CultureInfo.InvariantCulture));
            }

            outcome = await _handler.HandleAsync(trigger, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _ledger.Close(id, "failed", null, null, $"{e.GetType().Name}: {e.Message}", _time.GetUtcNow());
            throw;
        }
        catch (OperationCanceledException) when (_handler is IResumableRetrainingHandler)
        {
            // The process is stopping: the row stays open with what the run recorded, and the next watcher over this
            // ledger re-attaches to it (or, if nothing was started, marks it interrupted).
            throw;
        }
        catch (OperationCanceledException)
        {
            _ledger.Close(id, RetrainingLedger.Interrupted, null, null, "cancelled while it ran", _time.GetUtcNow());
            throw;
        }

        // Every condition on now is answered by this one retraining, so none of them fires again until it turns off.
        // Marked only once handled: a retraining that threw (or a process that died meanwhile) leaves them to fire
        // again after the cooldown.
        foreach (var (_, key, value) in conditions)
        {
            if (key is not null)
            {
                _ledger.SetState(model, key, value);
            }
        }

        if (outcome is { Action: "issue", Issue: { } opened } && _handler is IResumableRetrainingHandler)
        {
            // The retraining is the issue: it stays open, blocking new issues for the model, until the issue is closed.
            _ledger.Attach(model, null, opened, null, null);
            return new WatcherFiring(trigger, outcome.Action, outcome, outcome.Summary + merged);
        }

        _ledger.Close(id, outcome.Action, outcome.Action, outcome.Run?.RunId, outcome.Summary, _time.GetUtcNow());
        return new WatcherFiring(trigger, outcome.Action, outcome, outcome.Summary + merged);
    }

    private async Task<List<WatcherFiring>> ResumeLeftOpenAsync(CancellationToken cancellationToken)
    {
        var resumed = new List<WatcherFiring>();
        if (_leftOpen is null)
        {
            return resumed;
        }

        foreach (var id in _leftOpen.ToList())
        {
            if (_ledger.ListOpen().FirstOrDefault(r => r.Id == id) is { } open)
            {
                if (_handler is not IResumableRetrainingHandler)
                {
                    _ledger.Close(id, RetrainingLedger.Interrupted, null, null, "the process handling it ended first", _time.GetUtcNow());
                    resumed.Add(new WatcherFiring(RetrainingTrigger.FromRecord(open), RetrainingLedger.Interrupted, null, "the process handling it ended first"));
                }
                else if (await SettleAsync(open, cancellationToken).ConfigureAwait(false) is { } firing)
                {
                    resumed.Add(firing);
                }
            }

            // Done with it (or it is an open issue, which every check looks at): a cancelled resume is tried again.
            _leftOpen.Remove(id);
        }

        _leftOpen = null;
        if (resumed.Count > 0)
        {
            Log.Resumed(_logger, resumed.Count);
        }

        return resumed;
    }

    /// <summary>Closes the rows of retraining issues that have been closed, freeing their models.</summary>
    private async Task SettleClosedIssuesAsync(CancellationToken cancellationToken)
    {
        if (_handler is not IResumableRetrainingHandler)
        {
            return;
        }

        foreach (var open in _ledger.ListOpen().Where(r => r.Issue is not null && _triggers.ContainsKey(r.Model)))
        {
            if (await SettleAsync(open, cancellationToken).ConfigureAwait(false) is { } firing)
            {
                Log.Fired(_logger, firing.Trigger.Model, firing.Trigger.KindName, firing.Status, firing.Detail);
            }
        }
    }

    /// <summary>Re-attaches to one open retraining; closes its row with the outcome once there is one.</summary>
    private async Task<WatcherFiring?> SettleAsync(RetrainingRecord open, CancellationToken cancellationToken)
    {
        var trigger = RetrainingTrigger.FromRecord(open);
        RetrainingOutcome? outcome;
        try
        {
            outcome = await ((IResumableRetrainingHandler)_handler).ResumeAsync(open, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && open.Issue is null)
        {
            // A resumed run that broke is over; an issue that could not be looked at is still open, and asked again.
            _ledger.Close(open.Id, "failed", null, open.Handle, $"{e.GetType().Name}: {e.Message}", _time.GetUtcNow());
            throw;
        }

        if (outcome is null || outcome.Action == "skipped")
        {
            return null;
        }

        _ledger.Close(open.Id, outcome.Action, outcome.Action, outcome.Run?.RunId ?? open.Handle, outcome.Summary, _time.GetUtcNow());
        return new WatcherFiring(trigger, outcome.Action, outcome, outcome.Summary);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Retraining trigger fired for {Model}: {Kind}: {Reason}")]
        public static partial void Firing(ILogger logger, string model, string kind, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Retraining of {Model} ({Kind}): {Status}: {Detail}")]
        public static partial void Fired(ILogger logger, string model, string kind, string status, string detail);

        [LoggerMessage(Level = LogLevel.Information, Message = "{Count} retrainings left open by a previous process have ended")]
        public static partial void Resumed(ILogger logger, int count);
    }
}

/// <summary>Sends each trigger to its model's launcher (each model reruns its own training request).</summary>
public sealed class PerModelRetrainingLauncher(IReadOnlyDictionary<string, IRetrainingLauncher> launchers) : IResumableRetrainingLauncher
{
    public Task<RetrainingRun> LaunchAsync(RetrainingTrigger trigger, CancellationToken cancellationToken) => For(trigger).LaunchAsync(trigger, cancellationToken);

    public Task<string?> StartAsync(RetrainingTrigger trigger, CancellationToken cancellationToken) =>
        For(trigger) is IResumableRetrainingLauncher resumable ? resumable.StartAsync(trigger, cancellationToken) : Task.FromResult<string?>(null);

    public Task<RetrainingRun> AttachAsync(RetrainingTrigger trigger, string handle, CancellationToken cancellationToken) =>
        For(trigger) is IResumableRetrainingLauncher resumable
            ? resumable.AttachAsync(trigger, handle, cancellationToken)
            : Task.FromResult(new RetrainingRun(handle, false, null, $"the launcher of {trigger.Model} cannot re-attach to run {handle}") { Lost = true });

    private IRetrainingLauncher For(RetrainingTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return launchers.TryGetValue(trigger.Model, out var launcher)
            ? launcher
            : throw new ArgumentException($"model: '{trigger.Model}' has no retraining launcher; known: {string.Join(", ", launchers.Keys.Order(StringComparer.Ordinal))}.", nameof(trigger));
    }
}
