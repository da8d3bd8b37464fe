using System.Text.Json.Nodes;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.Tests.StateMachine;

/// <summary>Shared pieces of the state machine tests: the shipped definition, a no-sleep delay, a driver that answers approvals.</summary>
internal static class StateMachineTestKit
{
    public static string DefinitionPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "infra", "statemachine", "mlops-training.asl.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("infra/statemachine/mlops-training.asl.json was not found above the test assembly.");
    }

    public static AslDefinition TrainingDefinition() => AslDefinition.Parse(File.ReadAllText(DefinitionPath()));

    public static JsonObject Input(int maxRetry = 2) => new()
    {
        ["request"] = new JsonObject
        {
            ["dataset_id"] = "iris",
            ["algorithm"] = "xgboost",
            ["hyperparameters"] = new JsonObject(),
            ["random_seed"] = 42,
            ["primary_metric"] = null,
            ["evaluation_threshold"] = 0.8,
            ["model_name"] = "iris-classifier",
            ["deployment_strategy"] = "direct",
        },
        ["request_text"] = "dataset_id: iris",
        ["config"] = new JsonObject { ["max_retry"] = maxRetry },
        ["retry"] = new JsonObject { ["count"] = 0 },
    };

    public static StateMachineOptions Options(List<TimeSpan>? delays = null, int maxConcurrent = 10) => new()
    {
        MaxConcurrentExecutions = maxConcurrent,
        Delay = (d, _) =>
        {
            lock (delays ?? [])
            {
                delays?.Add(d);
            }

            return Task.CompletedTask;
        },
    };

    /// <summary>Runs an execution to its end, approving every task-token wait with <c>{"approved": true}</c>.</summary>
    public static async Task<ExecutionDescription> DriveAsync(StateMachineExecutor executor, FakeTaskInvoker invoker, string id)
    {
        for (var round = 0; round < 100; round++)
        {
            await executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
            var description = executor.DescribeExecution(id)!;
            switch (description.Summary.Status)
            {
                case ExecutionStatus.Waiting:
                    Assert.True(invoker.Tokens.TryDequeue(out var token));
                    executor.SendTaskSuccess(token, new JsonObject { ["approved"] = true });
                    break;
                case ExecutionStatus.Succeeded or ExecutionStatus.Failed or ExecutionStatus.Aborted:
                    return description;
                default:
                    throw new InvalidOperationException($"Execution {id} went idle in status {description.Summary.Status}.");
            }
        }

        throw new InvalidOperationException($"Execution {id} did not finish.");
    }

    public static JsonNode Judge(string decision) => new JsonObject { ["decision"] = decision };
}
