using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using MlopsAgents.Tests.Support;
using MlopsAgents.Workflow.StateMachine;
using static MlopsAgents.Tests.StateMachine.StateMachineTestKit;

namespace MlopsAgents.Tests.StateMachine;

public sealed class TimeoutTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // A token wait bounded both ways: at most 600 s overall, at most 60 s between heartbeats.
    private const string HeartbeatDefinition = """
        {
          "StartAt": "Ask",
          "States": {
            "Ask": {
              "Type": "Task",
              "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
              "Parameters": { "FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:mlops-agent-request_approval", "token.$": "$$.Task.Token" },
              "TimeoutSeconds": 600,
              "HeartbeatSeconds": 60,
              "Catch": [ { "ErrorEquals": [ "States.Timeout" ], "ResultPath": "$.error", "Next": "TimedOut" } ],
              "Next": "Done"
            },
            "TimedOut": { "Type": "Pass", "Result": "timed out", "ResultPath": "$.outcome", "End": true },
            "Done": { "Type": "Succeed" }
          }
        }
        """;

    [Fact]
    public async Task ApprovalWait_NoAnswerBeforeTimeoutSeconds_FailsWithTimeoutAndCatchRoutesToFailure()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        var invoker = new FakeTaskInvoker();
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options() with { TimeProvider = time });

        var id = executor.StartExecution(TrainingDefinition(), Input());
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ExecutionStatus.Waiting, executor.DescribeExecution(id)!.Summary.Status);

        time.Advance(TimeSpan.FromSeconds(86_399));
        Assert.Equal(ExecutionStatus.Waiting, executor.DescribeExecution(id)!.Summary.Status);

        time.Advance(TimeSpan.FromSeconds(2));
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
        var result = executor.DescribeExecution(id)!;

        Assert.Equal(ExecutionStatus.Failed, result.Summary.Status);
        Assert.Equal("Mlops.TrainingFailed", result.Error);
        Assert.Contains(result.History, e => e.Type == HistoryEventTypes.TaskFailed && e.Data?["Error"]?.GetValue<string>() == AslErrors.Timeout);
        Assert.Equal(1, invoker.EffectCount("notify_failure"));
        Assert.Equal(0, invoker.EffectCount("preprocess_supervised"));
        Assert.True(invoker.Tokens.TryDequeue(out var token));
        Assert.False(executor.SendTaskSuccess(token, new JsonObject { ["approved"] = true }));
    }

    [Fact]
    public async Task ApprovalWait_AnsweredBeforeTimeout_TimerDoesNothing()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        var invoker = new FakeTaskInvoker { Behaviour = (tool, _, _) => tool == "judge_results" ? Judge("pass") : new JsonObject() };
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options() with { TimeProvider = time });

        var id = executor.StartExecution(TrainingDefinition(), Input());
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(invoker.Tokens.TryDequeue(out var token));
        Assert.True(executor.SendTaskSuccess(token, new JsonObject { ["approved"] = true }));
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromDays(2));

        var result = await DriveAsync(executor, invoker, id);
        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.DoesNotContain(result.History, e => e.Data?["Error"]?.GetValue<string>() == AslErrors.Timeout);
    }

    [Fact]
    public async Task SendTaskHeartbeat_BeatsWithinHeartbeatSeconds_KeepsWaitAliveUntilBeatsStop()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        var invoker = new FakeTaskInvoker();
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options() with { TimeProvider = time });

        var id = executor.StartExecution(HeartbeatDefinition, new JsonObject());
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(invoker.Tokens.TryDequeue(out var token));

        time.Advance(TimeSpan.FromSeconds(50));
        Assert.True(executor.SendTaskHeartbeat(token));
        time.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(ExecutionStatus.Waiting, executor.DescribeExecution(id)!.Summary.Status);

        time.Advance(TimeSpan.FromSeconds(11));
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
        var result = executor.DescribeExecution(id)!;

        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.Equal("timed out", result.Output!["outcome"]!.GetValue<string>());
        Assert.Equal(AslErrors.Timeout, result.Output!["error"]!["Error"]!.GetValue<string>());
        Assert.False(executor.SendTaskHeartbeat(token));
    }

    [Fact]
    public async Task ResumeAll_WaitingExecutionFromEarlierProcess_TimeoutStillFires()
    {
        using var dir = new TempDirectory();
        var db = dir.Combine("workflow.db");
        var time = new FakeTimeProvider(Start);
        var invoker = new FakeTaskInvoker();
        string id;
        await using (var first = new StateMachineExecutor(db, invoker, Options() with { TimeProvider = time }))
        {
            id = first.StartExecution(HeartbeatDefinition, new JsonObject());
            await first.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
        }

        time.Advance(TimeSpan.FromSeconds(30));
        await using var second = new StateMachineExecutor(db, invoker, Options() with { TimeProvider = time });
        second.ResumeAll();
        time.Advance(TimeSpan.FromSeconds(31));
        await second.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ExecutionStatus.Succeeded, second.DescribeExecution(id)!.Summary.Status);
        Assert.Equal("timed out", second.DescribeExecution(id)!.Output!["outcome"]!.GetValue<string>());
    }
}
