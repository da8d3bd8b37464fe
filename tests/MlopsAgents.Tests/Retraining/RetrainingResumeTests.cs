using Microsoft.Data.Sqlite;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Retraining;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.StateMachine;
using MlopsAgents.Tests.Support;
using MlopsAgents.Workflow.Retraining;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.Tests.Retraining;

/// <summary>
/// Re-attaching to retrainings a previous process left open, without a real training run: the ledger's migration and
/// handles, what cannot be resumed (and why), and the dataset version a launch is pinned to.
/// </summary>
public sealed class RetrainingResumeTests : IDisposable
{
    private const string Model = "breast-cancer-classifier";
    private static readonly DateTimeOffset Monday = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Constructor_LedgerWrittenBeforeHandles_AddsTheColumnsAndKeepsItsRows()
    {
        var path = _dir.Combine("old.db");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE retrainings (id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL,
                  fired_at TEXT NOT NULL, status TEXT NOT NULL, action TEXT, run_id TEXT, summary TEXT, ended_at TEXT);
                INSERT INTO retrainings (model, kind, reason, fired_at, status) VALUES ('churn', 'drift_detected', 'drift', '2026-01-05T00:00:00.0000000Z', 'open');
                """;
            command.ExecuteNonQuery();
        }

        var ledger = new RetrainingLedger(path);
        var before = Assert.Single(ledger.List());
        Assert.Equal((RetrainingLedger.Open, (string?)null, (int?)null), (before.Status, before.Handle, before.Issue));

        Assert.True(ledger.Attach("churn", "retrain-churn-1", null, "1.0.0", "0.9.0"));
        var after = Assert.Single(new RetrainingLedger(path).List());
        Assert.Equal(("retrain-churn-1", "1.0.0", "0.9.0"), (after.Handle, after.Champion, after.Archived));
        Assert.Equal("drift", after.Reason);
    }

    [Fact]
    public void RecordSuppressed_SameKindAndIssueTwice_RecordsOnceAndDoesNotRestartTheCooldown()
    {
        var ledger = new RetrainingLedger(_dir.Combine("ledger.db"));
        ledger.TryOpen(new RetrainingTrigger(RetrainingTriggerKind.DriftDetected, "churn", "drift", Monday));
        var later = new RetrainingTrigger(RetrainingTriggerKind.Schedule, "churn", "schedule", Monday.AddDays(1));

        Assert.True(ledger.RecordSuppressed(later, 4, "issue #4 is open", Monday.AddDays(1)));
        Assert.False(ledger.RecordSuppressed(later with { Time = Monday.AddDays(2) }, 4, "issue #4 is open", Monday.AddDays(2)));

        Assert.Equal(2, ledger.List("churn").Count);
        Assert.Equal(Monday, ledger.LastFired("churn"));
    }

    [Fact]
    public async Task Attach_ExecutionNotInTheStore_ReturnsALostRunSayingSo()
    {
        await using var executor = new StateMachineExecutor(_dir.Combine("workflow.db"), new FakeTaskInvoker());
        var (request, text) = Request();
        var launcher = new WorkflowRetrainingLauncher(executor, StateMachineTestKit.TrainingDefinition(), request, text);

        var run = await launcher.AttachAsync(Trigger(), "retrain-gone", CancellationToken.None);

        Assert.True(run.Lost);
        Assert.False(run.Succeeded);
        Assert.Contains("execution retrain-gone is not in the executor's store", run.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_OpenRowWhoseExecutionIsGone_ClosesItInterruptedWithTheReason()
    {
        var ledger = new RetrainingLedger(_dir.Combine("home", "retraining", "watcher.db"));
        ledger.TryOpen(Trigger());
        ledger.Attach(Model, "retrain-gone", null, "1.0.0", null);
        await using var executor = new StateMachineExecutor(_dir.Combine("workflow.db"), new FakeTaskInvoker());

        var firing = Assert.Single(await Watcher(ledger, executor).ResumeAsync());

        Assert.Equal(RetrainingLedger.Interrupted, firing.Status);
        var record = Assert.Single(ledger.List(Model));
        Assert.Equal(RetrainingLedger.Interrupted, record.Status);
        Assert.Contains("execution retrain-gone is not in the executor's store; it cannot be resumed", record.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_OpenRowThatNeverStartedARun_ClosesItInterruptedWithTheReason()
    {
        var ledger = new RetrainingLedger(_dir.Combine("home", "retraining", "watcher.db"));
        ledger.TryOpen(Trigger());
        await using var executor = new StateMachineExecutor(_dir.Combine("workflow.db"), new FakeTaskInvoker());

        var firing = Assert.Single(await Watcher(ledger, executor).ResumeAsync());

        Assert.Equal(RetrainingLedger.Interrupted, firing.Status);
        Assert.Equal("the process handling it ended before it started a run", Assert.Single(ledger.List(Model)).Summary);
    }

    [Theory]
    [InlineData(3, "dataset_version: 3\n")]
    [InlineData(null, "")]
    public void BuildInput_TriggerWithDatasetVersion_PinsItInTheRequestAndItsText(int? version, string expectedLine)
    {
        var (request, text) = Request();
        var pinned = text.Replace("target: diagnosis\n", "target: diagnosis\ndataset_version: 1\n", StringComparison.Ordinal);

        var input = WorkflowRetrainingLauncher.BuildInput(request with { DatasetVersion = 1 }, pinned, Trigger() with { DatasetVersion = version });

        var requestText = input["request_text"]!.GetValue<string>();
        Assert.Equal(version, input["request"]!["dataset_version"]?.GetValue<int>());
        Assert.DoesNotContain("dataset_version: 1\n", requestText, StringComparison.Ordinal);
        Assert.Equal(version, TrainingRequestParser.Parse(requestText, new RequestParseOptions { DataRoot = _dir.Path }).Request!.DatasetVersion);
        if (version is not null)
        {
            Assert.Contains(expectedLine + "```", requestText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CheckOnce_MergeFeedbackConfigured_LaunchesOnTheMergedVersionWithoutFiringNewData()
    {
        var context = new MlopsContext(new MlopsHome(_dir.Combine("home")), _dir.Path);
        var csv = _dir.Combine("ds.csv");
        await File.WriteAllTextAsync(csv, "x,y\n1,a\n2,b\n");
        await new DatasetService(context.Registry, context.Store).AddAsync(csv, "ds", "y");
        await context.Store.PutTextAsync("monitoring/inference/0001.jsonl", """{"model":"churn","request_id":"r1","rows":[{"x":3},{"x":4}]}""" + "\n");
        await context.Store.PutTextAsync("monitoring/feedback/0001.jsonl", """{"request_id":"r1","row":1,"model":"churn","version":"1.0.0","predicted":"a","label":"b"}""" + "\n");
        var handler = new RecordingHandler();
        var watcher = new RetrainingWatcher(
            [new RetrainingWatch { Model = "churn", Triggers = [RetrainingTriggerKind.CodeChange, RetrainingTriggerKind.NewDataVersion], DatasetId = "ds", TrainedDataVersion = 1 }],
            new RetrainingLedger(_dir.Combine("ledger.db")), handler, _ => null, context.Registry, new RetrainingWatcherOptions { Cooldown = TimeSpan.Zero },
            mergeFeedback: new FeedbackMerger(context));

        var firing = Assert.Single(await watcher.OnCodeChangeAsync("refs/heads/main", "abcdef"));

        Assert.Equal(2, Assert.Single(handler.Triggers).DatasetVersion);
        Assert.Contains("merged 1 labelled production rows into ds v2", firing.Detail, StringComparison.Ordinal);
        var (v2, frame) = await new DatasetService(context.Registry, context.Store).LoadAsync("ds", 2);
        Assert.Equal(3, v2.RowCount);
        Assert.Equal<string?>(["4", "b"], frame.Rows[2].ToList());
        Assert.Empty(await watcher.CheckOnceAsync());
    }

    private RetrainingWatcher Watcher(RetrainingLedger ledger, StateMachineExecutor executor)
    {
        var context = new MlopsContext(new MlopsHome(_dir.Combine("home")), _dir.Path);
        var (request, text) = Request();
        var coordinator = new RetrainingCoordinator(
            context, new RetrainingPolicy(RetrainingMode.Launch, new PromotionCriteria()),
            new WorkflowRetrainingLauncher(executor, StateMachineTestKit.TrainingDefinition(), request, text), ledger: ledger);
        return new RetrainingWatcher(
            [new RetrainingWatch { Model = Model, Triggers = [RetrainingTriggerKind.CodeChange] }], ledger,
            new CoordinatorRetrainingHandler(coordinator, (_, _) => Task.FromResult(new DataFrame(["x"], []))), _ => null, context.Registry);
    }

    private (TrainingRequest Request, string Text) Request()
    {
        var text = File.ReadAllText(Examples.Issue("breast-cancer.md"));
        return (TrainingRequestParser.Parse(text, new RequestParseOptions { DataRoot = _dir.Path }).Request!, text);
    }

    private static RetrainingTrigger Trigger() => new(RetrainingTriggerKind.CodeChange, Model, "code change: push to refs/heads/main", Monday);

    private sealed class RecordingHandler : IRetrainingHandler
    {
        public List<RetrainingTrigger> Triggers { get; } = [];

        public Task<RetrainingOutcome> HandleAsync(RetrainingTrigger trigger, CancellationToken cancellationToken)
        {
            Triggers.Add(trigger);
            return Task.FromResult(new RetrainingOutcome(trigger, "launched", new RetrainingRun("run-1", true, "1.1.0", "ok"), null, false, null, "kept the champion"));
        }
    }
}
