using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Aws.Tests.Workflow;

/// <summary>
/// <c>mlops run</c> with MLOPS_TRAINING_BACKEND=sagemaker through the real process: phase 1 writes the channels to
/// s3rver, the SageMaker calls go to the Kestrel stub (MLOPS_AWS_ENDPOINT), which checks each operation's target and
/// body and replays the job's states.
/// </summary>
public sealed class SageMakerRunCliTests(S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    // xunit makes a new instance per test, and s3rver lives for the class: a bucket per test keeps them apart.
    private readonly string Bucket = "mlops-sm-" + Guid.NewGuid().ToString("N")[..12];
    private const string Role = "arn:aws:iam::111122223333:role/mlops-dev-training";
    private const string ModelKey = "team/fixtures/model.tar.gz";
    private static readonly byte[] ModelBytes = Encoding.UTF8.GetBytes("xgboost model bytes as SageMaker left them");

    [Fact]
    public async Task Run_SageMakerBackend_TrainsOnSpotJudgesAndRegistersApprovedPackage()
    {
        var dir = Directory.CreateTempSubdirectory("mlops-sm-cli-").FullName;
        try
        {
            await using var stub = await AwsStub.StartAsync();
            var env = await PrepareAsync(dir, stub);
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
            var job = create["TrainingJobName"]!.GetValue<string>();
            Assert.StartsWith("mlops-train-", job, StringComparison.Ordinal);
            Assert.Equal(Role, create["RoleArn"]!.GetValue<string>());
            Assert.Equal("ml.m5.xlarge", create["ResourceConfig"]!["InstanceType"]!.GetValue<string>());
            Assert.True(create["EnableManagedSpotTraining"]!.GetValue<bool>());
            Assert.Equal($"s3://{Bucket}/team/sagemaker/{job["mlops-".Length..]}/checkpoints/{job}/", create["CheckpointConfig"]!["S3Uri"]!.GetValue<string>());
            Assert.Equal(7200, create["StoppingCondition"]!["MaxWaitTimeInSeconds"]!.GetValue<int>());
            Assert.Contains("sagemaker-xgboost:1.7-1", create["AlgorithmSpecification"]!["TrainingImage"]!.GetValue<string>(), StringComparison.Ordinal);
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
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Run_SageMakerJobFails_ExitsOneWithFailureReason()
    {
        var dir = Directory.CreateTempSubdirectory("mlops-sm-cli-").FullName;
        try
        {
            await using var stub = await AwsStub.StartAsync();
            var env = await PrepareAsync(dir, stub);
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
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("MLOPS_SAGEMAKER_ROLE_ARN", "", "MLOPS_SAGEMAKER_ROLE_ARN='' must be the training role's ARN")]
    [InlineData("MLOPS_SAGEMAKER_POLL_SECONDS", "soon", "MLOPS_SAGEMAKER_POLL_SECONDS='soon' is not allowed")]
    [InlineData("MLOPS_ARTIFACT_STORE", "local", "MLOPS_TRAINING_BACKEND=sagemaker needs MLOPS_ARTIFACT_STORE=s3://bucket/prefix")]
    public async Task Run_SageMakerBackendMisconfigured_ExitsTwoNamingTheVariable(string variable, string value, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("mlops-sm-cli-").FullName;
        try
        {
            await using var stub = await AwsStub.StartAsync();
            var env = Environment(dir, stub);
            env[variable] = value;

            var (code, _, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", Path.Combine(AppContext.BaseDirectory, "examples", "breast-cancer.md"));

            Assert.Equal(2, code);
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
            Assert.Empty(stub.Requests);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
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

    /// <summary>A bucket with the model SageMaker would have written, and the bundled example's dataset registered on it.</summary>
    private async Task<Dictionary<string, string?>> PrepareAsync(string dir, AwsStub stub)
    {
        using var s3 = s3rver.CreateClient();
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = Bucket });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = ModelKey, InputStream = new MemoryStream(ModelBytes), UseChunkEncoding = false });
        var env = Environment(dir, stub);
        var (add, _, addErr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "data", "add", Path.Combine(AppContext.BaseDirectory, "examples", "breast_cancer.csv"), "--id", "dataset-bc-001", "--target", "diagnosis");
        Assert.True(add == 0, addErr);
        return env;
    }

    private Dictionary<string, string?> Environment(string dir, AwsStub stub) => new()
    {
        ["MLOPS_HOME"] = Path.Combine(dir, "home"),
        ["MLOPS_DATA_ROOT"] = Path.Combine(AppContext.BaseDirectory, "examples"),
        ["MLOPS_ARTIFACT_STORE"] = $"s3://{Bucket}/team",
        ["MLOPS_S3_ENDPOINT"] = s3rver.Endpoint.ToString(),
        ["MLOPS_TRAINING_BACKEND"] = "sagemaker",
        ["MLOPS_SAGEMAKER_ROLE_ARN"] = Role,
        ["MLOPS_SAGEMAKER_POLL_SECONDS"] = "0",
        ["MLOPS_AWS_ENDPOINT"] = stub.Endpoint.ToString(),
        ["AWS_REGION"] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = "S3RVER",
        ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
    };
}
