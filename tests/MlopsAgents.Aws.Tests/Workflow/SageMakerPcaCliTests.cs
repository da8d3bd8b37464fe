using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Aws.Tests.Workflow;

/// <summary>
/// <c>mlops run</c> of a PCA request with MLOPS_TRAINING_BACKEND=sagemaker through the real process: the training job
/// and the batch transform that measures explained variance go to the signed stub; when the stub accepts the transform
/// it writes what SageMaker would, the projections of the test rows, to s3rver.
/// </summary>
public sealed class SageMakerPcaCliTests(S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    private const string ModelKey = "team/fixtures/pca-model.tar.gz";
    private readonly SageMakerTestBed bed = new(s3rver, "mlops-pca-", ModelKey, Encoding.UTF8.GetBytes("pca model bytes"), ExampleDataset.Iris);

    private string Bucket => bed.Bucket;

    private const string Request = """
        Reduce iris to two components on SageMaker.

        ```yaml
        dataset_id: dataset-iris-001
        target: species
        learning_type: unsupervised
        task_type: dimensionality_reduction
        algorithm: pca
        hyperparameters:
          n_components: 2
        evaluation_threshold: 0.4
        data_preprocessing:
          standardize: true
        ```
        """;

    [Theory]
    [InlineData("Completed", 0)]
    [InlineData("Failed", 1)]
    public async Task Run_PcaRequest_TrainsThenJudgesExplainedVarianceOfTheTransformedTestSplit(string transformStatus, int expectedExit)
    {
        using var temp = new TempDir("mlops-sm-pca-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir, stub);
        var issue = Path.Combine(dir, "iris-pca-sagemaker.md");
        await File.WriteAllTextAsync(issue, Request);
        stub.OnRequest(async request =>
        {
            if (request.Header("x-amz-target") != "SageMaker.CreateTransformJob")
            {
                return;
            }

            // The stand-in model keeps the first two standardised features, centred: what a PCA along those axes would output.
            var body = JsonNode.Parse(request.Body)!;
            using var s3 = s3rver.CreateClient();
            var rows = await bed.ReadRowsAsync(body["TransformInput"]!["DataSource"]!["S3DataSource"]!["S3Uri"]!.GetValue<string>() + "test.csv");
            double[] mean = [rows.Average(r => r[0]), rows.Average(r => r[1])];
            var lines = string.Concat(rows.Select(r => string.Create(CultureInfo.InvariantCulture, $$"""{"projection": [{{r[0] - mean[0]:R}}, {{r[1] - mean[1]:R}}]}""") + "\n"));
            var output = body["TransformOutput"]!["S3OutputPath"]!.GetValue<string>()[$"s3://{Bucket}/".Length..] + "test.csv.out";
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = output, ContentBody = lines, UseChunkEncoding = false });
        });
        stub.Reply(
            StubResponse.Ok("""{"TrainingJobArn":"arn:aws:sagemaker:us-east-1:111122223333:training-job/pca"}"""),
            StubResponse.Ok(new JsonObject
            {
                ["TrainingJobName"] = "replayed",
                ["TrainingJobStatus"] = "Completed",
                ["SecondaryStatus"] = "Completed",
                ["ModelArtifacts"] = new JsonObject { ["S3ModelArtifacts"] = $"s3://{Bucket}/{ModelKey}" },
            }.ToJsonString()),
            StubResponse.Error(400, "ValidationException", "Could not find requested job with name mlops-x-transform"),
            StubResponse.Ok("""{"ModelArn":"arn:aws:sagemaker:us-east-1:111122223333:model/m"}"""),
            StubResponse.Ok("""{"TransformJobArn":"arn:aws:sagemaker:us-east-1:111122223333:transform-job/t"}"""),
            StubResponse.Ok("""{"TransformJobName":"t","TransformJobStatus":"InProgress"}"""),
            StubResponse.Ok($$"""{"TransformJobName":"t","TransformJobStatus":"{{transformStatus}}","FailureReason":{{(transformStatus == "Failed" ? "\"ClientError: bad row 3\"" : "null")}}}"""));

        var (code, stdout, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", issue);

        Assert.True(code == expectedExit, $"exit {code}: {stderr}{stdout}");
        Assert.Equal(
            ["SageMaker.CreateTrainingJob", "SageMaker.DescribeTrainingJob", "SageMaker.DescribeTransformJob", "SageMaker.CreateModel", "SageMaker.CreateTransformJob",
             "SageMaker.DescribeTransformJob", "SageMaker.DescribeTransformJob"],
            stub.Requests.Select(r => r.Header("x-amz-target")));
        var create = JsonNode.Parse(stub.Requests[0].Body)!;
        var job = create["TrainingJobName"]!.GetValue<string>();
        Assert.Equal("382416733822.dkr.ecr.us-east-1.amazonaws.com/pca:1", create["AlgorithmSpecification"]!["TrainingImage"]!.GetValue<string>());
        var hp = create["HyperParameters"]!;
        Assert.Equal("2", hp["num_components"]!.GetValue<string>());
        Assert.Equal("4", hp["feature_dim"]!.GetValue<string>());
        Assert.Equal("true", hp["subtract_mean"]!.GetValue<string>());
        var channel = Assert.Single(create["InputDataConfig"]!.AsArray())!;
        Assert.Equal("train", channel["ChannelName"]!.GetValue<string>());
        Assert.Equal("text/csv;label_size=0", channel["ContentType"]!.GetValue<string>());

        var model = JsonNode.Parse(stub.Requests[3].Body)!;
        Assert.Equal(job + "-transform", model["ModelName"]!.GetValue<string>());
        Assert.Equal($"s3://{Bucket}/{ModelKey}", model["PrimaryContainer"]!["ModelDataUrl"]!.GetValue<string>());
        Assert.Contains("pca:1", model["PrimaryContainer"]!["Image"]!.GetValue<string>(), StringComparison.Ordinal);
        var transform = JsonNode.Parse(stub.Requests[4].Body)!;
        Assert.Equal("text/csv", transform["TransformInput"]!["ContentType"]!.GetValue<string>());
        Assert.Equal("Line", transform["TransformInput"]!["SplitType"]!.GetValue<string>());
        Assert.Equal("application/jsonlines", transform["TransformOutput"]!["Accept"]!.GetValue<string>());
        Assert.Equal($"s3://{Bucket}/team/models/_sagemaker/{job}/transform/", transform["TransformOutput"]!["S3OutputPath"]!.GetValue<string>());

        var registry = new SqliteRegistry(Path.Combine(dir, "home", "registry.db"));
        if (expectedExit == 1)
        {
            Assert.Contains("ended Failed: ClientError: bad row 3", stderr, StringComparison.Ordinal);
            Assert.Equal("failed", registry.GetRun(job["mlops-".Length..])!.Status);
            Assert.Empty(registry.ListModelVersions("dataset-iris-001-pca"));
            return;
        }

        // explained_variance_total = (variance of the two kept coordinates) / (variance of all four), over the test rows.
        var test = await bed.ReadRowsAsync(transform["TransformInput"]!["DataSource"]!["S3DataSource"]!["S3Uri"]!.GetValue<string>() + "test.csv");
        double Variance(int d) => test.Average(r => (r[d] - test.Average(q => q[d])) * (r[d] - test.Average(q => q[d])));
        var expected = (Variance(0) + Variance(1)) / Enumerable.Range(0, 4).Sum(Variance);
        var results = JsonNode.Parse(await bed.ReadTextAsync($"team/evaluations/{job["mlops-".Length..]}/results.json"))!;
        Assert.Equal(expected, results["metrics"]!["explained_variance_total"]!.GetValue<double>(), 1e-9);
        Assert.Equal("transform:explained_variance_total", results["judged_metric"]!.GetValue<string>());
        Assert.Contains("PASS (trained on SageMaker)", stdout, StringComparison.Ordinal);
        Assert.Contains("SageMaker PCA's MXNet format", stdout, StringComparison.Ordinal);
        Assert.Equal("1.0.0", Assert.Single(registry.ListModelVersions("dataset-iris-001-pca")).Version);
        var metadata = JsonNode.Parse(await bed.ReadTextAsync("team/models/dataset-iris-001-pca/1.0.0/sagemaker_model.json"))!;
        Assert.Equal("pca", metadata["algorithm"]!.GetValue<string>());
    }

}
