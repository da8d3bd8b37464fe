using System.Text;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Aws.Tests.Workflow;

/// <summary>
/// <c>mlops run</c> with MLOPS_TRAINING_BACKEND=sagemaker and <c>mlops deploy</c> with MLOPS_DEPLOY_BACKEND=sagemaker
/// through the real process: phase 1 writes the channels to s3rver, the SageMaker and CloudWatch calls go to the Kestrel
/// stub (MLOPS_AWS_ENDPOINT), which checks each operation's target and body and replays the job's and endpoint's states.
/// </summary>
public sealed class SageMakerCliTests(S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    private const string ModelKey = "team/fixtures/model.tar.gz";
    private const string PackageArn = "arn:aws:sagemaker:us-east-1:111122223333:model-package/breast-cancer-classifier/1";
    private static readonly byte[] ModelBytes = Encoding.UTF8.GetBytes("xgboost model bytes as SageMaker left them");
    private readonly SageMakerTestBed bed = new(s3rver, "mlops-sm-", ModelKey, ModelBytes, ExampleDataset.BreastCancer);

    private string Bucket => bed.Bucket;

    [Fact]
    public async Task Run_SageMakerBackend_TrainsOnSpotJudgesAndRegistersApprovedPackage()
    {
        using var temp = new TempDir("mlops-sm-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir, stub);
        env["MLOPS_MODEL_REGISTRY"] = "sagemaker";
        stub.Reply(
            StubResponse.Ok("""{"TrainingJobArn":"arn:aws:sagemaker:us-east-1:111122223333:training-job/j"}"""),
            StubResponse.Error(400, "ThrottlingException", "Rate exceeded"),
            Job("InProgress"),
            Job("Completed"),
            StubResponse.Ok("""{"ModelPackageGroupArn":"arn:aws:sagemaker:us-east-1:111122223333:model-package-group/breast-cancer-classifier"}"""),
            StubResponse.Ok("""{"ModelPackageArn":"arn:aws:sagemaker:us-east-1:111122223333:model-package/breast-cancer-classifier/1"}"""),
            StubResponse.Ok("""{"ModelPackageArn":"arn:aws:sagemaker:us-east-1:111122223333:model-package/breast-cancer-classifier/1"}"""));

        var (code, stdout, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", Path.Combine(AppContext.BaseDirectory, "examples", "breast-cancer.md"));

        Assert.True(code == 0, stderr + stdout);
        Assert.Equal(
            ["SageMaker.CreateTrainingJob", "SageMaker.DescribeTrainingJob", "SageMaker.DescribeTrainingJob", "SageMaker.DescribeTrainingJob",
             "SageMaker.CreateModelPackageGroup", "SageMaker.CreateModelPackage", "SageMaker.UpdateModelPackage"],
            stub.Requests.Select(r => r.Header("x-amz-target")));
        var create = JsonNode.Parse(stub.Requests[0].Body)!;
        var job = bed.AssertXgboostSpotJob(create);
        Assert.Equal(7200, create["StoppingCondition"]!["MaxWaitTimeInSeconds"]!.GetValue<int>());
        var hp = create["HyperParameters"]!;
        Assert.Equal("100", hp["num_round"]!.GetValue<string>());
        Assert.Equal("5", hp["max_depth"]!.GetValue<string>());
        Assert.Equal("binary:logistic", hp["objective"]!.GetValue<string>());
        Assert.Equal("f1", hp["eval_metric"]!.GetValue<string>());
        Assert.Equal(["train", "validation"], create["InputDataConfig"]!.AsArray().Select(c => c!["ChannelName"]!.GetValue<string>()));

        // The train channel is the built-in's CSV: no header, the label first.
        var trainUri = create["InputDataConfig"]![0]!["DataSource"]!["S3DataSource"]!["S3Uri"]!.GetValue<string>();
        using var s3 = s3rver.CreateClient();
        using var train = await s3.GetObjectAsync(Bucket, trainUri[$"s3://{Bucket}/".Length..] + "train.csv");
        var firstLine = new StreamReader(train.ResponseStream).ReadLine()!;
        Assert.Matches("^[01],", firstLine);

        var approve = JsonNode.Parse(stub.Requests[6].Body)!;
        Assert.Equal("Approved", approve["ModelApprovalStatus"]!.GetValue<string>());
        Assert.Equal("PendingManualApproval", JsonNode.Parse(stub.Requests[5].Body)!["ModelApprovalStatus"]!.GetValue<string>());
        Assert.Equal($"s3://{Bucket}/{ModelKey}", JsonNode.Parse(stub.Requests[5].Body)!["InferenceSpecification"]!["Containers"]![0]!["ModelDataUrl"]!.GetValue<string>());

        Assert.Contains("PASS (trained on SageMaker)", stdout, StringComparison.Ordinal);
        Assert.Contains("f1_score             0.9500", stdout, StringComparison.Ordinal);
        Assert.Contains("model: breast-cancer-classifier 1.0.0, SageMaker model package", stdout, StringComparison.Ordinal);
        Assert.Contains("not done on SageMaker runs:", stdout, StringComparison.Ordinal);
        Assert.Equal(ModelBytes, await File.ReadAllBytesAsync(Path.Combine(dir, "home", "cache", "sagemaker", job, "model.tar.gz")));
    }

    [Fact]
    public async Task Run_SageMakerJobFails_ExitsOneWithFailureReason()
    {
        using var temp = new TempDir("mlops-sm-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir, stub);
        var failed = JsonNode.Parse(Job("Failed").Body)!.AsObject();
        failed["FailureReason"] = "ClientError: Rows 1-5 have a label outside [0, num_class)";
        stub.Reply(StubResponse.Ok("""{"TrainingJobArn":"arn:job"}"""), Job("InProgress"), StubResponse.Ok(failed.ToJsonString()));

        var (code, stdout, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", Path.Combine(AppContext.BaseDirectory, "examples", "breast-cancer.md"));

        Assert.Equal(1, code);
        Assert.Contains("ended Failed: ClientError: Rows 1-5 have a label outside [0, num_class)", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("PASS", stdout, StringComparison.Ordinal);
        Assert.Equal(3, stub.Requests.Count);
    }

    [Theory]
    [InlineData("evaluation_threshold: 0.85", "evaluation_threshold: 0.85\nprimary_metric: precision", "primary_metric: precision →", "SageMaker XGBoost reports accuracy, f1_score, auc_roc, rmse, mae")]
    public async Task Run_SageMakerBackendRequestItCannotTrain_ExitsTwoBeforeAnyAwsCall(string original, string replacement, string field, string expected)
    {
        using var temp = new TempDir("mlops-sm-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var issue = Path.Combine(dir, "issue.md");
        var example = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "examples", "breast-cancer.md"));
        Assert.Contains(original, example, StringComparison.Ordinal);
        await File.WriteAllTextAsync(issue, example.Replace(original, replacement, StringComparison.Ordinal));

        var (code, _, stderr) = MlopsCli.Run(bed.Environment(dir, stub), TimeSpan.FromMinutes(2), "run", issue);

        Assert.Equal(2, code);
        Assert.Contains(field, stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Theory]
    [InlineData("MLOPS_SAGEMAKER_ROLE_ARN", "", "MLOPS_SAGEMAKER_ROLE_ARN='' must be the training role's ARN")]
    [InlineData("MLOPS_SAGEMAKER_POLL_SECONDS", "soon", "MLOPS_SAGEMAKER_POLL_SECONDS='soon' is not allowed")]
    [InlineData("MLOPS_ARTIFACT_STORE", "local", "MLOPS_TRAINING_BACKEND=sagemaker needs MLOPS_ARTIFACT_STORE=s3://bucket/prefix")]
    public async Task Run_SageMakerBackendMisconfigured_ExitsTwoNamingTheVariable(string variable, string value, string expected)
    {
        using var temp = new TempDir("mlops-sm-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = bed.Environment(dir, stub);
        env[variable] = value;

        var (code, _, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", Path.Combine(AppContext.BaseDirectory, "examples", "breast-cancer.md"));

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task Deploy_NewEndpoint_CreatesModelFromThePackageAndWaitsForInService()
    {
        using var temp = new TempDir("mlops-sm-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = await TrainAndRegisterAsync(dir, stub);
        var before = stub.Requests.Count;
        stub.Reply(
            StubResponse.Ok("""{"ModelArn":"arn:aws:sagemaker:us-east-1:111122223333:model/breast-cancer-classifier-1-0-0"}"""),
            StubResponse.Ok("""{"EndpointConfigArn":"arn:aws:sagemaker:us-east-1:111122223333:endpoint-config/breast-cancer-classifier-1-0-0"}"""),
            StubResponse.Ok("{}"),
            StubResponse.Ok("{}"),
            StubResponse.Error(400, "ValidationException", "Could not find endpoint \\\"breast-cancer-classifier\\\"."),
            StubResponse.Ok("""{"EndpointArn":"arn:aws:sagemaker:us-east-1:111122223333:endpoint/breast-cancer-classifier"}"""),
            Endpoint("Creating", "breast-cancer-classifier-1-0-0"),
            Endpoint("InService", "breast-cancer-classifier-1-0-0"));

        var (code, stdout, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(2), "deploy", "breast-cancer-classifier");

        Assert.True(code == 0, stderr + stdout);
        var calls = stub.Requests.Skip(before).ToList();
        Assert.Equal(
            ["SageMaker.CreateModel", "SageMaker.CreateEndpointConfig", "GraniteServiceVersion20100801.PutMetricAlarm", "GraniteServiceVersion20100801.PutMetricAlarm",
             "SageMaker.DescribeEndpoint", "SageMaker.CreateEndpoint", "SageMaker.DescribeEndpoint", "SageMaker.DescribeEndpoint"],
            calls.Select(r => r.Header("x-amz-target")));
        var model = JsonNode.Parse(calls[0].Body)!;
        Assert.Equal("breast-cancer-classifier-1-0-0", model["ModelName"]!.GetValue<string>());
        Assert.Equal(PackageArn, model["PrimaryContainer"]!["ModelPackageName"]!.GetValue<string>());
        Assert.Equal(SageMakerTestBed.Role, model["ExecutionRoleArn"]!.GetValue<string>());
        Assert.Equal("ml.m5.large", JsonNode.Parse(calls[1].Body)!["ProductionVariants"]![0]!["InstanceType"]!.GetValue<string>());
        Assert.Equal("mlops-breast-cancer-classifier-5xx", JsonNode.Parse(calls[2].Body)!["AlarmName"]!.GetValue<string>());
        Assert.Equal("breast-cancer-classifier-1-0-0", JsonNode.Parse(calls[5].Body)!["EndpointConfigName"]!.GetValue<string>());
        Assert.Contains("SageMaker endpoint breast-cancer-classifier: created on ml.m5.large", stdout, StringComparison.Ordinal);
        Assert.Contains("InService on breast-cancer-classifier-1-0-0", stdout, StringComparison.Ordinal);

        // The record the start wrote, rewritten once the endpoint settled (deploy_to_endpoint writes the first through the same code).
        using var s3 = s3rver.CreateClient();
        using var stored = await s3.GetObjectAsync(Bucket, "team/models/breast-cancer-classifier/1.0.0/sagemaker_deployment.json");
        var record = JsonNode.Parse(await new StreamReader(stored.ResponseStream).ReadToEndAsync())!;
        Assert.Equal("breast-cancer-classifier-1-0-0", record["endpoint_config"]!.GetValue<string>());
        Assert.Equal("InService", record["status"]!.GetValue<string>());
        Assert.True(record["settled"]!.GetValue<bool>());
        Assert.True(record["deployed"]!.GetValue<bool>());
        Assert.False(record["rolled_back"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Run_SageMakerDeployBackend_DeploysThePassingVersionToItsEndpoint()
    {
        using var temp = new TempDir("mlops-sm-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir, stub);
        env["MLOPS_MODEL_REGISTRY"] = "sagemaker";
        env["MLOPS_DEPLOY_BACKEND"] = "sagemaker";
        stub.Reply(
            StubResponse.Ok("""{"TrainingJobArn":"arn:job"}"""),
            Job("Completed"),
            StubResponse.Ok("""{"ModelPackageGroupArn":"arn:group"}"""),
            StubResponse.Ok($$"""{"ModelPackageArn":"{{PackageArn}}"}"""),
            StubResponse.Ok($$"""{"ModelPackageArn":"{{PackageArn}}"}"""),
            StubResponse.Ok("""{"ModelArn":"arn:model"}"""),
            StubResponse.Ok("""{"EndpointConfigArn":"arn:config"}"""),
            StubResponse.Ok("{}"),
            StubResponse.Ok("{}"),
            StubResponse.Error(400, "ValidationException", "Could not find endpoint."),
            StubResponse.Ok("""{"EndpointArn":"arn:endpoint"}"""),
            Endpoint("InService", "breast-cancer-classifier-1-0-0"));

        var (code, stdout, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", Path.Combine(AppContext.BaseDirectory, "examples", "breast-cancer.md"));

        Assert.True(code == 0, stderr + stdout);
        Assert.Equal(12, stub.Requests.Count);
        Assert.Equal("SageMaker.CreateEndpoint", stub.Requests[10].Header("x-amz-target"));
        Assert.Contains("breast-cancer-classifier 1.0.0 → SageMaker endpoint breast-cancer-classifier: created on ml.m5.large", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_ExistingEndpointRolledBack_ShiftsLinearlyWithAlarmsAndExitsOne()
    {
        using var temp = new TempDir("mlops-sm-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = await TrainAndRegisterAsync(dir, stub);
        var before = stub.Requests.Count;
        stub.Reply(
            StubResponse.Ok("""{"ModelArn":"arn:model"}"""),
            StubResponse.Ok("""{"EndpointConfigArn":"arn:config"}"""),
            StubResponse.Ok("{}"),
            StubResponse.Ok("{}"),
            Endpoint("InService", "breast-cancer-classifier-0-9-0"),
            StubResponse.Ok("""{"EndpointArn":"arn:aws:sagemaker:us-east-1:111122223333:endpoint/breast-cancer-classifier"}"""),
            Endpoint("Updating", "breast-cancer-classifier-0-9-0"),
            Endpoint("RollingBack", "breast-cancer-classifier-0-9-0"),
            Endpoint("InService", "breast-cancer-classifier-0-9-0"));

        var (code, _, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(2), "deploy", "breast-cancer-classifier", "--strategy", "linear", "--step-percent", "25", "--wait-interval", "300");

        Assert.Equal(1, code);
        Assert.Contains("SageMaker rolled breast-cancer-classifier back to breast-cancer-classifier-0-9-0: a rollback alarm", stderr, StringComparison.Ordinal);
        var calls = stub.Requests.Skip(before).ToList();
        Assert.Equal("SageMaker.UpdateEndpoint", calls[5].Header("x-amz-target"));
        var config = JsonNode.Parse(calls[5].Body)!["DeploymentConfig"]!;
        var routing = config["BlueGreenUpdatePolicy"]!["TrafficRoutingConfiguration"]!;
        Assert.Equal("LINEAR", routing["Type"]!.GetValue<string>());
        Assert.Equal(25, routing["LinearStepSize"]!["Value"]!.GetValue<int>());
        Assert.Equal(300, routing["WaitIntervalInSeconds"]!.GetValue<int>());
        Assert.Equal(
            ["mlops-breast-cancer-classifier-5xx", "mlops-breast-cancer-classifier-latency"],
            config["AutoRollbackConfiguration"]!["Alarms"]!.AsArray().Select(a => a!["AlarmName"]!.GetValue<string>()));
        Assert.Equal(9, calls.Count);
    }

    [Theory]
    [InlineData("MLOPS_MODEL_REGISTRY", "local", "MLOPS_DEPLOY_BACKEND=sagemaker deploys SageMaker model packages; it needs MLOPS_MODEL_REGISTRY=sagemaker")]
    [InlineData("MLOPS_DEPLOY_BACKEND", "local", "MLOPS_DEPLOY_BACKEND='local' → `mlops deploy` puts SageMaker-trained models on SageMaker endpoints")]
    [InlineData("MLOPS_ALARM_TOPIC_ARN", "alarms", "MLOPS_ALARM_TOPIC_ARN='alarms' must be an SNS topic ARN")]
    public async Task Deploy_Misconfigured_ExitsTwoNamingTheVariable(string variable, string value, string expected)
    {
        using var temp = new TempDir("mlops-sm-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = bed.Environment(dir, stub);
        env["MLOPS_MODEL_REGISTRY"] = "sagemaker";
        env["MLOPS_DEPLOY_BACKEND"] = "sagemaker";
        env[variable] = value;

        var (code, _, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(2), "deploy", "breast-cancer-classifier");

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    private static StubResponse Endpoint(string status, string config) => StubResponse.Ok(new JsonObject
    {
        ["EndpointName"] = "breast-cancer-classifier",
        ["EndpointArn"] = "arn:aws:sagemaker:us-east-1:111122223333:endpoint/breast-cancer-classifier",
        ["EndpointConfigName"] = config,
        ["EndpointStatus"] = status,
    }.ToJsonString());

    /// <summary>A SageMaker run that passes and registers an approved package, leaving the environment set for deploy.</summary>
    private async Task<Dictionary<string, string?>> TrainAndRegisterAsync(string dir, AwsStub stub)
    {
        var env = await bed.PrepareAsync(dir, stub);
        env["MLOPS_MODEL_REGISTRY"] = "sagemaker";
        stub.Reply(
            StubResponse.Ok("""{"TrainingJobArn":"arn:job"}"""),
            Job("Completed"),
            StubResponse.Ok("""{"ModelPackageGroupArn":"arn:group"}"""),
            StubResponse.Ok($$"""{"ModelPackageArn":"{{PackageArn}}"}"""),
            StubResponse.Ok($$"""{"ModelPackageArn":"{{PackageArn}}"}"""));
        var (code, stdout, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", Path.Combine(AppContext.BaseDirectory, "examples", "breast-cancer.md"));
        Assert.True(code == 0, stderr + stdout);
        env["MLOPS_DEPLOY_BACKEND"] = "sagemaker";
        return env;
    }

    private StubResponse Job(string status) => StubResponse.Ok(new JsonObject
    {
        ["TrainingJobName"] = "replayed",
        ["TrainingJobStatus"] = status,
        ["SecondaryStatus"] = status == "InProgress" ? "Training" : status,
        ["ModelArtifacts"] = status == "Completed" ? new JsonObject { ["S3ModelArtifacts"] = $"s3://{Bucket}/{ModelKey}" } : null,
        ["BillableTimeInSeconds"] = status == "Completed" ? 95 : null,
        ["FinalMetricDataList"] = status == "Completed"
            ? new JsonArray(
                new JsonObject { ["MetricName"] = "train:f1", ["Value"] = 0.99, ["Timestamp"] = 1.7e9 },
                new JsonObject { ["MetricName"] = "validation:f1", ["Value"] = 0.95, ["Timestamp"] = 1.7e9 })
            : null,
    }.ToJsonString());

}
