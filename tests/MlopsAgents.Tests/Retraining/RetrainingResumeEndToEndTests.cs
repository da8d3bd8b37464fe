using System.Text.Json.Nodes;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Retraining;
using MlopsAgents.Tests.StateMachine;
using MlopsAgents.Tests.Support;
using MlopsAgents.Tests.Workflow;
using MlopsAgents.Workflow.Retraining;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.Tests.Retraining;

/// <summary>
/// Kill and restart in the middle of a retraining: the watcher starts a workflow execution through the real mlops-mcp,
/// the process stops (watcher cancelled, executor disposed) after the challenger is registered and before it is
/// deployed, and a new watcher over the same MLOPS_HOME resumes that execution and finishes the retraining exactly once.
/// </summary>
public sealed class RetrainingResumeEndToEndTests
{
    private const string Model = "breast-cancer-classifier";

    [Fact]
    public async Task Resume_ProcessStoppedBetweenRegisterAndDeploy_NewWatcherFinishesTheExecutionExactlyOnce()
    {
        using var dir = new TempDirectory();
        var pipeline = await LocalPipelineTests.PipelineWithDatasetAsync(dir, "breast_cancer.csv", "dataset-bc-001", "diagnosis");
        Assert.True((await pipeline.RunIssueFileAsync(Examples.Issue("breast-cancer.md"))).Passed);
        var context = pipeline.Context;
        var requestText = await File.ReadAllTextAsync(Examples.Issue("breast-cancer.md"));
        var request = TrainingRequestParser.Parse(requestText, new RequestParseOptions { DataRoot = context.DataRoot }).Request!;
        var data = DataFrame.ReadCsv(Examples.Dataset("breast_cancer.csv"));
        var fresh = data.WithRows(data.Rows.Where((_, i) => i % 3 == 0));
        var workflowDb = dir.Combine("home", "workflow", "workflow.db");
        var ledgerPath = dir.Combine("home", "retraining", "watcher.db");
        await using var mcp = await RealMcpServer.StartAsync(context.Home.Root, context.DataRoot);

        RetrainingWatcher Watcher(StateMachineExecutor executor)
        {
            var ledger = new RetrainingLedger(ledgerPath);
            var coordinator = new RetrainingCoordinator(
                context, new RetrainingPolicy(RetrainingMode.Launch, new PromotionCriteria("accuracy", minAbsoluteChange: 0.005)),
                new WorkflowRetrainingLauncher(executor, StateMachineTestKit.TrainingDefinition(), request, requestText), ledger: ledger);
            return new RetrainingWatcher(
                [new RetrainingWatch { Model = Model, Triggers = [RetrainingTriggerKind.CodeChange], DatasetId = "dataset-bc-001" }],
                ledger, new CoordinatorRetrainingHandler(coordinator, (_, _) => Task.FromResult(fresh)), _ => null, context.Registry);
        }

        // ---- the first process: the push starts a retraining, which stops at DeployModel when the process does ----
        var gate = new StopAtDeploy(mcp);
        var first = new StateMachineExecutor(workflowDb, gate);
        using var stop = new CancellationTokenSource();
        var running = Watcher(first).OnCodeChangeAsync("refs/heads/main", "0123456789abcdef", stop.Token);
        await gate.Reached.Task.WaitAsync(TimeSpan.FromMinutes(5));

        var open = Assert.Single(new RetrainingLedger(ledgerPath).List(Model));
        Assert.Equal(RetrainingLedger.Open, open.Status);
        Assert.Equal("1.0.0", open.Champion);
        var handle = open.Handle!;
        Assert.StartsWith($"retrain-{Model}-", handle, StringComparison.Ordinal);
        var challenger = Assert.Single(context.Registry.ListModelVersions(Model), v => v.Version != "1.0.0").Version;

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await first.DisposeAsync();
        await using (var look = new StateMachineExecutor(workflowDb, new FakeTaskInvoker()))
        {
            var stopped = look.DescribeExecution(handle)!;
            Assert.Equal((ExecutionStatus.Running, "DeployModel"), (stopped.Summary.Status, stopped.Summary.CurrentState));
        }

        Assert.Equal(RetrainingLedger.Open, Assert.Single(new RetrainingLedger(ledgerPath).List(Model)).Status);

        // ---- the second process: a new executor and watcher on the same MLOPS_HOME re-attach and finish it ----
        await using var second = new StateMachineExecutor(workflowDb, mcp);
        var watcher = Watcher(second);
        var resumed = Assert.Single(await watcher.ResumeAsync());

        Assert.Equal("launched", resumed.Status);
        var outcome = resumed.Outcome!;
        Assert.Equal((handle, challenger), (outcome.Run!.RunId, outcome.Run.ChallengerVersion));
        var execution = second.DescribeExecution(handle)!;
        Assert.Equal(ExecutionStatus.Succeeded, execution.Summary.Status);
        Assert.Single(execution.History, h => h.Type == HistoryEventTypes.TaskSucceeded && h.State == "PackageModel");
        Assert.Single(execution.History, h => h.Type == HistoryEventTypes.TaskSucceeded && h.State == "DeployModel");
        Assert.Equal(2, context.Registry.ListModelVersions(Model).Count);
        var record = Assert.Single(new RetrainingLedger(ledgerPath).List(Model));
        Assert.Equal(("launched", handle), (record.Status, record.RunId));

        // Judged against the champion recorded before the run, though the workflow made its own version champion.
        var report = outcome.Comparison!;
        Assert.Equal(fresh.RowCount, report.Rows);
        Assert.Equal(report.ChallengerMetrics["accuracy"] - report.ChampionMetrics["accuracy"] >= 0.005, outcome.Promoted);
        Assert.Equal(outcome.Promoted ? challenger : "1.0.0", context.Registry.GetAlias(Model, ModelAliases.Champion));
        Assert.Single(await context.Store.ListAsync($"retraining/{Model}/"));

        // Finished is finished: neither a resume nor a check does anything more.
        Assert.Empty(await watcher.ResumeAsync());
        Assert.Empty(await watcher.CheckOnceAsync());
        Assert.Single(new RetrainingLedger(ledgerPath).List(Model));
    }

    /// <summary>Passes every call to the real MCP server except the first deploy, which stays in flight until the process stops.</summary>
    private sealed class StopAtDeploy(ITaskInvoker inner) : ITaskInvoker
    {
        private int _deploys;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<JsonNode?> InvokeAsync(string resource, JsonNode? input, string? taskToken, string idempotencyKey, CancellationToken cancellationToken)
        {
            if (resource.EndsWith("-deploy_model", StringComparison.Ordinal) && Interlocked.Increment(ref _deploys) == 1)
            {
                Reached.TrySetResult();
                await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
            }

            return await inner.InvokeAsync(resource, input, taskToken, idempotencyKey, cancellationToken);
        }
    }
}
