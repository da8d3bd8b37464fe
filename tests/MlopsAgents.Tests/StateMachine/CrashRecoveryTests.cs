using System.Text.Json.Nodes;
using MlopsAgents.Tests.Support;
using MlopsAgents.Workflow.StateMachine;
using static MlopsAgents.Tests.StateMachine.StateMachineTestKit;

namespace MlopsAgents.Tests.StateMachine;

public sealed class CrashRecoveryTests
{
    private static readonly string[] PassBranchEffects =
    [
        "optimize_workflow", "request_approval", "preprocess_supervised", "train_supervised_classifier", "evaluate_classifier",
        "judge_results", "notify_operator", "request_operator_input", "train_supervised_classifier", "evaluate_classifier", "judge_results",
        "register_model", "deploy_model",
        "start_monitoring", "write_history", "notify_success",
    ];

    [Fact]
    public async Task ResumeAll_CrashAfterEachPersistedTransition_CompletesWithEveryEffectExactlyOnce()
    {
        var transitions = await CountTransitionsAsync();
        Assert.True(transitions > 40, $"only {transitions} transitions");

        for (var crashAt = 1; crashAt <= transitions; crashAt++)
        {
            using var dir = new TempDirectory();
            var db = dir.Combine("workflow.db");
            var invoker = NewInvoker();
            const string id = "exec-1";

            var seen = 0;
            await using (var doomed = new StateMachineExecutor(db, invoker, Options(), logger: null, committed: _ =>
            {
                if (++seen == crashAt)
                {
                    throw new SimulatedCrashException();
                }
            }))
            {
                await RunUntilCrashAsync(doomed, invoker, id);
            }

            await using var restarted = new StateMachineExecutor(db, invoker, Options());
            restarted.ResumeAll();
            var result = await DriveAsync(restarted, invoker, id);

            Assert.True(ExecutionStatus.Succeeded == result.Summary.Status, $"crash at transition {crashAt}: {result.Summary.Status} {result.Error} {result.Cause}");
            Assert.True(PassBranchEffects.SequenceEqual(invoker.Effects), $"crash at transition {crashAt}: {string.Join(", ", invoker.Effects)}");
            Assert.Equal(1, invoker.EffectCount("register_model"));
            Assert.Equal(1, result.History.Count(e => e.Type == HistoryEventTypes.ExecutionSucceeded));
        }
    }

    private static FakeTaskInvoker NewInvoker() => new()
    {
        // The Judge asks for one retrain, so the crash points cover the retrain loop and its second operator wait too.
        Behaviour = (tool, _, call) => tool switch
        {
            "judge_results" => Judge(call == 1 ? "retrain" : "pass"),
            "register_model" => new JsonObject { ["version"] = "1" },
            _ => new JsonObject { ["tool"] = tool },
        },
    };

    private static async Task<int> CountTransitionsAsync()
    {
        using var dir = new TempDirectory();
        var invoker = NewInvoker();
        var count = 0;
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options(), logger: null, committed: _ => Interlocked.Increment(ref count));
        var result = await DriveAsync(executor, invoker, executor.StartExecution(TrainingDefinition(), Input(), "exec-1"));
        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.Equal(PassBranchEffects, invoker.Effects);
        return count;
    }

    private static async Task RunUntilCrashAsync(StateMachineExecutor executor, FakeTaskInvoker invoker, string id)
    {
        try
        {
            executor.StartExecution(TrainingDefinition(), Input(), id);
            await DriveAsync(executor, invoker, id);
            Assert.Fail("the executor should have crashed");
        }
        catch (SimulatedCrashException)
        {
            // The process is gone; whatever was committed before this point is all the next process sees.
        }
    }

    private sealed class SimulatedCrashException : Exception;
}
