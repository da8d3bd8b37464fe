using System.Text.Json.Nodes;
using MlopsAgents.Aws.StepFunctions;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Plugins.Retraining;
using static MlopsAgents.Aws.Tests.StepFunctions.RetrainingExecutionReplies;

namespace MlopsAgents.Aws.Tests.StepFunctions;

/// <summary>The retraining launcher on Step Functions against a signed local stub: start with the trigger, answer the approval, read the challenger.</summary>
public sealed class StepFunctionsRetrainingLauncherTests
{
    private const string MachineArn = "arn:aws:states:us-east-1:1:stateMachine:mlops-dev-training";
    private const string ExecutionArn = RetrainingExecutionReplies.ExecutionArn;

    private static readonly RetrainingTrigger Drift = new(RetrainingTriggerKind.DriftDetected, "churn", "data drift: 1 of 3 features drifted", new DateTimeOffset(2026, 1, 5, 3, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task LaunchAsync_WaitsForApproval_ApprovesWithTheReasonAndReturnsTheRegisteredVersion()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(
            StubResponse.Ok($$"""{"executionArn":"{{ExecutionArn}}","startDate":1767582000}"""),
            Describe("RUNNING"),
            StubResponse.Ok(WaitingHistory()),
            StubResponse.Ok("{}"),
            Describe("SUCCEEDED", """{"package":{"name":"churn","version":"1.1.0"}}"""));
        using var clients = new StubClients(stub);
        var launcher = new StepFunctionsRetrainingLauncher(
            new StepFunctionsClient(clients.Client), MachineArn, t => new JsonObject { ["retraining"] = new JsonObject { ["reason"] = t.Reason } }, TimeSpan.FromSeconds(30));

        var run = await launcher.LaunchAsync(Drift, CancellationToken.None);

        Assert.Equal((true, "1.1.0", ExecutionArn), (run.Succeeded, run.ChallengerVersion, run.RunId));
        var start = JsonNode.Parse(stub.Requests[0].Body)!;
        Assert.Equal("retrain-churn-20260105T030000", start["name"]!.GetValue<string>());
        Assert.Equal("data drift: 1 of 3 features drifted", JsonNode.Parse(start["input"]!.GetValue<string>())!["retraining"]!["reason"]!.GetValue<string>());
        Assert.Equal("AWSStepFunctions.SendTaskSuccess", stub.Requests[3].Header("X-Amz-Target"));
        var answer = JsonNode.Parse(JsonNode.Parse(stub.Requests[3].Body)!["output"]!.GetValue<string>())!;
        Assert.Equal("retraining-watcher", answer["by"]!.GetValue<string>());
        Assert.Contains("automatic retraining (drift_detected)", answer["comment"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(5, stub.Requests.Count);
    }

    [Fact]
    public async Task LaunchAsync_ExecutionFails_ReturnsAFailedRunWithTheCause()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok($$"""{"executionArn":"{{ExecutionArn}}","startDate":1767582000}"""), Describe("FAILED", error: "States.TaskFailed", cause: "train_supervised_classifier: out of memory"));
        using var clients = new StubClients(stub);
        var launcher = new StepFunctionsRetrainingLauncher(new StepFunctionsClient(clients.Client), MachineArn, _ => [], TimeSpan.FromSeconds(30));

        var run = await launcher.LaunchAsync(Drift, CancellationToken.None);

        Assert.False(run.Succeeded);
        Assert.Null(run.ChallengerVersion);
        Assert.Contains("failed: States.TaskFailed: train_supervised_classifier: out of memory", run.Detail, StringComparison.Ordinal);
    }

    private static string WaitingHistory()
    {
        var parameters = new JsonObject
        {
            ["FunctionName"] = "arn:aws:lambda:us-east-1:1:function:mlops-agent-request_approval",
            ["Payload"] = new JsonObject { ["execution_id"] = ExecutionArn, ["state"] = "WaitForOptimizationApproval", ["task_token"] = "token-1", ["context"] = new JsonObject() },
        };
        var events = new JsonArray
        {
            new JsonObject { ["id"] = 1, ["type"] = "ExecutionStarted", ["timestamp"] = 1767582000.0, ["executionStartedEventDetails"] = new JsonObject { ["input"] = "{}" } },
            new JsonObject { ["id"] = 2, ["type"] = "TaskStateEntered", ["timestamp"] = 1767582001.0, ["previousEventId"] = 1, ["stateEnteredEventDetails"] = new JsonObject { ["name"] = "WaitForOptimizationApproval" } },
            new JsonObject { ["id"] = 3, ["type"] = "TaskScheduled", ["timestamp"] = 1767582001.1, ["previousEventId"] = 2, ["taskScheduledEventDetails"] = new JsonObject { ["resourceType"] = "lambda", ["resource"] = "invoke.waitForTaskToken", ["region"] = "us-east-1", ["parameters"] = parameters.ToJsonString() } },
        };
        return new JsonObject { ["events"] = events }.ToJsonString();
    }
}
