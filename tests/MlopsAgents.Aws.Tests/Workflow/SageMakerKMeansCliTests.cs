using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Aws.Tests.Workflow;

/// <summary>
/// <c>mlops run</c> of a clustering request with MLOPS_TRAINING_BACKEND=sagemaker through the real process: the
/// unlabelled channels go to s3rver, CreateTrainingJob and DescribeTrainingJob to the signed Kestrel stub, which replays
/// K-Means' test:msd; the Judge's variance_explained is checked against the channels the job was given.
/// </summary>
public sealed class SageMakerKMeansCliTests(S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    private const string ModelKey = "team/fixtures/kmeans-model.tar.gz";
    private const string ModelName = "dataset-iris-001-kmeans";
    private readonly SageMakerTestBed bed = new(s3rver, "mlops-km-", ModelKey, Encoding.UTF8.GetBytes("kmeans model bytes"), ExampleDataset.Iris);

    private string Bucket => bed.Bucket;

    private const string Request = """
        Cluster the iris flowers on SageMaker.

        ```yaml
        dataset_id: dataset-iris-001
        target: species
        learning_type: unsupervised
        task_type: clustering
        algorithm: kmeans
        hyperparameters:
          n_clusters: 3
        primary_metric: variance_explained
        evaluation_threshold: 0.6
        data_preprocessing:
          standardize: true
        ```
        """;

    [Theory]
    [InlineData(0.93, 0)]
    [InlineData(3.5, 3)]
    public async Task Run_KMeansRequest_TrainsUnlabelledChannelsAndJudgesVarianceExplained(double testMsd, int expectedExit)
    {
        using var temp = new TempDir("mlops-sm-kmeans-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir, stub);
        var issue = Path.Combine(dir, "iris-kmeans-sagemaker.md");
        await File.WriteAllTextAsync(issue, Request);
        stub.Reply(
            StubResponse.Ok("""{"TrainingJobArn":"arn:aws:sagemaker:us-east-1:111122223333:training-job/km"}"""),
            StubResponse.Ok(new JsonObject
            {
                ["TrainingJobName"] = "replayed",
                ["TrainingJobStatus"] = "Completed",
                ["SecondaryStatus"] = "Completed",
                ["ModelArtifacts"] = new JsonObject { ["S3ModelArtifacts"] = $"s3://{Bucket}/{ModelKey}" },
                ["FinalMetricDataList"] = new JsonArray(
                    new JsonObject { ["MetricName"] = "test:msd", ["Value"] = testMsd, ["Timestamp"] = 1.7e9 },
                    new JsonObject { ["MetricName"] = "test:ssd", ["Value"] = testMsd * 30, ["Timestamp"] = 1.7e9 }),
            }.ToJsonString()));

        var (code, stdout, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", issue);

        Assert.True(code == expectedExit, $"exit {code}: {stderr}{stdout}");
        Assert.Equal(["SageMaker.CreateTrainingJob", "SageMaker.DescribeTrainingJob"], stub.Requests.Select(r => r.Header("x-amz-target")));
        var create = JsonNode.Parse(stub.Requests[0].Body)!;
        Assert.Equal("382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1", create["AlgorithmSpecification"]!["TrainingImage"]!.GetValue<string>());
        Assert.Equal("File", create["AlgorithmSpecification"]!["TrainingInputMode"]!.GetValue<string>());
        var hp = create["HyperParameters"]!;
        Assert.Equal("3", hp["k"]!.GetValue<string>());
        Assert.Equal("4", hp["feature_dim"]!.GetValue<string>());
        Assert.Equal("120", hp["mini_batch_size"]!.GetValue<string>());
        Assert.Equal("kmeans++", hp["init_method"]!.GetValue<string>());
        Assert.Equal("""["msd","ssd"]""", hp["eval_metrics"]!.GetValue<string>());
        Assert.Null(hp["eval_metric"]);
        var channels = create["InputDataConfig"]!.AsArray();
        Assert.Equal(["train", "test"], channels.Select(c => c!["ChannelName"]!.GetValue<string>()));
        Assert.All(channels, c => Assert.Equal("text/csv;label_size=0", c!["ContentType"]!.GetValue<string>()));

        // The channels hold the four standardised features and no label: no species, no class code.
        var train = await bed.ReadRowsAsync(channels[0]!["DataSource"]!["S3DataSource"]!["S3Uri"]!.GetValue<string>() + "train.csv");
        var test = await bed.ReadRowsAsync(channels[1]!["DataSource"]!["S3DataSource"]!["S3Uri"]!.GetValue<string>() + "test.csv");
        Assert.Equal(120, train.Count);
        Assert.Equal(30, test.Count);
        Assert.All(train.Concat(test), row => Assert.Equal(4, row.Length));

        // variance_explained = 1 − test:msd / (mean squared distance of the test rows to the training mean), recomputed from what the job read.
        var mean = Enumerable.Range(0, 4).Select(d => train.Average(r => r[d])).ToArray();
        var baseline = test.Average(r => r.Select((v, d) => (v - mean[d]) * (v - mean[d])).Sum());
        var expected = 1 - testMsd / baseline;
        var results = JsonNode.Parse(await bed.ReadTextAsync($"team/evaluations/{TrainingId(create)}/results.json"))!;
        Assert.Equal(expected, results["metrics"]!["variance_explained"]!.GetValue<double>(), 1e-9);
        Assert.Equal(testMsd, results["metrics"]!["test:msd"]!.GetValue<double>());
        Assert.Equal("test:msd", results["judged_metric"]!.GetValue<string>());
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"variance_explained   {expected:0.0000}"), stdout, StringComparison.Ordinal);
        Assert.Contains("SageMaker K-Means' MXNet format", stdout, StringComparison.Ordinal);

        var versions = new SqliteRegistry(Path.Combine(dir, "home", "registry.db")).ListModelVersions(ModelName);
        if (expectedExit == 0)
        {
            Assert.Contains("PASS (trained on SageMaker)", stdout, StringComparison.Ordinal);
            Assert.Equal("1.0.0", Assert.Single(versions).Version);
            var model = JsonNode.Parse(await bed.ReadTextAsync($"team/models/{ModelName}/1.0.0/sagemaker_model.json"))!;
            Assert.Equal("kmeans", model["algorithm"]!.GetValue<string>());
            Assert.Contains("kmeans:1", model["training_image"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("FAIL (trained on SageMaker)", stdout, StringComparison.Ordinal);
            Assert.Empty(versions);
        }
    }

    [Theory]
    [InlineData("primary_metric: variance_explained\n", "", "primary_metric: silhouette_score →", "set primary_metric: variance_explained")]
    [InlineData("  n_clusters: 3\n", "  k_min: 2\n", "hyperparameters.n_clusters:", "SageMaker K-Means trains a fixed k")]
    public async Task Run_KMeansRequestSageMakerCannotJudge_ExitsTwoBeforeAnyAwsCall(string original, string replacement, string field, string expected)
    {
        using var temp = new TempDir("mlops-sm-kmeans-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir, stub);
        var issue = Path.Combine(dir, "iris-kmeans-sagemaker.md");
        Assert.Contains(original, Request, StringComparison.Ordinal);
        await File.WriteAllTextAsync(issue, Request.Replace(original, replacement, StringComparison.Ordinal));

        var (code, _, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(2), "run", issue);

        Assert.Equal(2, code);
        Assert.Contains(field, stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    private static string TrainingId(JsonNode create) => create["TrainingJobName"]!.GetValue<string>()["mlops-".Length..];

}
