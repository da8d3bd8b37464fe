using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using MlopsAgents.Aws.Tests.Support;
using static MlopsAgents.Aws.Tests.Support.McpStdio;
using MlopsAgents.Tests.Support;
using ModelContextProtocol.Client;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace MlopsAgents.Aws.Tests.McpTools;

/// <summary>
/// The AWS tools through the real <c>mlops-mcp</c> over stdio: SageMaker and Step Functions calls go to the signed Kestrel
/// stub (MLOPS_AWS_ENDPOINT), which records each operation's target and body; data goes to s3rver.
/// </summary>
public sealed class AwsWorkflowToolsTests(S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    private const string MachineArn = "arn:aws:states:us-east-1:111122223333:stateMachine:mlops-dev-training";
    private const string ExecutionPrefix = "arn:aws:states:us-east-1:111122223333:execution:mlops-dev-training:";
    private const string Token = "AQCEAAAAKgAAAA-token";
    private const string ModelKey = "team/fixtures/model.tar.gz";
    private const string PackageArn = "arn:aws:sagemaker:us-east-1:111122223333:model-package/breast-cancer-classifier/1";
    private readonly SageMakerTestBed bed = new(s3rver, "mlops-tools-", ModelKey, "xgboost model bytes"u8.ToArray(), ExampleDataset.BreastCancer);

    private string Bucket => bed.Bucket;

    [Fact]
    public async Task StartTrainingJob_SageMakerBackend_CreatesTheXgboostJobAndReturnsWithoutWaiting()
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir.Path, stub);
        stub.Reply(StubResponse.Ok("""{"TrainingJobArn":"arn:aws:sagemaker:us-east-1:111122223333:training-job/j"}"""));
        await using var client = await StartServerAsync(env, allowWrite: true);

        var result = Ok(await client.CallToolAsync("start_training_job", Args(("request", await File.ReadAllTextAsync(Path.Combine(SageMakerTestBed.Examples, "breast-cancer.md"))))));

        // One call: CreateTrainingJob, and no DescribeTrainingJob poll, so the tool did not wait for the job.
        var create = Assert.Single(stub.Requests);
        Assert.Equal("SageMaker.CreateTrainingJob", create.Header("x-amz-target"));
        var body = JsonNode.Parse(create.Body)!;
        var job = bed.AssertXgboostSpotJob(body);
        Assert.Equal("f1", body["HyperParameters"]!["eval_metric"]!.GetValue<string>());
        var trainUri = bed.TrainChannel(job);

        Assert.Equal(job, result["job_name"]!.GetValue<string>());
        Assert.Equal("arn:aws:sagemaker:us-east-1:111122223333:training-job/j", result["job_arn"]!.GetValue<string>());
        Assert.Equal("InProgress", result["status"]!.GetValue<string>());
        Assert.Equal("ml.m5.xlarge", result["resources"]!["training_instance_type"]!.GetValue<string>());
        Assert.Equal(trainUri, result["train_channel"]!.GetValue<string>());
        Assert.Equal($"s3://{Bucket}/team/checkpoints/{job}/", result["checkpoint_s3_uri"]!.GetValue<string>());
        Assert.Equal("validation:f1", result["judged_metric"]!.GetValue<string>());

        // The channel the job reads is on the store: the built-in's CSV, label first.
        using var s3 = s3rver.CreateClient();
        using var train = await s3.GetObjectAsync(Bucket, trainUri[$"s3://{Bucket}/".Length..] + "train.csv");
        Assert.Matches("^[01],", new StreamReader(train.ResponseStream).ReadLine()!);
    }

    [Theory]
    [InlineData("InProgress", "Training", false, false)]
    [InlineData("Completed", "Completed", true, true)]
    [InlineData("Failed", "Failed", true, false)]
    public async Task DescribeTrainingJob_JobState_MapsStatusMetricsAndFailure(string status, string secondary, bool finished, bool succeeded)
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareBucketAsync(dir.Path, stub);
        stub.Reply(StubResponse.Ok(new JsonObject
        {
            ["TrainingJobName"] = "mlops-train-1",
            ["TrainingJobStatus"] = status,
            ["SecondaryStatus"] = secondary,
            ["FailureReason"] = status == "Failed" ? "ClientError: label outside [0, num_class)" : null,
            ["ModelArtifacts"] = status == "Completed" ? new JsonObject { ["S3ModelArtifacts"] = $"s3://{Bucket}/team/models/_sagemaker/mlops-train-1/output/model.tar.gz" } : null,
            ["BillableTimeInSeconds"] = status == "Completed" ? 95 : null,
            ["FinalMetricDataList"] = status == "Completed" ? new JsonArray(new JsonObject { ["MetricName"] = "validation:f1", ["Value"] = 0.95, ["Timestamp"] = 1.7e9 }) : null,
        }.ToJsonString()));
        await using var client = await StartServerAsync(env, allowWrite: false);

        var result = Ok(await client.CallToolAsync("describe_training_job", Args(("job_name", "mlops-train-1"))));

        var call = Assert.Single(stub.Requests);
        Assert.Equal("SageMaker.DescribeTrainingJob", call.Header("x-amz-target"));
        Assert.Equal("mlops-train-1", JsonNode.Parse(call.Body)!["TrainingJobName"]!.GetValue<string>());
        Assert.Equal(status, result["status"]!.GetValue<string>());
        Assert.Equal(secondary, result["secondary_status"]!.GetValue<string>());
        Assert.Equal(finished, result["finished"]!.GetValue<bool>());
        Assert.Equal(succeeded, result["succeeded"]!.GetValue<bool>());
        Assert.Equal(status == "Failed" ? "ClientError: label outside [0, num_class)" : null, result["failure_reason"]?.GetValue<string>());
        Assert.Equal(succeeded ? $"s3://{Bucket}/team/models/_sagemaker/mlops-train-1/output/model.tar.gz" : null, result["model_artifact"]?.GetValue<string>());
        Assert.Equal(succeeded ? 0.95 : null, result["final_metrics"]!["validation:f1"]?.GetValue<double>());
    }

    [Fact]
    public async Task StartWorkflowExecution_StepFunctions_StartsNamedExecutionWithTheWorkflowInput()
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok($$"""{"executionArn":"{{ExecutionPrefix}}issue-x","startDate":1700000000}"""));
        await using var client = await StartServerAsync(StepFunctionsEnvironment(dir.Path, stub), allowWrite: true);
        var text = await File.ReadAllTextAsync(Path.Combine(SageMakerTestBed.Examples, "breast-cancer.md"));

        var result = Ok(await client.CallToolAsync("start_workflow_execution", Args(("request", text), ("execution_name", "issue-42"))));

        var call = Assert.Single(stub.Requests);
        Assert.Equal("AWSStepFunctions.StartExecution", call.Header("x-amz-target"));
        Assert.Null(call.SignatureProblem);
        var body = JsonNode.Parse(call.Body)!;
        Assert.Equal(MachineArn, body["stateMachineArn"]!.GetValue<string>());
        Assert.Equal("issue-42", body["name"]!.GetValue<string>());
        var input = JsonNode.Parse(body["input"]!.GetValue<string>())!;
        Assert.Equal("dataset-bc-001", input["request"]!["dataset_id"]!.GetValue<string>());
        Assert.Equal(text, input["request_text"]!.GetValue<string>());
        Assert.Equal(0, input["retry"]!["count"]!.GetValue<int>());
        Assert.Equal($"{ExecutionPrefix}issue-x", result["execution_arn"]!.GetValue<string>());
        Assert.Equal("RUNNING", result["status"]!.GetValue<string>());
        Assert.False(result["already_existed"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("approve", "AWSStepFunctions.SendTaskSuccess")]
    [InlineData("reject", "AWSStepFunctions.SendTaskFailure")]
    public async Task AnswerWorkflowApproval_WaitingExecution_SendsTheTaskTokenAnswer(string decision, string operation)
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(WaitingHistory(), StubResponse.Ok("{}"));
        await using var client = await StartServerAsync(StepFunctionsEnvironment(dir.Path, stub), allowWrite: true);

        var result = Ok(await client.CallToolAsync("answer_workflow_approval", Args(("execution", "issue-42"), ("decision", decision), ("reason", "looks right"), ("by", "alice"))));

        Assert.Equal(["AWSStepFunctions.GetExecutionHistory", operation], stub.Requests.Select(r => r.Header("x-amz-target")));
        Assert.Equal(ExecutionPrefix + "issue-42", JsonNode.Parse(stub.Requests[0].Body)!["executionArn"]!.GetValue<string>());
        var answer = JsonNode.Parse(stub.Requests[1].Body)!;
        Assert.Equal(Token, answer["taskToken"]!.GetValue<string>());
        if (decision == "approve")
        {
            var output = JsonNode.Parse(answer["output"]!.GetValue<string>())!;
            Assert.True(output["approved"]!.GetValue<bool>());
            Assert.Equal("alice", output["by"]!.GetValue<string>());
            Assert.Equal("looks right", output["comment"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal("Mlops.ApprovalRejected", answer["error"]!.GetValue<string>());
            Assert.Contains("looks right", answer["cause"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        Assert.Equal("WaitForOptimizationApproval", result["state"]!.GetValue<string>());
        Assert.True(result["sent"]!.GetValue<bool>());
    }

    [Fact]
    public async Task DescribeWorkflowExecution_Waiting_ReportsTheStateWithoutTheToken()
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok($$"""{"executionArn":"{{ExecutionPrefix}}issue-42","name":"issue-42","status":"RUNNING","startDate":1700000000}"""), WaitingHistory());
        await using var client = await StartServerAsync(StepFunctionsEnvironment(dir.Path, stub), allowWrite: false);

        var call = await client.CallToolAsync("describe_workflow_execution", Args(("execution", "issue-42")));
        var result = Ok(call);

        Assert.Equal(["AWSStepFunctions.DescribeExecution", "AWSStepFunctions.GetExecutionHistory"], stub.Requests.Select(r => r.Header("x-amz-target")));
        Assert.Equal("RUNNING", result["status"]!.GetValue<string>());
        Assert.Equal("WaitForOptimizationApproval", result["waiting_for_approval"]!["state"]!.GetValue<string>());
        Assert.DoesNotContain(Token, call.StructuredContent!.Value.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployToEndpoint_NewEndpoint_StartsCreateEndpointAndReturnsWithoutWaiting()
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        var env = await TrainAndRegisterAsync(dir.Path, stub);
        var before = stub.Requests.Count;
        stub.Reply(
            StubResponse.Ok("""{"ModelArn":"arn:aws:sagemaker:us-east-1:111122223333:model/breast-cancer-classifier-1-0-0"}"""),
            StubResponse.Ok("""{"EndpointConfigArn":"arn:aws:sagemaker:us-east-1:111122223333:endpoint-config/breast-cancer-classifier-1-0-0"}"""),
            StubResponse.Ok("{}"),
            StubResponse.Ok("{}"),
            StubResponse.Error(400, "ValidationException", "Could not find endpoint \\\"breast-cancer-classifier\\\"."),
            StubResponse.Ok("""{"EndpointArn":"arn:aws:sagemaker:us-east-1:111122223333:endpoint/breast-cancer-classifier"}"""));
        await using var client = await StartServerAsync(env, allowWrite: true);

        var result = Ok(await client.CallToolAsync("deploy_to_endpoint", Args(("model_name", "breast-cancer-classifier"))));

        // CreateEndpoint is the last call: no DescribeEndpoint poll after it, so the tool did not wait for InService.
        var calls = stub.Requests.Skip(before).ToList();
        Assert.Equal(
            ["SageMaker.CreateModel", "SageMaker.CreateEndpointConfig", "GraniteServiceVersion20100801.PutMetricAlarm", "GraniteServiceVersion20100801.PutMetricAlarm",
             "SageMaker.DescribeEndpoint", "SageMaker.CreateEndpoint"],
            calls.Select(r => r.Header("x-amz-target")));
        Assert.Equal(PackageArn, JsonNode.Parse(calls[0].Body)!["PrimaryContainer"]!["ModelPackageName"]!.GetValue<string>());
        Assert.Equal("breast-cancer-classifier-1-0-0", JsonNode.Parse(calls[5].Body)!["EndpointConfigName"]!.GetValue<string>());
        Assert.Equal("breast-cancer-classifier", result["endpoint_name"]!.GetValue<string>());
        Assert.Equal("1.0.0", result["version"]!.GetValue<string>());
        Assert.True(result["created"]!.GetValue<bool>());
        Assert.Equal("Creating", result["status"]!.GetValue<string>());

        // The deployment is on record as `mlops deploy` records it, not yet settled.
        const string RecordKey = "team/models/breast-cancer-classifier/1.0.0/sagemaker_deployment.json";
        Assert.EndsWith(RecordKey, result["record"]!.GetValue<string>(), StringComparison.Ordinal);
        using var s3 = s3rver.CreateClient();
        using var stored = await s3.GetObjectAsync(Bucket, RecordKey);
        var record = JsonNode.Parse(await new StreamReader(stored.ResponseStream).ReadToEndAsync())!;
        Assert.Equal("1.0.0", record["version"]!.GetValue<string>());
        Assert.Equal("breast-cancer-classifier", record["endpoint"]!.GetValue<string>());
        Assert.Equal("breast-cancer-classifier-1-0-0", record["endpoint_config"]!.GetValue<string>());
        Assert.Equal(PackageArn, record["model_package_arn"]!.GetValue<string>());
        Assert.Equal("Creating", record["status"]!.GetValue<string>());
        Assert.False(record["settled"]!.GetValue<bool>());
        Assert.Null(record["deployed"]);
    }

    [Fact]
    public async Task StartWorkflowExecution_SameIdempotencyKeyTwice_StartsOnce()
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok($$"""{"executionArn":"{{ExecutionPrefix}}issue-42","startDate":1700000000}"""));
        await using var client = await StartServerAsync(StepFunctionsEnvironment(dir.Path, stub), allowWrite: true);
        var arguments = Args(("request", await File.ReadAllTextAsync(Path.Combine(SageMakerTestBed.Examples, "breast-cancer.md"))), ("execution_name", "issue-42"));
        var meta = new RequestOptions { Meta = new JsonObject { ["idempotency_key"] = "execution-1/StartTraining/1/1" } };

        var first = Ok(await client.CallToolAsync("start_workflow_execution", arguments, options: meta));
        var second = Ok(await client.CallToolAsync("start_workflow_execution", arguments, options: meta));

        Assert.Equal("AWSStepFunctions.StartExecution", Assert.Single(stub.Requests).Header("x-amz-target"));
        Assert.True(JsonNode.DeepEquals(first, second), $"{first} vs {second}");
    }

    [Fact]
    public async Task StartTrainingJob_AlgorithmSageMakerCannotTrain_ErrorNamesFieldBeforeAnyAwsCall()
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        await using var client = await StartServerAsync(await bed.PrepareBucketAsync(dir.Path, stub), allowWrite: true);
        // Supervised algorithms train on SageMaker (built-in XGBoost or scikit-learn script mode); reinforcement learning does not.
        const string request = "```yaml\nlearning_type: reinforcement\ntask_type: control\nalgorithm: ppo\nenvironment: cartpole\nevaluation_threshold: 475\n```\n";

        var result = await client.CallToolAsync("start_training_job", Args(("request", request)));

        var text = Error(result);
        Assert.Contains("algorithm: ppo →", text, StringComparison.Ordinal);
        Assert.Contains("MLOPS_TRAINING_BACKEND=sagemaker trains supervised xgboost requests", text, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task StartTrainingJob_DryRunOnReadOnlyServer_ReportsWithoutCallingAws()
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        await using var client = await StartServerAsync(await bed.PrepareBucketAsync(dir.Path, stub), allowWrite: false);

        var result = Ok(await client.CallToolAsync("start_training_job", Args(("request", await File.ReadAllTextAsync(Path.Combine(SageMakerTestBed.Examples, "breast-cancer.md"))), ("dry_run", true))));

        Assert.True(result["dry_run"]!.GetValue<bool>());
        Assert.Equal(SageMakerTestBed.Role, result["role_arn"]!.GetValue<string>());
        Assert.Contains("sagemaker-xgboost:1.7-1", result["training_image"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DescribeEndpoint_ExistingOrMissing_ReportsStatusOrAbsence(bool exists)
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareBucketAsync(dir.Path, stub);
        env["MLOPS_MODEL_REGISTRY"] = "sagemaker";
        env["MLOPS_DEPLOY_BACKEND"] = "sagemaker";
        stub.Reply(exists
            ? StubResponse.Ok("""{"EndpointName":"bc","EndpointStatus":"InService","EndpointConfigName":"bc-1-0-0"}""")
            : StubResponse.Error(400, "ValidationException", "Could not find endpoint bc."));
        await using var client = await StartServerAsync(env, allowWrite: false);

        var result = Ok(await client.CallToolAsync("describe_endpoint", Args(("endpoint_name", "bc"))));

        Assert.Equal("SageMaker.DescribeEndpoint", Assert.Single(stub.Requests).Header("x-amz-target"));
        Assert.Equal(exists, result["exists"]!.GetValue<bool>());
        Assert.Equal(exists ? "InService" : null, result["status"]?.GetValue<string>());
        Assert.Equal(exists ? "bc-1-0-0" : null, result["endpoint_config"]?.GetValue<string>());
        Assert.Equal(exists, result["settled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task DeployToEndpoint_LocalDeployBackend_ErrorNamesTheVariable()
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        await using var client = await StartServerAsync(StepFunctionsEnvironment(dir.Path, stub), allowWrite: true);

        var result = await client.CallToolAsync("deploy_to_endpoint", Args(("model_name", "breast-cancer-classifier")));

        var text = Error(result);
        Assert.Contains("MLOPS_DEPLOY_BACKEND: 'local' →", text, StringComparison.Ordinal);
        Assert.Contains("deploy_model", text, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Theory]
    [InlineData("start_training_job", "MLOPS_TRAINING_BACKEND: 'local' →", "train_supervised_classifier")]
    [InlineData("start_workflow_execution", "MLOPS_WORKFLOW_BACKEND: 'local' →", "mlops workflow start")]
    public async Task AwsTool_LocalBackend_ErrorNamesTheVariableAndTheLocalWay(string tool, string variable, string local)
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        var env = StepFunctionsEnvironment(dir.Path, stub);
        env["MLOPS_WORKFLOW_BACKEND"] = "local";
        env["MLOPS_STATE_MACHINE_ARN"] = "";
        await using var client = await StartServerAsync(env, allowWrite: true);

        var result = await client.CallToolAsync(tool, Args(("request", await File.ReadAllTextAsync(Path.Combine(SageMakerTestBed.Examples, "breast-cancer.md")))));

        var text = Error(result);
        Assert.Contains(variable, text, StringComparison.Ordinal);
        Assert.Contains(local, text, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task AnswerWorkflowApproval_UnknownDecision_ErrorNamesFieldValueAndAllowed()
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        await using var client = await StartServerAsync(StepFunctionsEnvironment(dir.Path, stub), allowWrite: true);

        var result = await client.CallToolAsync("answer_workflow_approval", Args(("execution", "issue-42"), ("decision", "maybe")));

        Assert.Contains("decision: 'maybe' → approve or reject", Error(result), StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Theory]
    [InlineData("start_training_job")]
    [InlineData("start_workflow_execution")]
    public async Task WriteTool_ReadOnlyServer_IsRefusedBeforeAnyAwsCall(string tool)
    {
        using var dir = new TempDir("mlops-aws-tools-");
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareBucketAsync(dir.Path, stub);
        env["MLOPS_WORKFLOW_BACKEND"] = "stepfunctions";
        env["MLOPS_STATE_MACHINE_ARN"] = MachineArn;
        await using var client = await StartServerAsync(env, allowWrite: false);

        var result = await client.CallToolAsync(tool, Args(("request", await File.ReadAllTextAsync(Path.Combine(SageMakerTestBed.Examples, "breast-cancer.md")))));

        Assert.Contains("--allow-write", Error(result), StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    /// <summary>`mlops run` on SageMaker against the stub, so breast-cancer-classifier 1.0.0 is registered as a model package.</summary>
    private async Task<Dictionary<string, string?>> TrainAndRegisterAsync(string dir, AwsStub stub)
    {
        var env = await bed.PrepareAsync(dir, stub);
        env["MLOPS_MODEL_REGISTRY"] = "sagemaker";
        stub.Reply(
            StubResponse.Ok("""{"TrainingJobArn":"arn:job"}"""),
            StubResponse.Ok(new JsonObject
            {
                ["TrainingJobName"] = "replayed",
                ["TrainingJobStatus"] = "Completed",
                ["SecondaryStatus"] = "Completed",
                ["ModelArtifacts"] = new JsonObject { ["S3ModelArtifacts"] = $"s3://{Bucket}/{ModelKey}" },
                ["FinalMetricDataList"] = new JsonArray(new JsonObject { ["MetricName"] = "validation:f1", ["Value"] = 0.95, ["Timestamp"] = 1.7e9 }),
            }.ToJsonString()),
            StubResponse.Ok("""{"ModelPackageGroupArn":"arn:group"}"""),
            StubResponse.Ok($$"""{"ModelPackageArn":"{{PackageArn}}"}"""),
            StubResponse.Ok($$"""{"ModelPackageArn":"{{PackageArn}}"}"""));
        var (code, stdout, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", Path.Combine(SageMakerTestBed.Examples, "breast-cancer.md"));
        Assert.True(code == 0, stderr + stdout);
        env["MLOPS_DEPLOY_BACKEND"] = "sagemaker";
        return env;
    }

    private static Dictionary<string, string?> StepFunctionsEnvironment(string dir, AwsStub stub) => new()
    {
        ["MLOPS_HOME"] = Path.Combine(dir, "home"),
        ["MLOPS_DATA_ROOT"] = SageMakerTestBed.Examples,
        ["MLOPS_ARTIFACT_STORE"] = "",
        ["MLOPS_TRAINING_BACKEND"] = "",
        ["MLOPS_MODEL_REGISTRY"] = "",
        ["MLOPS_DEPLOY_BACKEND"] = "",
        ["MLOPS_WORKFLOW_BACKEND"] = "stepfunctions",
        ["MLOPS_STATE_MACHINE_ARN"] = MachineArn,
        ["MLOPS_AWS_ENDPOINT"] = stub.Endpoint.ToString(),
        ["AWS_REGION"] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = AwsStub.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = AwsStub.SecretKey,
    };

    /// <summary>A history as Step Functions records a run that reached the optimization approval and now waits.</summary>
    private static StubResponse WaitingHistory()
    {
        var parameters = new JsonObject
        {
            ["FunctionName"] = "arn:aws:lambda:us-east-1:111122223333:function:mlops-agent-request_approval",
            ["Payload"] = new JsonObject { ["execution_id"] = ExecutionPrefix + "issue-42", ["state"] = "WaitForOptimizationApproval", ["task_token"] = Token, ["context"] = new JsonObject { ["question"] = "apply the proposal?" } },
        };
        var events = new JsonArray
        {
            new JsonObject { ["id"] = 1, ["type"] = "ExecutionStarted", ["timestamp"] = 1700000000.0, ["executionStartedEventDetails"] = new JsonObject { ["input"] = "{}" } },
            new JsonObject { ["id"] = 2, ["type"] = "TaskStateEntered", ["timestamp"] = 1700000001.1, ["previousEventId"] = 1, ["stateEnteredEventDetails"] = new JsonObject { ["name"] = "WaitForOptimizationApproval" } },
            new JsonObject { ["id"] = 3, ["type"] = "TaskScheduled", ["timestamp"] = 1700000001.2, ["previousEventId"] = 2, ["taskScheduledEventDetails"] = new JsonObject { ["resourceType"] = "lambda", ["resource"] = "invoke.waitForTaskToken", ["region"] = "us-east-1", ["parameters"] = parameters.ToJsonString() } },
        };
        return StubResponse.Ok(new JsonObject { ["events"] = events }.ToJsonString());
    }
}
