using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Alerts;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Retraining;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.Alerts;
using MlopsAgents.Tests.Support;
using MlopsAgents.Tests.Workflow;
using MlopsAgents.Tests.StateMachine;
using MlopsAgents.Workflow.Retraining;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.Tests.Retraining;

/// <summary>
/// The simulated drift scenario end to end on the bundled breast-cancer data: train and serve the champion, send it
/// traffic with one feature shifted, post the labels back, and check that drift raises an alert (to a local Slack
/// webhook), the retraining watcher turns the drift into a trigger, the trigger starts an execution of the ASL
/// workflow on the durable executor with the real mlops-mcp (on data the watcher merged with the labelled production
/// rows, as --retrain-merge-feedback does), and
/// the champion/challenger comparison on the same fresh rows decides, reports to the issue and the history, and leaves
/// the registry's aliases matching the decision.
/// </summary>
public sealed class DriftToRetrainingEndToEndTests
{
    private const string Model = "breast-cancer-classifier";
    private const string Target = "diagnosis";
    private const string ShiftedFeature = "worst_area";

    [Fact]
    public async Task ShiftedFeature_AlertWatcherTriggerWorkflowExecutionAndChampionChallengerDecision()
    {
        using var dir = new TempDirectory();
        var pipeline = await LocalPipelineTests.PipelineWithDatasetAsync(dir, "breast_cancer.csv", "dataset-bc-001", Target);
        var first = await pipeline.RunIssueFileAsync(Examples.Issue("breast-cancer.md"));
        Assert.True(first.Passed, first.Reason);
        var context = pipeline.Context;
        var package = (await new LocalDeployer(context.Registry, context.Store, context.CacheDirectory).LoadActiveAsync()).Single();
        var baseline = DriftBaseline.FromJson(await context.Store.ReadTextAsync(ArtifactKeys.ModelFile(Model, "1.0.0", DriftBaseline.FileName)));

        // One shifted feature out of thirty: the monitor's dataset share threshold is set to one feature (configurable).
        var options = new ModelServerOptions
        {
            Baselines = new Dictionary<string, DriftBaseline>(StringComparer.Ordinal) { [Model] = baseline },
            Drift = new DriftOptions { DriftShareThreshold = 0.03 },
            InferenceSampleRate = 1.0,
            InferenceStore = context.Store,
        };
        await using var server = await ModelServer.StartAsync([package], port: 0, new Dictionary<string, RoutingTable>(StringComparer.Ordinal), options);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var data = DataFrame.ReadCsv(Examples.Dataset("breast_cancer.csv"));
        var shifted = Shift(data, ShiftedFeature, 2.5);
        var traffic = shifted.WithRows(shifted.Rows.Where((_, i) => i % 3 != 0));
        var fresh = shifted.WithRows(shifted.Rows.Where((_, i) => i % 3 == 0));

        // ---- production traffic with the shifted feature, then its labels through /feedback ----
        var feedback = new JsonArray();
        for (var start = 0; start < traffic.RowCount; start += 20)
        {
            var batch = traffic.Rows.Skip(start).Take(20).ToArray();
            using var response = await http.PostAsync("/predict", new StringContent(RowsJson(traffic, batch), Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            var requestId = response.Headers.GetValues(ModelServer.RequestIdHeader).Single();
            for (var r = 0; r < batch.Length; r++)
            {
                feedback.Add(new JsonObject { ["request_id"] = requestId, ["row"] = r, ["label"] = batch[r][traffic.IndexOf(Target)] });
            }
        }

        using (var posted = await http.PostAsJsonAsync("/feedback", new JsonObject { ["feedback"] = feedback }))
        {
            var answer = await posted.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Equal(traffic.RowCount, (int)answer!["joined"]!);
        }

        await server.FlushInferenceLogAsync();

        // ---- drift → alert ----
        var health = server.Monitor.Health(Model);
        Assert.NotNull(health.DataDrift);
        Assert.True(health.DataDrift.DatasetDrifted);
        Assert.Equal([ShiftedFeature], health.DataDrift.Features.Where(f => f.Drifted).Select(f => f.Column));
        Assert.Equal(traffic.RowCount, health.Labeled);

        var now = DateTimeOffset.UtcNow;
        var alerts = AlertEvaluator.Evaluate(AlertRule.Defaults, AlertMetrics.FromHealth(health), Model, "1.0.0", now);
        Assert.Contains(alerts, a => a.Rule == "data-drift" && a.Severity == AlertSeverity.Critical);
        await using var slack = await RecordingHttpServer.StartAsync(_ => (200, "text/plain", "ok"));
        using var slackHttp = new HttpClient();
        await new AlertDispatcher([new SlackWebhookNotifier(slackHttp, new Uri(slack.BaseAddress, "hook"))]).DispatchAsync(alerts);
        Assert.Contains(slack.Requests, r => r.Body.Contains("data-drift", StringComparison.Ordinal));

        // ---- the labelled production rows, which the watcher merges into the next data version before it launches ----
        var production = await LabelledProductionData.CollectAsync(context.Store, Model, data.Columns, Target);
        Assert.Equal(traffic.RowCount, production.RowCount);

        // ---- the watcher sees the drift in the serving window → a retraining execution of the workflow (each Task a
        // call to the real mlops-mcp) → champion vs challenger on the same fresh rows ----
        var requestText = await File.ReadAllTextAsync(Examples.Issue("breast-cancer.md"));
        var request = TrainingRequestParser.Parse(requestText, new RequestParseOptions { DataRoot = context.DataRoot }).Request!;
        await using var mcp = await RealMcpServer.StartAsync(context.Home.Root, context.DataRoot);
        await using var executor = new StateMachineExecutor(dir.Combine("home", "workflow", "workflow.db"), mcp);
        var issues = new RecordingIssueTracker();
        var coordinator = new RetrainingCoordinator(context, new RetrainingPolicy(RetrainingMode.Launch, new PromotionCriteria("accuracy", minAbsoluteChange: 0.005)),
            new WorkflowRetrainingLauncher(executor, StateMachineTestKit.TrainingDefinition(), request, requestText), issues, issueNumber: 7);
        var watch = RetrainingWatch.FromRequest(Model, request, cron: null, onCodeChange: false, package.Metadata.Metrics["accuracy"], maxAccuracyDrop: 0.05, trainedDataVersion: 1);
        var ledger = new RetrainingLedger(dir.Combine("home", "retraining", "watcher.db"));
        var watcher = new RetrainingWatcher(
            [watch], ledger, new CoordinatorRetrainingHandler(coordinator, (_, _) => Task.FromResult(fresh)), server.Monitor.Health, context.Registry,
            mergeFeedback: new FeedbackMerger(context));

        var firing = Assert.Single(await watcher.CheckOnceAsync());
        var outcome = firing.Outcome!;

        // --retrain-merge-feedback: the labels went into v2, and the execution trained on v2 by name.
        Assert.Equal(2, firing.Trigger.DatasetVersion);
        Assert.Contains($"merged {traffic.RowCount} labelled production rows into dataset-bc-001 v2", firing.Detail, StringComparison.Ordinal);
        Assert.Equal(data.RowCount + traffic.RowCount, context.Registry.ListDatasetVersions("dataset-bc-001").Single(d => d.Version == 2).RowCount);

        Assert.Equal(RetrainingTriggerKind.DriftDetected, firing.Trigger.Kind);
        Assert.Contains($"{ShiftedFeature}", firing.Trigger.Reason, StringComparison.Ordinal);
        var execution = executor.DescribeExecution(outcome.Run!.RunId)!;
        Assert.Equal(ExecutionStatus.Succeeded, execution.Summary.Status);
        Assert.Equal(firing.Trigger.Reason, execution.Input!["retraining"]!["reason"]!.GetValue<string>());
        Assert.Equal(2, execution.Input!["request"]!["dataset_version"]!.GetValue<int>());
        Assert.Contains("\ndataset_version: 2\n", execution.Input!["request_text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(execution.History, h => h.Type == HistoryEventTypes.TaskSucceeded && h.State == "WaitForOptimizationApproval"
            && h.Data?["by"]?.GetValue<string>() == WorkflowRetrainingLauncher.DefaultApprover);
        var record = Assert.Single(ledger.List(Model));
        Assert.Equal(("launched", outcome.Run.RunId), (record.Status, record.RunId));

        // The drift is still on, but it already fired: the next check does nothing.
        Assert.Empty(await watcher.CheckOnceAsync());
        Assert.Equal("launched", outcome.Action);
        Assert.True(outcome.Run!.Succeeded, outcome.Run.Detail);
        var challenger = outcome.Run.ChallengerVersion!;
        Assert.NotEqual("1.0.0", challenger);
        var report = outcome.Comparison!;
        Assert.Equal(fresh.RowCount, report.Rows);
        var expected = report.ChallengerMetrics["accuracy"] - report.ChampionMetrics["accuracy"] >= 0.005;
        Assert.Equal(expected, outcome.Promoted);
        Assert.Equal(outcome.Promoted ? challenger : "1.0.0", context.Registry.GetAlias(Model, ModelAliases.Champion));
        Assert.Equal(outcome.Promoted ? challenger : "1.0.0", context.Registry.ListActiveDeployments().Single(d => d.ModelName == Model).Version);
        if (!outcome.Promoted)
        {
            Assert.Equal(challenger, context.Registry.GetAlias(Model, ModelAliases.Challenger));
        }

        Assert.Contains(report.Importance, i => i.Feature == ShiftedFeature);
        Assert.Contains(report.Diff, d => d.Field == "dataset" && d.Champion == "dataset-bc-001 v1" && d.Challenger == "dataset-bc-001 v2");
        var comment = Assert.Single(issues.Comments);
        Assert.Equal(7, comment.Issue);
        Assert.Contains("## Champion vs challenger: breast-cancer-classifier", comment.Body, StringComparison.Ordinal);
        Assert.Contains("data drift: 1 of", comment.Body, StringComparison.Ordinal);
        var history = await context.Store.ListAsync($"retraining/{Model}/");
        Assert.Equal(comment.Body, await context.Store.ReadTextAsync(Assert.Single(history)));
    }

    private static DataFrame Shift(DataFrame data, string column, double factor)
    {
        var index = data.IndexOf(column);
        return data.WithRows(data.Rows.Select(r =>
        {
            var copy = (string?[])r.Clone();
            copy[index] = (double.Parse(r[index]!, CultureInfo.InvariantCulture) * factor).ToString("R", CultureInfo.InvariantCulture);
            return copy;
        }));
    }

    private static string RowsJson(DataFrame frame, IEnumerable<string?[]> rows)
    {
        var array = new JsonArray();
        foreach (var row in rows)
        {
            var item = new JsonObject();
            for (var c = 0; c < frame.Columns.Count; c++)
            {
                if (frame.Columns[c] != Target)
                {
                    item[frame.Columns[c]] = double.Parse(row[c]!, CultureInfo.InvariantCulture);
                }
            }

            array.Add(item);
        }

        return new JsonObject { ["rows"] = array }.ToJsonString();
    }

    private sealed class RecordingIssueTracker : IIssueTracker
    {
        public List<(int Issue, string Body)> Comments { get; } = [];

        public Task<int> OpenIssueAsync(string title, string body, IReadOnlyList<string> labels, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The launch policy must not open issues.");

        public Task CommentAsync(int issueNumber, string body, CancellationToken cancellationToken)
        {
            Comments.Add((issueNumber, body));
            return Task.CompletedTask;
        }

        public Task<bool> IsOpenAsync(int issueNumber, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The launch policy opens no issue to check.");
    }
}
