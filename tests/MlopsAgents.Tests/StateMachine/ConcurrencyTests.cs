using System.Text.Json.Nodes;
using MlopsAgents.Tests.Support;
using MlopsAgents.Workflow.StateMachine;
using static MlopsAgents.Tests.StateMachine.StateMachineTestKit;

namespace MlopsAgents.Tests.StateMachine;

public sealed class ConcurrencyTests
{
    private const string OneTask = """
        {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:mlops-mcp-work", "End": true}}}
        """;

    [Fact]
    public async Task StartExecution_TwelveWithLimitTen_AtMostTenRunAndTheRestQueue()
    {
        using var dir = new TempDirectory();
        var invoker = new GatedInvoker(expected: 10);
        await using var executor = new StateMachineExecutor(dir.Combine("workflow.db"), invoker, Options(maxConcurrent: 10));

        var ids = Enumerable.Range(0, 12).Select(i => executor.StartExecution(OneTask, new JsonObject { ["n"] = i })).ToList();
        await invoker.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(10, executor.ListExecutions(ExecutionStatus.Running).Count);
        Assert.Equal(2, executor.ListExecutions(ExecutionStatus.Queued).Count);

        invoker.Gate.SetResult();
        foreach (var id in ids)
        {
            await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(12, executor.ListExecutions(ExecutionStatus.Succeeded).Count);
        Assert.Equal(10, invoker.MaxInFlight);
    }

    private sealed class GatedInvoker(int expected) : ITaskInvoker
    {
        private readonly Lock _lock = new();
        private int _inFlight;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int MaxInFlight { get; private set; }

        public async Task<JsonNode?> InvokeAsync(string resource, JsonNode? input, string? taskToken, string idempotencyKey, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                MaxInFlight = Math.Max(MaxInFlight, ++_inFlight);
                if (_inFlight == expected)
                {
                    Reached.TrySetResult();
                }
            }

            await Gate.Task.WaitAsync(cancellationToken);
            lock (_lock)
            {
                _inFlight--;
            }

            return input;
        }
    }
}
