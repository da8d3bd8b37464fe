using System.Text.Json.Nodes;
using MlopsAgents.Tests.Support;
using MlopsAgents.Workflow.StateMachine;
using static MlopsAgents.Tests.StateMachine.StateMachineTestKit;

namespace MlopsAgents.Tests.StateMachine;

/// <summary>
/// The context object ($$) as the shipped definition uses it: every Task passes mlops_task (execution, state, entered
/// time, retry count), which the Step Functions task forwarder turns into its idempotency key, so locally it must mean
/// what it means on Step Functions: EnteredTime is the visit's, kept across retries, new when the state is entered again.
/// </summary>
public sealed class ContextObjectTests
{
    /// <summary>A clock that moves one second every time it is read, so two visits never share a time.</summary>
    private sealed class SteppingTimeProvider : TimeProvider
    {
        private long _reads;

        public override DateTimeOffset GetUtcNow() =>
            new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero).AddSeconds(Interlocked.Increment(ref _reads));
    }

    [Fact]
    public async Task StartExecution_RetryAndRetrainLoop_PassesTheStepFunctionsContextAsMlopsTask()
    {
        using var dir = new TempDirectory();
        var seen = new List<(string Tool, JsonNode? Input)>();
        var invoker = new FakeTaskInvoker
        {
            Behaviour = (tool, input, call) =>
            {
                lock (seen)
                {
                    seen.Add((tool, input?.DeepClone()));
                }

                return tool switch
                {
                    "preprocess_supervised" when call == 1 => throw new IOException("the MCP server went away"),
                    "judge_results" => Judge(call == 1 ? "retrain" : "pass"),
                    _ => new JsonObject(),
                };
            },
        };
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options() with { TimeProvider = new SteppingTimeProvider() });

        var id = executor.StartExecution(TrainingDefinition(), Input());
        var result = await DriveAsync(executor, invoker, id);

        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        // A task-token wait's input is its Parameters: FunctionName and the Payload that carries mlops_task.
        JsonNode Task(int i) => seen[i].Input!["mlops_task"] ?? seen[i].Input!["Payload"]!["mlops_task"]!;
        Assert.All(seen.Select((_, i) => Task(i)), t => Assert.Equal(id, t["execution_id"]!.GetValue<string>()));

        var prepare = seen.Select((s, i) => (s.Tool, i)).Where(s => s.Tool == "preprocess_supervised").Select(s => Task(s.i)).ToList();
        Assert.Equal([0, 1], prepare.Select(t => t["retry_count"]!.GetValue<int>()));
        Assert.Equal(prepare[0]["entered_time"]!.GetValue<string>(), prepare[1]["entered_time"]!.GetValue<string>());
        Assert.All(prepare, t => Assert.Equal("PrepareData", t["state"]!.GetValue<string>()));

        var train = seen.Select((s, i) => (s.Tool, i)).Where(s => s.Tool == "train_supervised_classifier").Select(s => Task(s.i)).ToList();
        Assert.Equal(2, train.Count);
        Assert.NotEqual(train[0]["entered_time"]!.GetValue<string>(), train[1]["entered_time"]!.GetValue<string>());
        Assert.All(train, t => Assert.Equal(0, t["retry_count"]!.GetValue<int>()));

        // Agent steps get the state as context and the execution id from the definition's Parameters.
        var notify = seen.Single(s => s.Tool == "notify_operator").Input!;
        Assert.Equal(id, notify["execution_id"]!.GetValue<string>());
        Assert.Equal("retrain", notify["context"]!["judge"]!["decision"]!.GetValue<string>());
        Assert.Equal("dataset_id: iris", notify["context"]!["request_text"]!.GetValue<string>());
    }
}
