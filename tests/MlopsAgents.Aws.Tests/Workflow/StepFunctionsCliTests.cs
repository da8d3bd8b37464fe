using System.Text.Json.Nodes;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Aws.Tests.Workflow;

/// <summary>
/// The workflow commands with MLOPS_WORKFLOW_BACKEND=stepfunctions through the real <c>mlops</c> process against the
/// Kestrel stub: each operation's X-Amz-Target and body, and what the command prints and returns.
/// </summary>
public sealed class StepFunctionsCliTests
{
    private const string MachineArn = "arn:aws:states:us-east-1:111122223333:stateMachine:mlops-dev-training";
    private const string ExecutionPrefix = "arn:aws:states:us-east-1:111122223333:execution:mlops-dev-training:";
    private const string Token = "AQCEAAAAKgAAAA-token";

    [Fact]
    public async Task WorkflowStart_StepFunctions_StartsExecutionNamedAfterTheIssueWithTheWorkflowInput()
    {
        await using var stub = await AwsStub.StartAsync();
        using var dir = new TempDir();
        stub.Reply(StubResponse.Ok($$"""{"executionArn":"{{ExecutionPrefix}}issue-breast-cancer-x","startDate":1700000000}"""));

        var (code, stdout, stderr) = MlopsCli.Run(Environment(dir.Path, stub), TimeSpan.FromMinutes(2), "workflow", "start", Issue());

        Assert.True(code == 0, stderr);
        var request = Assert.Single(stub.Requests);
        Assert.Equal("AWSStepFunctions.StartExecution", request.Header("x-amz-target"));
        Assert.Equal("application/x-amz-json-1.0", request.Header("content-type"));
        Assert.Null(request.SignatureProblem);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal(MachineArn, body["stateMachineArn"]!.GetValue<string>());
        var name = body["name"]!.GetValue<string>();
        Assert.Matches("^issue-breast-cancer-[0-9a-f]{16}$", name);
        var input = JsonNode.Parse(body["input"]!.GetValue<string>())!;
        Assert.Equal("xgboost", input["request"]!["algorithm"]!.GetValue<string>());
        Assert.Equal("breast-cancer-classifier", input["request"]!["model_name"]!.GetValue<string>());
        Assert.Contains("dataset_id: dataset-bc-001", input["request_text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, input["config"]!["max_retry"]!.GetValue<int>());
        Assert.Equal(0, input["retry"]!["count"]!.GetValue<int>());
        Assert.Contains($"{ExecutionPrefix}issue-breast-cancer-x\tRUNNING\t{name}", stdout, StringComparison.Ordinal);
        Assert.Contains($"mlops approve {name}", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowStart_ExecutionAlreadyExists_ReportsTheExistingExecution()
    {
        await using var stub = await AwsStub.StartAsync();
        using var dir = new TempDir();
        stub.Reply(
            StubResponse.Error(400, "ExecutionAlreadyExists", "Execution Already Exists: 'arn:…'"),
            StubResponse.Ok($$"""{"executionArn":"{{ExecutionPrefix}}issue-breast-cancer-1","name":"issue-breast-cancer-1","status":"SUCCEEDED","startDate":1700000000,"stopDate":1700000100}"""));

        var (code, stdout, stderr) = MlopsCli.Run(Environment(dir.Path, stub), TimeSpan.FromMinutes(2), "workflow", "start", Issue());

        Assert.True(code == 0, stderr);
        Assert.Equal(["AWSStepFunctions.StartExecution", "AWSStepFunctions.DescribeExecution"], stub.Requests.Select(r => r.Header("x-amz-target")));
        var name = JsonNode.Parse(stub.Requests[0].Body)!["name"]!.GetValue<string>();
        Assert.Equal(ExecutionPrefix + name, JsonNode.Parse(stub.Requests[1].Body)!["executionArn"]!.GetValue<string>());
        Assert.Contains($"{ExecutionPrefix}issue-breast-cancer-1\tSUCCEEDED", stdout, StringComparison.Ordinal);
        Assert.Contains("already started", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approve_WaitingExecution_SendsTaskSuccessWithTheTokenAfterAThrottledCall()
    {
        await using var stub = await AwsStub.StartAsync();
        using var dir = new TempDir();
        stub.Reply(
            StubResponse.Error(400, "ThrottlingException", "Rate exceeded"),
            WaitingHistory(),
            StubResponse.Ok("{}"),
            Described("RUNNING"));

        var (code, stdout, stderr) = MlopsCli.Run(Environment(dir.Path, stub), TimeSpan.FromMinutes(2), "approve", "issue-42", "--user", "alice");

        Assert.True(code == 0, stderr);
        Assert.Equal(
            ["AWSStepFunctions.GetExecutionHistory", "AWSStepFunctions.GetExecutionHistory", "AWSStepFunctions.SendTaskSuccess", "AWSStepFunctions.DescribeExecution"],
            stub.Requests.Select(r => r.Header("x-amz-target")));
        Assert.Equal(ExecutionPrefix + "issue-42", JsonNode.Parse(stub.Requests[1].Body)!["executionArn"]!.GetValue<string>());
        var success = JsonNode.Parse(stub.Requests[2].Body)!;
        Assert.Equal(Token, success["taskToken"]!.GetValue<string>());
        var output = JsonNode.Parse(success["output"]!.GetValue<string>())!;
        Assert.True(output["approved"]!.GetValue<bool>());
        Assert.Equal("alice", output["by"]!.GetValue<string>());
        Assert.Contains("approved WaitForOptimizationApproval as alice", stdout, StringComparison.Ordinal);
        Assert.Contains($"{ExecutionPrefix}issue-42\tRUNNING", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reject_WaitingExecution_SendsTaskFailureWithTheRejectedErrorAndReason()
    {
        await using var stub = await AwsStub.StartAsync();
        using var dir = new TempDir();
        stub.Reply(WaitingHistory(), StubResponse.Ok("{}"), Described("FAILED"));

        var (code, stdout, stderr) = MlopsCli.Run(Environment(dir.Path, stub), TimeSpan.FromMinutes(2), "reject", ExecutionPrefix + "issue-42", "--user", "bob", "--reason", "too costly");

        Assert.True(code == 0, stderr);
        Assert.Equal("AWSStepFunctions.SendTaskFailure", stub.Requests[1].Header("x-amz-target"));
        var failure = JsonNode.Parse(stub.Requests[1].Body)!;
        Assert.Equal(Token, failure["taskToken"]!.GetValue<string>());
        Assert.Equal("Mlops.ApprovalRejected", failure["error"]!.GetValue<string>());
        Assert.Equal("bob", JsonNode.Parse(failure["cause"]!.GetValue<string>())!["by"]!.GetValue<string>());
        Assert.Equal("too costly", JsonNode.Parse(failure["cause"]!.GetValue<string>())!["reason"]!.GetValue<string>());
        Assert.Contains($"{ExecutionPrefix}issue-42\tFAILED", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approve_NothingWaiting_ExitsTwoWithoutSendingATask()
    {
        await using var stub = await AwsStub.StartAsync();
        using var dir = new TempDir();
        stub.Reply(StubResponse.Ok("""{"events":[{"id":1,"type":"ExecutionStarted","timestamp":1700000000.0,"executionStartedEventDetails":{"input":"{}"}}]}"""));

        var (code, _, stderr) = MlopsCli.Run(Environment(dir.Path, stub), TimeSpan.FromMinutes(2), "approve", "issue-42");

        Assert.Equal(2, code);
        Assert.Contains("EXECUTION: 'issue-42' → an execution waiting for an answer", stderr, StringComparison.Ordinal);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task ExecutionsList_StepFunctions_ListsOldestFirstWithTheStatusFilter()
    {
        await using var stub = await AwsStub.StartAsync();
        using var dir = new TempDir();
        stub.Reply(StubResponse.Ok($$"""
            {"executions":[
              {"executionArn":"{{ExecutionPrefix}}issue-b","stateMachineArn":"{{MachineArn}}","name":"issue-b","status":"RUNNING","startDate":1700000200},
              {"executionArn":"{{ExecutionPrefix}}issue-a","stateMachineArn":"{{MachineArn}}","name":"issue-a","status":"RUNNING","startDate":1700000100}]}
            """));

        var (code, stdout, stderr) = MlopsCli.Run(Environment(dir.Path, stub), TimeSpan.FromMinutes(2), "executions", "list", "--status", "running");

        Assert.True(code == 0, stderr);
        var body = JsonNode.Parse(Assert.Single(stub.Requests).Body)!;
        Assert.Equal("RUNNING", body["statusFilter"]!.GetValue<string>());
        Assert.Equal(MachineArn, body["stateMachineArn"]!.GetValue<string>());
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"{ExecutionPrefix}issue-a\tRUNNING\tissue-a\t2023-11-14T22:15:00", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{ExecutionPrefix}issue-b\tRUNNING", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecutionsDescribe_WaitingExecution_PrintsStatusStateAndTheQuestionAsJson()
    {
        await using var stub = await AwsStub.StartAsync();
        using var dir = new TempDir();
        var described = JsonNode.Parse(Described("RUNNING").Body)!.AsObject();
        described["input"] = """{"request":{"model_name":"churn"}}""";
        stub.Reply(StubResponse.Ok(described.ToJsonString()), WaitingHistory());

        var (code, stdout, stderr) = MlopsCli.Run(Environment(dir.Path, stub), TimeSpan.FromMinutes(2), "executions", "describe", "issue-42");

        Assert.True(code == 0, stderr);
        Assert.Equal(["AWSStepFunctions.DescribeExecution", "AWSStepFunctions.GetExecutionHistory"], stub.Requests.Select(r => r.Header("x-amz-target")));
        var json = JsonNode.Parse(stdout)!;
        Assert.Equal(ExecutionPrefix + "issue-42", json["execution_id"]!.GetValue<string>());
        Assert.Equal("RUNNING", json["status"]!.GetValue<string>());
        Assert.Equal("WaitForOptimizationApproval", json["current_state"]!.GetValue<string>());
        Assert.Equal("WaitForOptimizationApproval", json["waiting_for_answer"]!.GetValue<string>());
        Assert.Equal("churn", json["input"]!["request"]!["model_name"]!.GetValue<string>());
        Assert.Equal(3, json["history"]!.AsArray().Count);
    }

    [Fact]
    public async Task ExecutionsStop_UnknownExecution_ExitsTwoNamingIt()
    {
        await using var stub = await AwsStub.StartAsync();
        using var dir = new TempDir();
        stub.Reply(StubResponse.Error(400, "ExecutionDoesNotExist", "Execution Does Not Exist: 'arn:…:issue-9'"));

        var (code, _, stderr) = MlopsCli.Run(Environment(dir.Path, stub), TimeSpan.FromMinutes(2), "executions", "stop", "issue-9");

        Assert.Equal(2, code);
        Assert.Contains("EXECUTION: 'issue-9' → an execution of MLOPS_STATE_MACHINE_ARN", stderr, StringComparison.Ordinal);
        var request = Assert.Single(stub.Requests);
        Assert.Equal("AWSStepFunctions.StopExecution", request.Header("x-amz-target"));
        Assert.Equal(ExecutionPrefix + "issue-9", JsonNode.Parse(request.Body)!["executionArn"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("MLOPS_STATE_MACHINE_ARN", "", "MLOPS_STATE_MACHINE_ARN='' must be the state machine's ARN")]
    [InlineData("AWS_REGION", "", "AWS_REGION is not set")]
    public async Task WorkflowStart_StepFunctionsMisconfigured_ExitsTwoNamingTheVariable(string variable, string value, string expected)
    {
        await using var stub = await AwsStub.StartAsync();
        using var dir = new TempDir();
        var env = Environment(dir.Path, stub);
        env[variable] = value;

        var (code, _, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(2), "workflow", "start", Issue());

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task Watch_StepFunctions_RefusesToRunALocalWorkflow()
    {
        await using var stub = await AwsStub.StartAsync();
        using var dir = new TempDir();

        var (code, _, stderr) = MlopsCli.Run(Environment(dir.Path, stub), TimeSpan.FromMinutes(2), "watch", "--repo", "octo/repo", "--once");

        Assert.Equal(2, code);
        Assert.Contains("MLOPS_WORKFLOW_BACKEND='stepfunctions' → `mlops watch` runs executions on the local executor only", stderr, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    private static string Issue() => Path.Combine(AppContext.BaseDirectory, "examples", "breast-cancer.md");

    private static StubResponse Described(string status) =>
        StubResponse.Ok($$"""{"executionArn":"{{ExecutionPrefix}}issue-42","name":"issue-42","status":"{{status}}","startDate":1700000000}""");

    /// <summary>A history as Step Functions records a run that reached the optimization approval and now waits.</summary>
    private static StubResponse WaitingHistory()
    {
        var parameters = new JsonObject
        {
            ["FunctionName"] = "arn:aws:lambda:us-east-1:111122223333:function:mlops-agent-request_approval",
            ["Payload"] = new JsonObject { ["execution_id"] = ExecutionPrefix + "issue-42", ["state"] = "WaitForOptimizationApproval", ["task_token"] = Token, ["context"] = new JsonObject() },
        };
        var events = new JsonArray
        {
            new JsonObject { ["id"] = 1, ["type"] = "ExecutionStarted", ["timestamp"] = 1700000000.0, ["executionStartedEventDetails"] = new JsonObject { ["input"] = "{}" } },
            new JsonObject { ["id"] = 2, ["type"] = "TaskStateEntered", ["timestamp"] = 1700000001.1, ["previousEventId"] = 1, ["stateEnteredEventDetails"] = new JsonObject { ["name"] = "WaitForOptimizationApproval" } },
            new JsonObject { ["id"] = 3, ["type"] = "TaskScheduled", ["timestamp"] = 1700000001.2, ["previousEventId"] = 2, ["taskScheduledEventDetails"] = new JsonObject { ["resourceType"] = "lambda", ["resource"] = "invoke.waitForTaskToken", ["region"] = "us-east-1", ["parameters"] = parameters.ToJsonString() } },
        };
        return StubResponse.Ok(new JsonObject { ["events"] = events }.ToJsonString());
    }

    private static Dictionary<string, string?> Environment(string dir, AwsStub stub) => new()
    {
        ["MLOPS_HOME"] = System.IO.Path.Combine(dir, "home"),
        ["MLOPS_DATA_ROOT"] = System.IO.Path.Combine(AppContext.BaseDirectory, "examples"),
        ["MLOPS_WORKFLOW_BACKEND"] = "stepfunctions",
        ["MLOPS_STATE_MACHINE_ARN"] = MachineArn,
        ["MLOPS_AWS_ENDPOINT"] = stub.Endpoint.ToString(),
        ["AWS_REGION"] = "us-east-1",
        ["AWS_DEFAULT_REGION"] = "",
        ["AWS_ACCESS_KEY_ID"] = AwsStub.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = AwsStub.SecretKey,
    };

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("mlops-sfn-cli-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
