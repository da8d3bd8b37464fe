using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Workflow.StateMachine;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using static MlopsAgents.McpServer.Tests.ToolResults;

namespace MlopsAgents.McpServer.Tests;

/// <summary>The shipped state machine run through the real MCP server: every Task is a tool call with its idempotency key.</summary>
public sealed class WorkflowToolTests(McpServerFixture server) : IClassFixture<McpServerFixture>
{
    private static AslDefinition Definition() =>
        AslDefinition.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "statemachine", "mlops-training.asl.json")));

    [Fact]
    public async Task StateMachine_ShippedDefinitionThroughMcp_TrainsJudgesRegistersDeploysAndWritesHistory()
    {
        var input = await InputAsync("wf-pass");
        using var dir = new TempFolder();
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), new McpTaskInvoker(server.Writable));

        var id = executor.StartExecution(Definition(), input, "exec-pass");
        var result = await RunApprovingAsync(executor, id);

        Assert.NotNull(result);
        Assert.True(result.Summary.Status == ExecutionStatus.Succeeded, $"{result.Summary.Status} {result.Error} {result.Cause}");
        var output = result.Output!;
        Assert.Equal("pass", output["judge"]!["decision"]!.GetValue<string>());
        Assert.Equal("1.0.0", output["package"]!["version"]!.GetValue<string>());
        Assert.Equal("wf-pass-model", output["deployment"]!["model_name"]!.GetValue<string>());
        Assert.Single(server.Context.Registry.ListModelVersions("wf-pass-model"));
        Assert.Contains("| f1_score |", File.ReadAllText(Path.Combine(server.Home, "training_history", "exec-pass.md")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(server.Home, "monitoring", "wf-pass-model.json")));
    }

    [Fact]
    public async Task StateMachine_KilledAfterRegisterModelRanButBeforeItsResultWasRecorded_ResumesWithoutASecondVersion()
    {
        var input = await InputAsync("wf-crash");
        using var dir = new TempFolder();
        var db = dir.Combine("workflow.db");
        var blocking = new KillAfterEffect(new McpTaskInvoker(server.Writable), "register_model");
        var first = new StateMachineExecutor(db, blocking);
        var id = first.StartExecution(Definition(), input, "exec-crash");
        var waiting = await RunApprovingAsync(first, id, until: blocking.Reached);
        Assert.Null(waiting);
        var firstResult = await blocking.Reached;

        // The process dies with register_model done on the server and nothing recorded in the workflow database.
        await first.DisposeAsync();
        Assert.Single(server.Context.Registry.ListModelVersions("wf-crash-model"));

        await using var second = new StateMachineExecutor(db, new McpTaskInvoker(server.Writable));
        Assert.Equal(1, second.ResumeAll());
        var result = await RunApprovingAsync(second, id);

        Assert.Equal(ExecutionStatus.Succeeded, result!.Summary.Status);
        Assert.Single(server.Context.Registry.ListModelVersions("wf-crash-model"));
        Assert.Equal(firstResult!["version"]!.GetValue<string>(), result.Output!["package"]!["version"]!.GetValue<string>());
        var scheduled = result.History.Where(e => e.Type == HistoryEventTypes.TaskScheduled && e.State == "PackageModel").ToList();
        Assert.Single(scheduled);
    }

    [Fact]
    public async Task StateMachine_JudgeFailsWithNoRetriesLeft_RollsBackNothingAndFailsWithReason()
    {
        var input = await InputAsync("wf-fail", threshold: "0.999", maxRetry: 0);
        using var dir = new TempFolder();
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), new McpTaskInvoker(server.Writable));

        var id = executor.StartExecution(Definition(), input, "exec-fail");
        var result = await RunApprovingAsync(executor, id);

        Assert.NotNull(result);
        Assert.Equal(ExecutionStatus.Failed, result.Summary.Status);
        Assert.Equal("Mlops.TrainingFailed", result.Error);
        var states = result.History.Where(e => e.Type == HistoryEventTypes.StateEntered).Select(e => e.State).ToList();
        Assert.Equal(["RollbackModel", "NotifyFailure", "TrainingFailed"], states.TakeLast(3));
        var rollback = result.History.Last(e => e.Type == HistoryEventTypes.TaskSucceeded && e.State == "RollbackModel").Data!;
        Assert.False(rollback["rolled_back"]!.GetValue<bool>());
        Assert.Empty(server.Context.Registry.ListModelVersions("wf-fail-model"));
        Assert.Contains(File.ReadLines(Path.Combine(server.Home, "notifications.jsonl")), l => l.Contains("exec-fail", StringComparison.Ordinal) && l.Contains("\"failure\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTool_SameIdempotencyKeyForAnotherTool_Refused()
    {
        var meta = new RequestOptions { Meta = new JsonObject { ["idempotency_key"] = "k-shared" } };
        (await server.Writable.CallToolAsync("notify_operator", Args(("context", new Dictionary<string, object?>()), ("execution_id", "e1")), options: meta)).Ok();

        var error = (await server.Writable.CallToolAsync("notify_failure", Args(("context", new Dictionary<string, object?>()), ("execution_id", "e1")), options: meta)).Error();

        Assert.Contains("idempotency_key: 'k-shared'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JudgeResults_MetricsBelowThresholdWithRetriesLeft_Retrain()
    {
        var context = new Dictionary<string, object?>
        {
            ["evaluation"] = new Dictionary<string, object?> { ["metrics"] = new Dictionary<string, double> { ["f1_score"] = 0.7 } },
            ["request"] = new Dictionary<string, object?> { ["evaluation_threshold"] = 0.9, ["task_type"] = "classification" },
            ["retry"] = new Dictionary<string, object?> { ["count"] = 0 },
            ["config"] = new Dictionary<string, object?> { ["max_retry"] = 2 },
        };

        var verdict = (await server.ReadOnly.CallToolAsync("judge_results", Args(("context", context)))).Ok();

        Assert.Equal("retrain", verdict.GetProperty("decision").GetString());
        Assert.Equal("f1_score", verdict.GetProperty("metric").GetString());
    }

    private async Task<JsonObject> InputAsync(string name, string threshold = "0.85", int maxRetry = 1)
    {
        (await server.Writable.CallToolAsync("load_dataset", Args(("path", "breast_cancer.csv"), ("dataset_id", name), ("target", "diagnosis")))).Ok();
        var text = $"dataset_id: {name}\ntarget: diagnosis\ntask_type: classification\nalgorithm: logistic_regression\nevaluation_threshold: {threshold}\nmodel_name: {name}-model\nmax_retry: {maxRetry}\n";
        var parsed = TrainingRequestParser.Parse(text, new RequestParseOptions { DataRoot = McpServerFixture.DataRoot });
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors));
        return WorkflowInput.Build(parsed.Request!, text);
    }

    /// <summary>Answers every approval wait until the execution ends (or <paramref name="until"/> completes first: then null).</summary>
    private static async Task<ExecutionDescription?> RunApprovingAsync(StateMachineExecutor executor, string id, Task? until = null)
    {
        for (var round = 0; round < 20; round++)
        {
            var idle = executor.WaitForIdleAsync(id);
            if (until is not null && await Task.WhenAny(idle, until).WaitAsync(TimeSpan.FromMinutes(3)) == until)
            {
                return null;
            }

            await idle.WaitAsync(TimeSpan.FromMinutes(3));
            var description = executor.DescribeExecution(id)!;
            if (description.Summary.Status != ExecutionStatus.Waiting)
            {
                return description;
            }

            var token = description.History.Last(e => e.Type == HistoryEventTypes.TaskWaiting).Data!["task_token"]!.GetValue<string>();
            Assert.True(executor.SendTaskSuccess(token, new JsonObject { ["approved"] = true }));
        }

        throw new InvalidOperationException($"Execution {id} did not finish.");
    }

    /// <summary>Lets one tool's call reach the server, then hangs as a killed process would, before the executor records the result.</summary>
    private sealed class KillAfterEffect(ITaskInvoker inner, string tool) : ITaskInvoker
    {
        private readonly TaskCompletionSource<JsonNode?> _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<JsonNode?> Reached => _reached.Task;

        public async Task<JsonNode?> InvokeAsync(string resource, JsonNode? input, string? taskToken, string idempotencyKey, CancellationToken cancellationToken)
        {
            var result = await inner.InvokeAsync(resource, input, taskToken, idempotencyKey, cancellationToken);
            if (TaskResource.Parse(resource, input).Name == tool)
            {
                _reached.TrySetResult(result);
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return result;
        }
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("mlops-wf-").FullName;

        public string Combine(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // SQLite may hold its WAL a moment after the executor closes.
            }
        }
    }
}
