using System.Text.Json.Nodes;
using MlopsAgents.Aws.StepFunctions;
using MlopsAgents.Aws.Tests.Support;

namespace MlopsAgents.Aws.Tests.StepFunctions;

public sealed class StepFunctionsWorkflowServiceTests
{
    private const string MachineArn = "arn:aws:states:us-east-1:1:stateMachine:mlops-dev-training";
    private const string ExecutionArn = "arn:aws:states:us-east-1:1:execution:mlops-dev-training:issue-42";

    /// <summary>A history as Step Functions records a run that reached the optimization approval and now waits.</summary>
    private static StubResponse WaitingHistory(bool answered)
    {
        var parameters = new JsonObject
        {
            ["FunctionName"] = "arn:aws:lambda:us-east-1:1:function:mlops-agent-request_approval",
            ["Payload"] = new JsonObject { ["execution_id"] = ExecutionArn, ["state"] = "WaitForOptimizationApproval", ["task_token"] = "AQCEAAAAKgAAAA-token", ["context"] = new JsonObject { ["request"] = new JsonObject { ["model_name"] = "churn" } } },
        };
        var events = new JsonArray
        {
            new JsonObject { ["id"] = 1, ["type"] = "ExecutionStarted", ["timestamp"] = 1700000000.0, ["executionStartedEventDetails"] = new JsonObject { ["input"] = "{}" } },
            new JsonObject { ["id"] = 2, ["type"] = "TaskStateEntered", ["timestamp"] = 1700000000.1, ["previousEventId"] = 1, ["stateEnteredEventDetails"] = new JsonObject { ["name"] = "OptimizeWorkflow" } },
            new JsonObject { ["id"] = 3, ["type"] = "TaskScheduled", ["timestamp"] = 1700000000.2, ["previousEventId"] = 2, ["taskScheduledEventDetails"] = new JsonObject { ["resourceType"] = "lambda", ["resource"] = "invoke", ["region"] = "us-east-1", ["parameters"] = "{}" } },
            new JsonObject { ["id"] = 4, ["type"] = "TaskSucceeded", ["timestamp"] = 1700000001.0, ["previousEventId"] = 3, ["taskSucceededEventDetails"] = new JsonObject { ["output"] = "{}" } },
            new JsonObject { ["id"] = 5, ["type"] = "TaskStateEntered", ["timestamp"] = 1700000001.1, ["previousEventId"] = 4, ["stateEnteredEventDetails"] = new JsonObject { ["name"] = "WaitForOptimizationApproval" } },
            new JsonObject { ["id"] = 6, ["type"] = "TaskScheduled", ["timestamp"] = 1700000001.2, ["previousEventId"] = 5, ["taskScheduledEventDetails"] = new JsonObject { ["resourceType"] = "lambda", ["resource"] = "invoke.waitForTaskToken", ["region"] = "us-east-1", ["parameters"] = parameters.ToJsonString() } },
            new JsonObject { ["id"] = 7, ["type"] = "TaskStarted", ["timestamp"] = 1700000001.3, ["previousEventId"] = 6, ["taskStartedEventDetails"] = new JsonObject { ["resourceType"] = "lambda", ["resource"] = "invoke.waitForTaskToken" } },
        };
        if (answered)
        {
            events.Add(new JsonObject { ["id"] = 8, ["type"] = "TaskSucceeded", ["timestamp"] = 1700000100.0, ["previousEventId"] = 7, ["taskSucceededEventDetails"] = new JsonObject { ["output"] = "{}" } });
        }

        return StubResponse.Ok(new JsonObject { ["events"] = events }.ToJsonString());
    }

    [Fact]
    public async Task StartAsync_Request_SendsTheDefinitionsInputShapeWithIssueName()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok($$"""{"executionArn":"{{ExecutionArn}}","startDate":1700000000}"""));
        using var clients = new StubClients(stub);
        var workflow = new StepFunctionsWorkflowService(new StepFunctionsClient(clients.Client), MachineArn);

        await workflow.StartAsync("issue-42", new JsonObject { ["model_name"] = "churn" }, maxRetry: 2);

        var body = JsonNode.Parse(stub.Requests[0].Body)!;
        Assert.Equal("issue-42", body["name"]!.GetValue<string>());
        Assert.Equal("""{"request":{"model_name":"churn"},"config":{"max_retry":2},"retry":{"count":0}}""", body["input"]!.GetValue<string>());
    }

    [Fact]
    public async Task FindPendingApprovalAsync_WaitingExecution_ReturnsStateTokenAndContext()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(WaitingHistory(answered: false));
        using var clients = new StubClients(stub);
        var workflow = new StepFunctionsWorkflowService(new StepFunctionsClient(clients.Client), MachineArn);

        var pending = await workflow.FindPendingApprovalAsync(ExecutionArn);

        Assert.NotNull(pending);
        Assert.Equal("WaitForOptimizationApproval", pending.StateName);
        Assert.Equal("AQCEAAAAKgAAAA-token", pending.TaskToken);
        Assert.Equal("churn", pending.Context!["request"]!["model_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task FindPendingApprovalAsync_AlreadyAnswered_ReturnsNull()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(WaitingHistory(answered: true));
        using var clients = new StubClients(stub);

        var pending = await new StepFunctionsWorkflowService(new StepFunctionsClient(clients.Client), MachineArn).FindPendingApprovalAsync(ExecutionArn);

        Assert.Null(pending);
    }

    [Fact]
    public async Task ApproveAndReject_PendingTask_SendTaskSuccessAndTheCaughtError()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok("{}"), StubResponse.Ok("{}"));
        using var clients = new StubClients(stub);
        var workflow = new StepFunctionsWorkflowService(new StepFunctionsClient(clients.Client), MachineArn);
        var task = new PendingTask("WaitForOptimizationApproval", "tok", null);

        await workflow.ApproveAsync(task, "@maintainer", "looks good");
        await workflow.RejectAsync(task, "@maintainer", "too slow");

        Assert.Equal("AWSStepFunctions.SendTaskSuccess", stub.Requests[0].Header("X-Amz-Target"));
        Assert.Equal("""{"approved":true,"by":"@maintainer","comment":"looks good"}""", JsonNode.Parse(stub.Requests[0].Body)!["output"]!.GetValue<string>());
        var failure = JsonNode.Parse(stub.Requests[1].Body)!;
        Assert.Equal("AWSStepFunctions.SendTaskFailure", stub.Requests[1].Header("X-Amz-Target"));
        Assert.Equal("Mlops.ApprovalRejected", failure["error"]!.GetValue<string>());
        Assert.Contains("too slow", failure["cause"]!.GetValue<string>());
    }

    [Fact]
    public void RejectedError_IsTheErrorTheDefinitionRefusesToRetry()
    {
        var asl = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "statemachine", "mlops-training.asl.json")))!;

        var retry = asl["States"]!["WaitForOptimizationApproval"]!["Retry"]!.AsArray();

        Assert.Contains(retry, r => r!["ErrorEquals"]!.AsArray().Any(e => e!.GetValue<string>() == StepFunctionsWorkflowService.RejectedError) && r["MaxAttempts"]!.GetValue<int>() == 0);
    }
}
