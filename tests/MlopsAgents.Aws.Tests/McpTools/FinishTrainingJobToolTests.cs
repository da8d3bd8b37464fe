using System.Text.Json.Nodes;
using Amazon.S3.Model;
using MlopsAgents.Aws.Tests.Support;
using static MlopsAgents.Aws.Tests.Support.McpStdio;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Tests.Support;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace MlopsAgents.Aws.Tests.McpTools;

/// <summary>
/// start_training_job, then finish_training_job in a later call, through the real <c>mlops-mcp</c> over stdio: the
/// SageMaker calls go to the signed Kestrel stub, which replays the job's states; the data and the model go to s3rver.
/// </summary>
public sealed class FinishTrainingJobToolTests(S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    private const string ModelKey = "team/fixtures/model.tar.gz";
    private const string PackageArn = "arn:aws:sagemaker:us-east-1:111122223333:model-package/breast-cancer-classifier/1";
    private const string ModelName = "breast-cancer-classifier";
    private readonly SageMakerTestBed bed = new(s3rver, "mlops-finish-", ModelKey, "xgboost model bytes"u8.ToArray(), ExampleDataset.BreastCancer);

    private string Bucket => bed.Bucket;

    [Fact]
    public async Task FinishTrainingJob_JobRunningThenCompleted_RefusesThenJudgesAndRegistersOnce()
    {
        using var dir = new TempDir("mlops-aws-finish-");
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir.Path, stub);
        env["MLOPS_MODEL_REGISTRY"] = "sagemaker";
        await using var client = await StartServerAsync(env);
        var (trainingId, jobName) = await StartAsync(client, stub);

        stub.Reply(Job("InProgress", null));
        var described = Ok(await client.CallToolAsync("describe_training_job", Args(("job_name", jobName))));
        Assert.Equal("InProgress", described["status"]!.GetValue<string>());

        stub.Reply(Job("InProgress", null));
        var refused = Error(await client.CallToolAsync("finish_training_job", Args(("training_id", trainingId))));
        Assert.Contains($"SageMaker training job {jobName} of run {trainingId} is still InProgress (Training)", refused, StringComparison.Ordinal);
        Assert.Equal("running", Registry(dir.Path).GetRun(trainingId)!.Status);

        stub.Reply(
            Job("Completed", 0.95),
            StubResponse.Ok("""{"ModelPackageGroupArn":"arn:aws:sagemaker:us-east-1:111122223333:model-package-group/breast-cancer-classifier"}"""),
            StubResponse.Ok($$"""{"ModelPackageArn":"{{PackageArn}}"}"""),
            StubResponse.Ok($$"""{"ModelPackageArn":"{{PackageArn}}"}"""));
        var before = stub.Requests.Count;
        var finished = Ok(await client.CallToolAsync("finish_training_job", Args(("job_name", jobName))));

        Assert.Equal(
            ["SageMaker.DescribeTrainingJob", "SageMaker.CreateModelPackageGroup", "SageMaker.CreateModelPackage", "SageMaker.UpdateModelPackage"],
            stub.Requests.Skip(before).Select(r => r.Header("x-amz-target")));
        Assert.Equal(jobName, JsonNode.Parse(stub.Requests[before].Body)!["TrainingJobName"]!.GetValue<string>());
        Assert.Equal("pass", finished["decision"]!.GetValue<string>());
        Assert.Equal(0.95, finished["metrics"]!["f1_score"]!.GetValue<double>());
        Assert.Equal(ModelName, finished["model_name"]!.GetValue<string>());
        Assert.Equal("1.0.0", finished["model_version"]!.GetValue<string>());
        Assert.Equal(PackageArn, finished["model_package_arn"]!.GetValue<string>());
        Assert.Equal("Approved", finished["model_package_status"]!.GetValue<string>());
        Assert.EndsWith($"evaluations/{trainingId}/results.json", finished["results"]!.GetValue<string>(), StringComparison.Ordinal);
        var registry = Registry(dir.Path);
        Assert.Equal("finished", registry.GetRun(trainingId)!.Status);
        Assert.Equal("1.0.0", Assert.Single(registry.ListModelVersions(ModelName)).Version);

        // The results the finish wrote on the store say what the Judge read.
        using (var s3 = s3rver.CreateClient())
        {
            using var results = await s3.GetObjectAsync(Bucket, $"team/evaluations/{trainingId}/results.json");
            var json = JsonNode.Parse(await new StreamReader(results.ResponseStream).ReadToEndAsync())!;
            Assert.Equal("validation:f1", json["judged_metric"]!.GetValue<string>());
            Assert.Equal(ModelName, json["model"]!["name"]!.GetValue<string>());
        }

        var count = stub.Requests.Count;
        var again = Ok(await client.CallToolAsync("finish_training_job", Args(("training_id", trainingId))));

        Assert.Equal(count, stub.Requests.Count);
        Assert.True(JsonNode.DeepEquals(finished, again), $"{finished} vs {again}");
        Assert.Single(Registry(dir.Path).ListModelVersions(ModelName));
    }

    [Fact]
    public async Task FinishTrainingJob_TwoServersAtOnce_RegistersOnceAndBothReturnTheSameOutcome()
    {
        using var dir = new TempDir("mlops-aws-finish-");
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir.Path, stub);
        await using var first = await StartServerAsync(env);
        await using var second = await StartServerAsync(env);
        var (trainingId, _) = await StartAsync(first, stub);
        // A reply for each describe, so a second finish that ran unserialised would judge and register too.
        stub.Reply(Job("Completed", 0.95), Job("Completed", 0.95));
        var before = stub.Requests.Count;

        var outcomes = await Task.WhenAll(
            first.CallToolAsync("finish_training_job", Args(("training_id", trainingId))).AsTask(),
            second.CallToolAsync("finish_training_job", Args(("training_id", trainingId))).AsTask());

        var (a, b) = (Ok(outcomes[0]), Ok(outcomes[1]));
        Assert.True(JsonNode.DeepEquals(a, b), $"{a} vs {b}");
        Assert.Equal("pass", a["decision"]!.GetValue<string>());
        Assert.Equal("SageMaker.DescribeTrainingJob", Assert.Single(stub.Requests.Skip(before)).Header("x-amz-target"));
        Assert.Equal("1.0.0", Assert.Single(Registry(dir.Path).ListModelVersions(ModelName)).Version);
        Assert.Equal("finished", Registry(dir.Path).GetRun(trainingId)!.Status);
    }

    [Fact]
    public async Task FinishTrainingJob_JobFailed_ErrorCarriesFailureReasonAndRunIsFailed()
    {
        using var dir = new TempDir("mlops-aws-finish-");
        await using var stub = await AwsStub.StartAsync();
        await using var client = await StartServerAsync(await bed.PrepareAsync(dir.Path, stub));
        var (trainingId, _) = await StartAsync(client, stub);
        var failed = JsonNode.Parse(Job("Failed", null).Body)!.AsObject();
        failed["FailureReason"] = "AlgorithmError: label column has values outside [0, 1]";
        stub.Reply(StubResponse.Ok(failed.ToJsonString()));

        var text = Error(await client.CallToolAsync("finish_training_job", Args(("training_id", trainingId))));

        Assert.Contains("ended Failed: AlgorithmError: label column has values outside [0, 1]", text, StringComparison.Ordinal);
        Assert.Contains($"Run {trainingId} is marked failed", text, StringComparison.Ordinal);
        var run = Registry(dir.Path).GetRun(trainingId)!;
        Assert.Equal("failed", run.Status);
        Assert.Null(run.Decision);
        Assert.Empty(Registry(dir.Path).ListModelVersions(ModelName));
    }

    [Fact]
    public async Task FinishTrainingJob_MetricUnderThreshold_FailsAndRegistersNothing()
    {
        using var dir = new TempDir("mlops-aws-finish-");
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir.Path, stub);
        env["MLOPS_MODEL_REGISTRY"] = "sagemaker";
        await using var client = await StartServerAsync(env);
        var (trainingId, _) = await StartAsync(client, stub);
        stub.Reply(Job("Completed", 0.61));
        var before = stub.Requests.Count;

        var result = Ok(await client.CallToolAsync("finish_training_job", Args(("training_id", trainingId))));

        // Only the describe: no model package group, package or approval for a model the Judge turned down.
        Assert.Equal("SageMaker.DescribeTrainingJob", Assert.Single(stub.Requests.Skip(before)).Header("x-amz-target"));
        Assert.Equal("fail", result["decision"]!.GetValue<string>());
        Assert.Contains("0.85", result["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(result["model_version"]);
        Assert.Null(result["model_package_arn"]);
        var run = Registry(dir.Path).GetRun(trainingId)!;
        Assert.Equal("finished", run.Status);
        Assert.Equal("fail", run.Decision);
        Assert.Empty(Registry(dir.Path).ListModelVersions(ModelName));
    }

    [Theory]
    [InlineData("training_id", "train-nope", "training_id: 'train-nope' → a run start_training_job started")]
    [InlineData("job_name", "someone-elses-job", "job_name: 'someone-elses-job' → a job start_training_job named (mlops-<training_id>)")]
    public async Task FinishTrainingJob_UnknownRun_ErrorNamesFieldBeforeAnyAwsCall(string field, string value, string expected)
    {
        using var dir = new TempDir("mlops-aws-finish-");
        await using var stub = await AwsStub.StartAsync();
        await using var client = await StartServerAsync(await bed.PrepareAsync(dir.Path, stub));

        var text = Error(await client.CallToolAsync("finish_training_job", Args((field, value))));

        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task FinishTrainingJob_ReadOnlyServer_IsRefusedButDryRunReportsTheRun()
    {
        using var dir = new TempDir("mlops-aws-finish-");
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir.Path, stub);
        string trainingId;
        await using (var writable = await StartServerAsync(env))
        {
            (trainingId, _) = await StartAsync(writable, stub);
        }

        await using var client = await StartServerAsync(env, allowWrite: false);

        Assert.Contains("--allow-write", Error(await client.CallToolAsync("finish_training_job", Args(("training_id", trainingId)))), StringComparison.Ordinal);
        var dry = Ok(await client.CallToolAsync("finish_training_job", Args(("training_id", trainingId), ("dry_run", true))));

        Assert.True(dry["dry_run"]!.GetValue<bool>());
        Assert.Equal("running", dry["run_status"]!.GetValue<string>());
        Assert.Equal("mlops-" + trainingId, dry["job_name"]!.GetValue<string>());
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task FinishTrainingJob_KMeansJob_JudgesVarianceExplainedFromTestMsd()
    {
        using var dir = new TempDir("mlops-aws-finish-");
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir.Path, stub);
        SageMakerTestBed.AddDataset(env, ExampleDataset.Iris);
        await using var client = await StartServerAsync(env);
        const string KMeansRequest = "dataset_id: dataset-iris-001\ntarget: species\nlearning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\nhyperparameters:\n  n_clusters: 3\nprimary_metric: variance_explained\ndata_preprocessing:\n  standardize: true\n";
        stub.Reply(StubResponse.Ok("""{"TrainingJobArn":"arn:aws:sagemaker:us-east-1:111122223333:training-job/km"}"""));
        var started = Ok(await client.CallToolAsync("start_training_job", Args(("request", KMeansRequest))));
        Assert.Equal("test:msd", started["judged_metric"]!.GetValue<string>());
        Assert.Equal("variance_explained", started["primary_metric"]!.GetValue<string>());
        stub.Reply(StubResponse.Ok(new JsonObject
        {
            ["TrainingJobName"] = "replayed",
            ["TrainingJobStatus"] = "Completed",
            ["SecondaryStatus"] = "Completed",
            ["ModelArtifacts"] = new JsonObject { ["S3ModelArtifacts"] = $"s3://{Bucket}/{ModelKey}" },
            ["FinalMetricDataList"] = new JsonArray(new JsonObject { ["MetricName"] = "test:msd", ["Value"] = 0.9, ["Timestamp"] = 1.7e9 }),
        }.ToJsonString()));

        var finished = Ok(await client.CallToolAsync("finish_training_job", Args(("training_id", started["training_id"]!.GetValue<string>()))));

        // Standardised iris has four unit-variance features, so the test rows sit about 4 from the training mean, squared.
        var explained = finished["metrics"]!["variance_explained"]!.GetValue<double>();
        Assert.InRange(explained, 0.6, 0.9);
        Assert.Equal("pass", finished["decision"]!.GetValue<string>());
        Assert.Equal("dataset-iris-001-kmeans", finished["model_name"]!.GetValue<string>());
        Assert.Contains("K-Means' MXNet format", finished["not_done"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FinishTrainingJob_PcaJob_StartsTheTransformThenJudgesItOnTheNextCall()
    {
        using var dir = new TempDir("mlops-aws-finish-");
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir.Path, stub);
        SageMakerTestBed.AddDataset(env, ExampleDataset.Iris);
        stub.OnRequest(async request =>
        {
            if (request.Header("x-amz-target") == "SageMaker.CreateTransformJob")
            {
                // A projection onto the first feature, as a one-component PCA along it would give.
                var body = JsonNode.Parse(request.Body)!;
                using var s3 = s3rver.CreateClient();
                using var input = await s3.GetObjectAsync(Bucket, body["TransformInput"]!["DataSource"]!["S3DataSource"]!["S3Uri"]!.GetValue<string>()[$"s3://{Bucket}/".Length..] + "test.csv");
                var lines = (await new StreamReader(input.ResponseStream).ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(line => $"{{\"projection\": [{line.Split(',')[0]}]}}\n");
                await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = body["TransformOutput"]!["S3OutputPath"]!.GetValue<string>()[$"s3://{Bucket}/".Length..] + "test.csv.out", ContentBody = string.Concat(lines), UseChunkEncoding = false });
            }
        });
        await using var client = await StartServerAsync(env);
        const string PcaRequest = "dataset_id: dataset-iris-001\ntarget: species\nlearning_type: unsupervised\ntask_type: dimensionality_reduction\nalgorithm: pca\nhyperparameters:\n  n_components: 1\nevaluation_threshold: 0.1\ndata_preprocessing:\n  standardize: true\n";
        stub.Reply(StubResponse.Ok("""{"TrainingJobArn":"arn:aws:sagemaker:us-east-1:111122223333:training-job/pca"}"""));
        var trainingId = Ok(await client.CallToolAsync("start_training_job", Args(("request", PcaRequest))))["training_id"]!.GetValue<string>();
        var completed = StubResponse.Ok(new JsonObject
        {
            ["TrainingJobName"] = "replayed",
            ["TrainingJobStatus"] = "Completed",
            ["SecondaryStatus"] = "Completed",
            ["ModelArtifacts"] = new JsonObject { ["S3ModelArtifacts"] = $"s3://{Bucket}/{ModelKey}" },
        }.ToJsonString());
        stub.Reply(
            completed,
            StubResponse.Error(400, "ValidationException", "Could not find requested job"),
            StubResponse.Ok("""{"ModelArn":"arn:aws:sagemaker:us-east-1:111122223333:model/m"}"""),
            StubResponse.Ok("""{"TransformJobArn":"arn:aws:sagemaker:us-east-1:111122223333:transform-job/t"}"""));

        var first = Error(await client.CallToolAsync("finish_training_job", Args(("training_id", trainingId))));

        Assert.Contains($"SageMaker batch transform mlops-{trainingId}-transform of run {trainingId} is still InProgress", first, StringComparison.Ordinal);
        Assert.Equal("running", Registry(dir.Path).GetRun(trainingId)!.Status);
        stub.Reply(completed, StubResponse.Ok("""{"TransformJobName":"t","TransformJobStatus":"Completed"}"""));
        var before = stub.Requests.Count;

        var second = Ok(await client.CallToolAsync("finish_training_job", Args(("training_id", trainingId))));

        Assert.Equal(["SageMaker.DescribeTrainingJob", "SageMaker.DescribeTransformJob"], stub.Requests.Skip(before).Select(r => r.Header("x-amz-target")));
        Assert.Equal("pass", second["decision"]!.GetValue<string>());
        Assert.InRange(second["metrics"]!["explained_variance_total"]!.GetValue<double>(), 0.1, 0.5);
        Assert.Equal("1.0.0", Assert.Single(Registry(dir.Path).ListModelVersions("dataset-iris-001-pca")).Version);
    }

    /// <summary>start_training_job on the bundled example: one CreateTrainingJob, and the ids it returned.</summary>
    private static async Task<(string TrainingId, string JobName)> StartAsync(McpClient client, AwsStub stub)
    {
        stub.Reply(StubResponse.Ok("""{"TrainingJobArn":"arn:aws:sagemaker:us-east-1:111122223333:training-job/j"}"""));
        var started = Ok(await client.CallToolAsync("start_training_job", Args(("request", await File.ReadAllTextAsync(Path.Combine(SageMakerTestBed.Examples, "breast-cancer.md"))))));
        Assert.Equal("SageMaker.CreateTrainingJob", Assert.Single(stub.Requests).Header("x-amz-target"));
        var trainingId = started["training_id"]!.GetValue<string>();
        Assert.Contains($"finish_training_job with training_id {trainingId}", started["next"]!.GetValue<string>(), StringComparison.Ordinal);
        return (trainingId, started["job_name"]!.GetValue<string>());
    }

    private StubResponse Job(string status, double? f1) => StubResponse.Ok(new JsonObject
    {
        ["TrainingJobName"] = "replayed",
        ["TrainingJobStatus"] = status,
        ["SecondaryStatus"] = status == "InProgress" ? "Training" : status,
        ["ModelArtifacts"] = status == "Completed" ? new JsonObject { ["S3ModelArtifacts"] = $"s3://{Bucket}/{ModelKey}" } : null,
        ["BillableTimeInSeconds"] = status == "Completed" ? 95 : null,
        ["FinalMetricDataList"] = f1 is { } value
            ? new JsonArray(
                new JsonObject { ["MetricName"] = "train:f1", ["Value"] = 0.99, ["Timestamp"] = 1.7e9 },
                new JsonObject { ["MetricName"] = "validation:f1", ["Value"] = value, ["Timestamp"] = 1.7e9 })
            : null,
    }.ToJsonString());

    private static SqliteRegistry Registry(string dir) => new(Path.Combine(dir, "home", "registry.db"));
}
