using Microsoft.Extensions.Time.Testing;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Retraining;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.GitHub.Tests.Support;

namespace MlopsAgents.GitHub.Tests.Retraining;

/// <summary>A launcher that records what it was asked to retrain and reports a run that produced no model.</summary>
internal sealed class RecordingLauncher : IRetrainingLauncher
{
    public List<RetrainingTrigger> Triggers { get; } = [];

    public Task<RetrainingRun> LaunchAsync(RetrainingTrigger trigger, CancellationToken cancellationToken)
    {
        Triggers.Add(trigger);
        return Task.FromResult(new RetrainingRun($"run-{Triggers.Count}", false, null, "recorded by the test"));
    }
}

/// <summary>A watcher over a real ledger, registry and coordinator in a temp folder, on a fake clock.</summary>
internal sealed class WatcherRig : IDisposable
{
    public const string Model = "churn";

    public WatcherRig(RetrainingPolicy policy, IRetrainingLauncher launcher, Func<MlopsContext, IIssueTracker?> issues, params RetrainingTriggerKind[] kinds)
    {
        Context = new MlopsContext(new MlopsHome(Dir.Combine("home")), Dir.Path);
        _start = () =>
        {
            var coordinator = new RetrainingCoordinator(
                Context, policy, launcher, issues(Context), timeProvider: Time, requestTexts: new Dictionary<string, string> { [Model] = Harness.RequestBody });
            var handler = new CoordinatorRetrainingHandler(coordinator, (_, _) => Task.FromResult(new DataFrame(["x", "y"], [])));
            return new RetrainingWatcher(
                [new RetrainingWatch { Model = Model, Triggers = kinds }], new RetrainingLedger(Dir.Combine("home", "retraining", "watcher.db")), handler,
                model => model == Model ? Health : null, Context.Registry, new RetrainingWatcherOptions { Cooldown = TimeSpan.FromHours(1) }, Time);
        };
        Watcher = _start();
    }

    private readonly Func<RetrainingWatcher> _start;

    /// <summary>A new process: a new watcher over the same MLOPS_HOME (ledger, registry, issues).</summary>
    public void Restart() => Watcher = _start();

    public TempDirectory Dir { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero));

    public MlopsContext Context { get; }

    public RetrainingWatcher Watcher { get; private set; }

    public ModelHealth? Health { get; set; }

    public static ModelHealth Drifted()
    {
        var feature = new FeatureDrift("tenure", ColumnKind.Numeric, DriftMethod.KolmogorovSmirnov, 0.4, 0.001, 0.05, true, 100, 100, new Dictionary<string, double>());
        return new ModelHealth(Model, 100, null, 0, null, new Dictionary<string, double>(), false, null, new DriftReport(100, 100, [feature], [], 1, 1, 0.5, true));
    }

    public void Dispose() => Dir.Dispose();
}
