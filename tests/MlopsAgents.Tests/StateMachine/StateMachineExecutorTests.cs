using System.Text.Json.Nodes;
using MlopsAgents.Tests.Support;
using MlopsAgents.Workflow.StateMachine;
using static MlopsAgents.Tests.StateMachine.StateMachineTestKit;

namespace MlopsAgents.Tests.StateMachine;

public sealed class StateMachineExecutorTests
{
    [Fact]
    public void ShippedDefinition_Parses_EveryStateReachableAndEveryTaskHasRetryAndCatch()
    {
        var definition = TrainingDefinition();
        Assert.Equal("OptimizeWorkflow", definition.StartAt);
        Assert.Equal(definition.States.Keys.Order(StringComparer.Ordinal), definition.ReachableStates().Order(StringComparer.Ordinal));

        var raw = JsonNode.Parse(File.ReadAllText(DefinitionPath()))!["States"]!.AsObject();
        foreach (var (name, state) in raw)
        {
            if (state!["Type"]!.GetValue<string>() == "Task")
            {
                Assert.True(state["Retry"] is JsonArray { Count: > 0 }, $"{name} has no Retry");
                Assert.True(state["Catch"] is JsonArray { Count: > 0 }, $"{name} has no Catch");
            }
        }

        Assert.True(definition.States["WaitForOptimizationApproval"].WaitsForTaskToken);
        Assert.True(definition.States["WaitForOperatorInput"].WaitsForTaskToken);
        Assert.Equal("Choice", definition.States["DecisionSwitch"].Type);
        Assert.Equal("Fail", definition.States["TrainingFailed"].Type);
    }

    [Fact]
    public async Task StartExecution_JudgePasses_RunsPassBranchToSuccess()
    {
        using var dir = new TempDirectory();
        var invoker = new FakeTaskInvoker { Behaviour = (tool, _, _) => tool == "judge_results" ? Judge("pass") : new JsonObject { ["tool"] = tool } };
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options());

