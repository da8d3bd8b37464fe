using Microsoft.Extensions.Time.Testing;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Retraining;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Retraining;

/// <summary>The retraining watcher on a fake clock: once per condition, cooldown, one open retraining, restarts, schedule, data versions, pushes.</summary>
public sealed class RetrainingWatcherTests : IDisposable
{
    private const string Model = "churn";
    private static readonly DateTimeOffset Monday = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(Monday);
    private readonly RecordingHandler _handler = new();
    private readonly SqliteRegistry _registry;
    private ModelHealth? _health;

    public RetrainingWatcherTests()
    {
        _registry = new SqliteRegistry(_dir.Combine("registry.db"));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CheckOnce_DriftStaysOn_FiresOnceUntilItTurnsOff()
    {
        var watcher = Watcher(Watch(RetrainingTriggerKind.DriftDetected), cooldown: TimeSpan.Zero);
        _health = Health(drifted: true);

        var first = await watcher.CheckOnceAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = await watcher.CheckOnceAsync();

        var fired = Assert.Single(first);
        Assert.Equal("launched", fired.Status);
        Assert.Equal(RetrainingTriggerKind.DriftDetected, fired.Trigger.Kind);
        Assert.Contains("income", fired.Trigger.Reason, StringComparison.Ordinal);
        Assert.Empty(second);
        Assert.Single(_handler.Triggers);

        _health = Health(drifted: false);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await watcher.CheckOnceAsync());
        _health = Health(drifted: true);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(await watcher.CheckOnceAsync());
        Assert.Equal(2, _handler.Triggers.Count);
    }

    [Fact]
    public async Task CheckOnce_WithinCooldown_SkipsAndFiresAfterIt()
    {
        var watcher = Watcher(Watch(RetrainingTriggerKind.DriftDetected, RetrainingTriggerKind.NewDataVersion), cooldown: TimeSpan.FromHours(6));
        AddDataVersion(1);
        _health = Health(drifted: true);
        Assert.Single(await watcher.CheckOnceAsync());

        AddDataVersion(2);
        _time.Advance(TimeSpan.FromHours(1));
        var during = Assert.Single(await watcher.CheckOnceAsync());
        Assert.Equal("skipped", during.Status);
        Assert.Contains("cooling down until 2026-01-05T06:00:00", during.Detail, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromHours(5));
        var after = Assert.Single(await watcher.CheckOnceAsync());
        Assert.Equal("launched", after.Status);
        Assert.Equal(RetrainingTriggerKind.NewDataVersion, after.Trigger.Kind);
        Assert.Contains("ds v2", after.Trigger.Reason, StringComparison.Ordinal);
        Assert.Equal(2, _handler.Triggers.Count);
    }

    [Fact]
    public async Task CheckOnce_AfterRestart_DoesNotFireTheSameConditionAgain()
    {
        AddDataVersion(1);
        _health = Health(drifted: true);
        var watch = Watch(RetrainingTriggerKind.DriftDetected, RetrainingTriggerKind.NewDataVersion, RetrainingTriggerKind.Schedule) with { Cron = "0 3 * * *" };
        Assert.Single(await Watcher(watch, cooldown: TimeSpan.Zero).CheckOnceAsync());

        // A new process over the same ledger, the drift still on and the data unchanged: nothing new to do.
        _time.Advance(TimeSpan.FromMinutes(5));
        var restarted = Watcher(watch, cooldown: TimeSpan.Zero);
        Assert.Empty(await restarted.CheckOnceAsync());

        // The 03:00 run fires once, and a restart after it does not fire it again.
        _time.Advance(TimeSpan.FromHours(3));
        var scheduled = Assert.Single(await restarted.CheckOnceAsync());
        Assert.Equal(RetrainingTriggerKind.Schedule, scheduled.Trigger.Kind);
        Assert.Empty(await Watcher(watch, cooldown: TimeSpan.Zero).CheckOnceAsync());
        Assert.Equal(["drift_detected", "schedule"], _handler.Triggers.Select(t => t.KindName));
        Assert.Equal(2, new RetrainingLedger(_dir.Combine("retraining.db")).List(Model).Count);
    }

    [Fact]
    public async Task CheckOnce_RetrainingStillOpen_SkipsTheNextTrigger()
    {
        var ledger = new RetrainingLedger(_dir.Combine("retraining.db"));
        var watcher = Watcher(Watch(RetrainingTriggerKind.DriftDetected), cooldown: TimeSpan.Zero);

        // Another process holds the model's open retraining.
        Assert.NotNull(ledger.TryOpen(new RetrainingTrigger(RetrainingTriggerKind.Manual, Model, "by hand", Monday)));
        _health = Health(drifted: true);
        var firing = Assert.Single(await watcher.CheckOnceAsync());

        Assert.Equal("skipped", firing.Status);
        Assert.Contains("already open", firing.Detail, StringComparison.Ordinal);
        Assert.Empty(_handler.Triggers);
    }

    [Fact]
    public async Task Constructor_RetrainingLeftOpen_MarksItInterruptedAndKeepsTheCooldown()
    {
        var ledger = new RetrainingLedger(_dir.Combine("retraining.db"));
        ledger.TryOpen(new RetrainingTrigger(RetrainingTriggerKind.DriftDetected, Model, "drift", Monday));
        _time.Advance(TimeSpan.FromHours(1));

        var watcher = Watcher(Watch(RetrainingTriggerKind.DriftDetected), cooldown: TimeSpan.FromHours(6));
        _health = Health(drifted: true);
        var firing = Assert.Single(await watcher.CheckOnceAsync());

        Assert.Equal(RetrainingLedger.Interrupted, Assert.Single(ledger.List(Model)).Status);
        Assert.Equal("skipped", firing.Status);
        Assert.Empty(_handler.Triggers);
    }

