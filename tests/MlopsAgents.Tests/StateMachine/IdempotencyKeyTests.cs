using System.Text.Json.Nodes;
using MlopsAgents.Tests.Support;
using MlopsAgents.Workflow.StateMachine;
using static MlopsAgents.Tests.StateMachine.StateMachineTestKit;

namespace MlopsAgents.Tests.StateMachine;

/// <summary>
/// The keys the executor hands to its invoker: one per visit of a state, kept across retries so that a retry joins the
/// MCP server's run of that Task; only a task-token wait, whose every attempt carries a new token, gets one per attempt.
/// </summary>
public sealed class IdempotencyKeyTests
{
    private const string TrainDefinition = """
        {
          "StartAt": "Train",
          "States": {
            "Train": {
              "Type": "Task",
              "Resource": "arn:aws:lambda:us-east-1:000000000000:function:mlops-mcp-train_supervised_classifier",
              "TimeoutSeconds": 60,
              "Retry": [
                { "ErrorEquals": [ "Mlops.TaskInProgress" ], "IntervalSeconds": 5, "MaxAttempts": 12, "BackoffRate": 1.0 },
                { "ErrorEquals": [ "States.TaskFailed", "States.Timeout" ], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0 }
              ],
              "End": true
            }
          }
        }
        """;

    private const string AskDefinition = """
        {
          "StartAt": "Ask",
          "States": {
            "Ask": {
              "Type": "Task",
              "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
              "Parameters": { "FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:mlops-agent-request_approval", "task_token.$": "$$.Task.Token" },
              "TimeoutSeconds": 600,
              "Retry": [ { "ErrorEquals": [ "States.TaskFailed" ], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0 } ],
              "End": true
            }
          }
        }
        """;

    [Fact]
    public async Task Retry_AfterTaskInProgressAndToolError_KeepsTheVisitsKeyAndUsesTheFirstMatchingRetrier()
    {
        using var dir = new TempDirectory();
        var delays = new List<TimeSpan>();
        var invoker = new ScriptedInvoker(
            () => throw new TaskFailedException("Mlops.TaskInProgress", "still training"),
            () => throw new TaskFailedException("Mlops.TaskInProgress", "still training"),
            () => throw new TaskFailedException("Mlops.ToolError", "train_supervised_classifier: out of memory"),
            () => new JsonObject { ["run_id"] = "run-1" });
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options(delays));

        var id = executor.StartExecution(TrainDefinition, new JsonObject());
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
        var result = executor.DescribeExecution(id)!;

        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.Equal(4, invoker.Keys.Count);
        Assert.All(invoker.Keys, k => Assert.Equal(invoker.Keys[0], k));
        Assert.StartsWith(id + "/Train/", invoker.Keys[0], StringComparison.Ordinal);
        Assert.Equal(2, invoker.Keys[0].Count(c => c == '/') - id.Count(c => c == '/'));
        Assert.Equal([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2)], delays);
    }

    [Fact]
    public async Task Retry_OfATaskTokenWait_GetsANewKeyForItsNewToken()
    {
        using var dir = new TempDirectory();
        var invoker = new ScriptedInvoker(() => new JsonObject(), () => new JsonObject());
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options());
        var id = executor.StartExecution(AskDefinition, new JsonObject());
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(executor.SendTaskFailure(invoker.Tokens[0], "Mlops.Flaky", "the approval service was down"));
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(executor.SendTaskSuccess(invoker.Tokens[1], new JsonObject { ["approved"] = true }));
        await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ExecutionStatus.Succeeded, executor.DescribeExecution(id)!.Summary.Status);
        Assert.Equal(2, invoker.Keys.Count);
        Assert.NotEqual(invoker.Tokens[0], invoker.Tokens[1]);
        Assert.Equal(invoker.Keys[0][..invoker.Keys[0].LastIndexOf('/')] + "/1", invoker.Keys[1]);
    }

    /// <summary>Answers each call with the next step of a script, recording the key and token it was given.</summary>
    private sealed class ScriptedInvoker(params Func<JsonNode?>[] steps) : ITaskInvoker
    {
        private int _next;

        public List<string> Keys { get; } = [];

        public List<string> Tokens { get; } = [];

        public async Task<JsonNode?> InvokeAsync(string resource, JsonNode? input, string? taskToken, string idempotencyKey, CancellationToken cancellationToken)
        {
            await Task.Yield();
            lock (Keys)
            {
                Keys.Add(idempotencyKey);
                if (taskToken is not null)
                {
                    Tokens.Add(taskToken);
                }
            }

            return steps[Interlocked.Increment(ref _next) - 1]();
        }
    }
}