        var id = executor.StartExecution(TrainingDefinition(), Input());
        var result = await DriveAsync(executor, invoker, id);

        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.Equal(
            ["optimize_workflow", "request_approval", "preprocess_supervised", "train_supervised_classifier", "evaluate_classifier",
             "judge_results", "register_model", "deploy_model", "start_monitoring", "write_history", "notify_success"],
            invoker.Effects);
        Assert.Equal("deploy_model", result.Output!["deployment"]!["tool"]!.GetValue<string>());
        Assert.True(result.Output["approval"]!["approved"]!.GetValue<bool>());
        Assert.Contains(result.History, e => e.Type == HistoryEventTypes.TaskScheduled && e.State == "TrainModel");
        Assert.Equal(HistoryEventTypes.ExecutionSucceeded, result.History[^1].Type);
        Assert.Single(executor.ListExecutions(ExecutionStatus.Succeeded));
    }

    [Fact]
    public async Task StartExecution_JudgeAlwaysRetrains_LoopsUntilMaxRetryThenRollsBack()
    {
        using var dir = new TempDirectory();
        var invoker = new FakeTaskInvoker { Behaviour = (tool, _, _) => tool == "judge_results" ? Judge("retrain") : new JsonObject() };
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options());

        var result = await DriveAsync(executor, invoker, executor.StartExecution(TrainingDefinition(), Input(maxRetry: 2)));

        Assert.Equal(ExecutionStatus.Failed, result.Summary.Status);
        Assert.Equal("Mlops.TrainingFailed", result.Error);
        Assert.Equal(3, invoker.EffectCount("train_supervised_classifier"));
        Assert.Equal(2, invoker.EffectCount("notify_operator"));
        Assert.Equal(1, invoker.EffectCount("rollback_deployment"));
        Assert.Equal(1, invoker.EffectCount("notify_failure"));
        Assert.Equal(0, invoker.EffectCount("deploy_model"));
    }

    [Fact]
    public async Task StartExecution_TaskKeepsFailing_RetriesWithBackoffThenCatchRoutesToFailure()
    {
        using var dir = new TempDirectory();
        var delays = new List<TimeSpan>();
        JsonNode? failureInput = null;
        var invoker = new FakeTaskInvoker
        {
            Behaviour = (tool, input, _) => tool switch
            {
                "preprocess_supervised" => throw new TaskFailedException("Mlops.DataInvalid", "the target column is missing"),
                // Agent steps get {context: the state, execution_id, mlops_task} from the definition's Parameters.
                "notify_failure" => failureInput = input?["context"]?.DeepClone(),
                _ => new JsonObject(),
            },
        };
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options(delays));

        var result = await DriveAsync(executor, invoker, executor.StartExecution(TrainingDefinition(), Input()));

        Assert.Equal(ExecutionStatus.Failed, result.Summary.Status);
        Assert.Equal(4, invoker.Calls.Count(c => c == "preprocess_supervised"));
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)], delays);
        Assert.Equal("Mlops.DataInvalid", failureInput!["error"]!["Error"]!.GetValue<string>());
        Assert.Equal(0, invoker.EffectCount("train_supervised_classifier"));
    }

    [Fact]
    public async Task StartExecution_TaskFailsTwiceThenSucceeds_RetryRecovers()
    {
        using var dir = new TempDirectory();
        var delays = new List<TimeSpan>();
        var invoker = new FakeTaskInvoker
        {
            Behaviour = (tool, _, call) => tool switch
            {
                "train_supervised_classifier" when call <= 2 => throw new IOException("the MCP server went away"),
                "judge_results" => Judge("pass"),
                _ => new JsonObject(),
            },
        };
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options(delays));

        var result = await DriveAsync(executor, invoker, executor.StartExecution(TrainingDefinition(), Input()));

        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)], delays);
        Assert.Equal(2, result.History.Count(e => e.Type == HistoryEventTypes.TaskRetryScheduled));
    }

    [Fact]
    public async Task SendTaskSuccess_ExecutionWaitingForApproval_ResumesAndTokenIsSingleUse()
    {
        using var dir = new TempDirectory();
        var invoker = new FakeTaskInvoker { Behaviour = (tool, _, _) => tool == "judge_results" ? Judge("pass") : new JsonObject() };
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options());

        var id = executor.StartExecution(TrainingDefinition(), Input());
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));

        var waiting = executor.DescribeExecution(id)!;
        Assert.Equal(ExecutionStatus.Waiting, waiting.Summary.Status);
        Assert.Equal("WaitForOptimizationApproval", waiting.Summary.CurrentState);
        Assert.Equal(0, invoker.EffectCount("preprocess_supervised"));
        Assert.True(invoker.Tokens.TryDequeue(out var token));
        Assert.False(executor.SendTaskSuccess("not-a-token", null));

        Assert.True(executor.SendTaskSuccess(token, new JsonObject { ["approved"] = true }));
        Assert.False(executor.SendTaskSuccess(token, new JsonObject { ["approved"] = true }));

        var result = await DriveAsync(executor, invoker, id);
        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.Equal(1, invoker.EffectCount("preprocess_supervised"));
    }

    [Fact]
    public async Task SendTaskFailure_ApprovalRejected_CatchRoutesToFailure()
    {
        using var dir = new TempDirectory();
        var invoker = new FakeTaskInvoker();
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options());

        var id = executor.StartExecution(TrainingDefinition(), Input());
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(invoker.Tokens.TryDequeue(out var token));

        // The definition never retries a rejection: its first retrier for Mlops.ApprovalRejected has MaxAttempts 0.
        Assert.True(executor.SendTaskFailure(token, "Mlops.ApprovalRejected", "the operator declined the plan"));
        var result = await DriveAsync(executor, invoker, id);

        Assert.Equal(ExecutionStatus.Failed, result.Summary.Status);
        Assert.Equal(0, invoker.EffectCount("preprocess_supervised"));
    }

    [Fact]
    public async Task StopExecution_WaitingExecution_AbortsAndCancelsItsToken()
    {
        using var dir = new TempDirectory();
        var invoker = new FakeTaskInvoker();
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options());

        var id = executor.StartExecution(TrainingDefinition(), Input());
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(invoker.Tokens.TryDequeue(out var token));

        Assert.True(executor.StopExecution(id));
        Assert.False(executor.StopExecution(id));
        Assert.False(executor.SendTaskSuccess(token, null));
        Assert.Equal(ExecutionStatus.Aborted, executor.DescribeExecution(id)!.Summary.Status);
    }
}
