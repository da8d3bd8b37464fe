using System.Text.Json.Nodes;
using MlopsAgents.Tests.Support;
using MlopsAgents.Workflow.StateMachine;
using static MlopsAgents.Tests.StateMachine.StateMachineTestKit;

namespace MlopsAgents.Tests.StateMachine;

/// <summary><see cref="StateMachineExecutor.Resume"/>: what ResumeAll does, for the one execution a retraining watcher re-attaches to.</summary>
public sealed class ResumeOneExecutionTests
{
    [Fact]
    public async Task Resume_ExecutionLeftRunningByACrash_ContinuesItWithEachEffectOnce()
    {
        using var dir = new TempDirectory();
        var db = dir.Combine("workflow.db");
        var invoker = new FakeTaskInvoker
        {
            Behaviour = (tool, _, _) => tool switch
            {
                "judge_results" => Judge("pass"),
                "register_model" => new JsonObject { ["version"] = "1" },
                _ => new JsonObject { ["tool"] = tool },
            },
        };
        var commits = 0;
        await using (var doomed = new StateMachineExecutor(db, invoker, Options(), logger: null, committed: _ =>
        {
            if (++commits == 12)
            {
                throw new SimulatedCrashException();
            }
        }))
        {
            doomed.StartExecution(TrainingDefinition(), Input(), "exec-1");
            await Assert.ThrowsAsync<SimulatedCrashException>(() => DriveAsync(doomed, invoker, "exec-1"));
        }

        await using var restarted = new StateMachineExecutor(db, invoker, Options());
        Assert.False(restarted.Resume("exec-unknown"));
        Assert.True(restarted.Resume("exec-1"));
        var result = await DriveAsync(restarted, invoker, "exec-1");

        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.Equal(1, invoker.EffectCount("register_model"));
        Assert.Equal(1, invoker.EffectCount("deploy_model"));
        Assert.False(restarted.Resume("exec-1"));
    }

    private sealed class SimulatedCrashException : Exception;
}
