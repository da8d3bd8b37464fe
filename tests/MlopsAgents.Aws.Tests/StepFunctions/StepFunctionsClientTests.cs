using System.Text.Json.Nodes;
using MlopsAgents.Aws.StepFunctions;
using MlopsAgents.Aws.Tests.Support;

namespace MlopsAgents.Aws.Tests.StepFunctions;

public sealed class StepFunctionsClientTests
{
    private const string MachineArn = "arn:aws:states:us-east-1:111122223333:stateMachine:mlops-training";
    private const string ExecutionArn = "arn:aws:states:us-east-1:111122223333:execution:mlops-training:issue-42";

    private static string Definition() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "statemachine", "mlops-training.asl.json"));

    [Fact]
    public async Task CreateAndUpdateStateMachine_SameAslFile_SendsDefinitionAsString()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok($$"""{"stateMachineArn":"{{MachineArn}}","creationDate":1.7000000E9}"""), StubResponse.Ok("""{"updateDate":1.7000001E9}"""));
        using var clients = new StubClients(stub);
        var sfn = new StepFunctionsClient(clients.Client);

        var arn = await sfn.CreateStateMachineAsync("mlops-training", Definition(), "arn:aws:iam::111122223333:role/mlops-states");
        await sfn.UpdateStateMachineAsync(arn, Definition());

        Assert.Equal(["AWSStepFunctions.CreateStateMachine", "AWSStepFunctions.UpdateStateMachine"], stub.Requests.Select(r => r.Header("X-Amz-Target")));
        Assert.All(stub.Requests, r => Assert.Equal("application/x-amz-json-1.0", r.Header("Content-Type")));
        Assert.All(stub.Requests, r => Assert.Null(r.SignatureProblem));
        var create = JsonNode.Parse(stub.Requests[0].Body)!;
        Assert.Equal("STANDARD", create["type"]!.GetValue<string>());
        Assert.Equal(Definition(), create["definition"]!.GetValue<string>());
        Assert.Equal(MachineArn, JsonNode.Parse(stub.Requests[1].Body)!["stateMachineArn"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreateStateMachineAsync_DefinitionWithoutStates_IsRefusedBeforeAnyCall()
    {
        await using var stub = await AwsStub.StartAsync();
        using var clients = new StubClients(stub);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => new StepFunctionsClient(clients.Client).CreateStateMachineAsync("m", """{"Comment":"x"}""", "arn:r"));

        Assert.Contains("StartAt and States", e.Message);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task ExecutionLifecycle_StartDescribeHistoryTokensStop_SendsEachOperation()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(
            StubResponse.Ok($$"""{"executionArn":"{{ExecutionArn}}","startDate":1700000000.5}"""),
            StubResponse.Ok($$"""{"executionArn":"{{ExecutionArn}}","stateMachineArn":"{{MachineArn}}","status":"RUNNING","startDate":1700000000.5}"""),
            StubResponse.Ok("""{"events":[{"id":1,"type":"ExecutionStarted","timestamp":1700000000.5,"executionStartedEventDetails":{"input":"{}"}}],"nextToken":"t2"}"""),
            StubResponse.Ok("""{"events":[{"id":2,"type":"TaskScheduled","timestamp":1700000001.0,"previousEventId":1,"taskScheduledEventDetails":{"resourceType":"lambda"}}]}"""),
            StubResponse.Ok("{}"),
            StubResponse.Ok("{}"),
            StubResponse.Ok("""{"stopDate":1700000009.0}"""));
        using var clients = new StubClients(stub);
        var sfn = new StepFunctionsClient(clients.Client);

        var execution = await sfn.StartExecutionAsync(MachineArn, new JsonObject { ["request"] = new JsonObject { ["model_name"] = "churn" } }, "issue-42");
        var described = await sfn.DescribeExecutionAsync(execution);
        var history = await sfn.GetExecutionHistoryAsync(execution);
        await sfn.SendTaskSuccessAsync("token-1", new JsonObject { ["approved"] = true });
        await sfn.SendTaskFailureAsync("token-2", "Mlops.ApprovalRejected", "rejected by @maintainer");
        await sfn.StopExecutionAsync(execution, "Mlops.Cancelled", "closed issue");

        Assert.Equal(
            ["StartExecution", "DescribeExecution", "GetExecutionHistory", "GetExecutionHistory", "SendTaskSuccess", "SendTaskFailure", "StopExecution"],
            stub.Requests.Select(r => r.Header("X-Amz-Target")!.Replace("AWSStepFunctions.", string.Empty, StringComparison.Ordinal)));
        var start = JsonNode.Parse(stub.Requests[0].Body)!;
        Assert.Equal("issue-42", start["name"]!.GetValue<string>());
        Assert.Equal("""{"request":{"model_name":"churn"}}""", start["input"]!.GetValue<string>());
        Assert.Equal("RUNNING", described.Status);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000500), described.StartDate);
        Assert.Equal("t2", JsonNode.Parse(stub.Requests[3].Body)!["nextToken"]!.GetValue<string>());
        Assert.Equal(["ExecutionStarted", "TaskScheduled"], history.Select(e => e.Type));
        Assert.Equal("lambda", history[1].Detail["resourceType"]!.GetValue<string>());
        Assert.Equal("""{"taskToken":"token-1","output":"{\u0022approved\u0022:true}"}""", stub.Requests[4].Body);
        Assert.Equal("Mlops.ApprovalRejected", JsonNode.Parse(stub.Requests[5].Body)!["error"]!.GetValue<string>());
        Assert.Equal(ExecutionArn, JsonNode.Parse(stub.Requests[6].Body)!["executionArn"]!.GetValue<string>());
    }

    [Fact]
    public async Task StartExecutionAsync_ExecutionAlreadyExists_IsAConflictWithAwsMessage()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Error(400, "ExecutionAlreadyExists", "Execution Already Exists: 'issue-42'"));
        using var clients = new StubClients(stub);

        var e = await Assert.ThrowsAsync<MlopsAgents.Aws.Http.AwsServiceException>(() => new StepFunctionsClient(clients.Client).StartExecutionAsync(MachineArn, [], "issue-42"));

        Assert.Equal(MlopsAgents.Aws.Http.AwsErrorKind.Conflict, e.Kind);
        Assert.Contains("Execution Already Exists: 'issue-42'", e.Message);
    }
}