    [Fact]
    public async Task CheckOnce_AccuracyBelowFloorWithEnoughLabels_FiresMetricDegradation()
    {
        var watcher = Watcher(Watch(RetrainingTriggerKind.MetricDegradation) with { MinAccuracy = 0.85, MinLabels = 30 }, cooldown: TimeSpan.Zero);

        _health = Health(drifted: false, accuracy: 0.70, labeled: 10);
        Assert.Empty(await watcher.CheckOnceAsync());
        _health = Health(drifted: false, accuracy: 0.70, labeled: 40);
        var firing = Assert.Single(await watcher.CheckOnceAsync());

        Assert.Equal(RetrainingTriggerKind.MetricDegradation, firing.Trigger.Kind);
        Assert.Contains("accuracy is 0.7, below the limit 0.85", firing.Trigger.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnCodeChange_EnabledModelsOnly_FireWithTheCommit()
    {
        var watcher = Watcher([Watch(RetrainingTriggerKind.CodeChange), Watch(RetrainingTriggerKind.DriftDetected) with { Model = "other" }], TimeSpan.Zero);

        var fired = Assert.Single(await watcher.OnCodeChangeAsync("refs/heads/main", "0123456789abcdef"));

        Assert.Equal(Model, fired.Trigger.Model);
        Assert.Contains("push to refs/heads/main at 0123456789ab", fired.Trigger.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckOnce_HandlerThrows_ClosesTheRetrainingAsFailedAndRethrows()
    {
        _handler.Failure = new InvalidOperationException("the MCP server is gone");
        var watcher = Watcher(Watch(RetrainingTriggerKind.DriftDetected), cooldown: TimeSpan.Zero);
        _health = Health(drifted: true);

        await Assert.ThrowsAsync<InvalidOperationException>(() => watcher.CheckOnceAsync());

        var record = Assert.Single(new RetrainingLedger(_dir.Combine("retraining.db")).List(Model));
        Assert.Equal("failed", record.Status);
        Assert.Contains("the MCP server is gone", record.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EachInterval_ChecksAndReportsFiringsAndFailuresWithoutStopping()
    {
        var watcher = Watcher(Watch(RetrainingTriggerKind.DriftDetected), cooldown: TimeSpan.Zero);
        _health = Health(drifted: true);
        _handler.Failure = new InvalidOperationException("store unavailable");
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fired = new TaskCompletionSource<WatcherFiring>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();

        var loop = watcher.RunAsync(f => fired.TrySetResult(f), e => failed.TrySetResult(e), stop.Token);
        Assert.False(failed.Task.IsCompleted);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("store unavailable", (await failed.Task.WaitAsync(TimeSpan.FromSeconds(10))).Message);

        // The failed retraining closed the condition's claim, so the next interval tries again, and succeeds.
        _handler.Failure = null;
        _time.Advance(TimeSpan.FromMinutes(1));
        var firing = await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("launched", firing.Status);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public void Constructor_ModelWatchedTwice_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => Watcher([Watch(RetrainingTriggerKind.DriftDetected), Watch(RetrainingTriggerKind.Schedule) with { Cron = "0 3 * * *" }], TimeSpan.Zero));

        Assert.Contains("'churn' is watched twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_ZeroInterval_ThrowsNamingTheField()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RetrainingWatcherOptions { Interval = TimeSpan.Zero }.Validate());

        Assert.Contains("Interval is 00:00:00; allowed: more than zero", error.Message, StringComparison.Ordinal);
    }

    private static RetrainingWatch Watch(params RetrainingTriggerKind[] kinds) => new() { Model = Model, Triggers = kinds, DatasetId = "ds" };

    private RetrainingWatcher Watcher(RetrainingWatch watch, TimeSpan cooldown) => Watcher([watch], cooldown);

    private RetrainingWatcher Watcher(IReadOnlyList<RetrainingWatch> watches, TimeSpan cooldown) =>
        new(watches, new RetrainingLedger(_dir.Combine("retraining.db")), _handler, model => model == Model ? _health : null, _registry,
            new RetrainingWatcherOptions { Cooldown = cooldown }, _time);

    private void AddDataVersion(int version) =>
        _registry.AddDatasetVersion(new DatasetVersion("ds", version, $"sha{version}", $"datasets/ds/v{version}", 10, ["income", "y"], "y", "ds.csv", _time.GetUtcNow()));

    private static ModelHealth Health(bool drifted, double? accuracy = null, int labeled = 0)
    {
        var feature = new FeatureDrift("income", ColumnKind.Numeric, DriftMethod.KolmogorovSmirnov, 0.4, 0.001, 0.05, drifted, 100, 100, new Dictionary<string, double>());
        var report = new DriftReport(100, 100, [feature], [], drifted ? 1 : 0, drifted ? 1 : 0, 0.5, drifted);
        return new ModelHealth(Model, 100, null, labeled, accuracy, new Dictionary<string, double>(), false, null, report);
    }

    private sealed class RecordingHandler : IRetrainingHandler
    {
        public List<RetrainingTrigger> Triggers { get; } = [];

        public Exception? Failure { get; set; }

        public Task<RetrainingOutcome> HandleAsync(RetrainingTrigger trigger, CancellationToken cancellationToken)
        {
            if (Failure is not null)
            {
                throw Failure;
            }

            Triggers.Add(trigger);
            var run = new RetrainingRun($"run-{Triggers.Count}", true, "1.1.0", "ok");
            return Task.FromResult(new RetrainingOutcome(trigger, "launched", run, null, false, null, "kept the champion"));
        }
    }
}
