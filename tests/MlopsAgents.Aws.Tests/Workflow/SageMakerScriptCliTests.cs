using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Aws.Tests.Workflow;

/// <summary>
/// <c>mlops run</c> with MLOPS_TRAINING_BACKEND=sagemaker on a random_forest request, through the real process: the
/// script goes to s3rver as sourcedir.tar.gz, CreateTrainingJob (to the SigV4-checking stub) names the scikit-learn
/// framework image, the entry point and the MetricDefinitions, and the job's FinalMetricDataList is what the Judge reads.
/// </summary>
public sealed class SageMakerScriptCliTests(S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    private const string ModelKey = "team/models/_sagemaker/job/output/model.tar.gz";
    private static readonly byte[] ModelBytes = Encoding.UTF8.GetBytes("model.tar.gz holding model.joblib, as the script left it");
    private readonly SageMakerTestBed bed = new(s3rver, "mlops-sms-", ModelKey, ModelBytes, ExampleDataset.BreastCancer);

    private string Bucket => bed.Bucket;

    [Fact]
    public async Task Run_RandomForestOnSageMaker_UploadsTheScriptStartsAScriptModeJobJudgesItsMetricAndRegisters()
    {
        using var temp = new TempDir("mlops-sms-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir, stub);
        stub.Reply(
            StubResponse.Ok("""{"TrainingJobArn":"arn:aws:sagemaker:us-east-1:111122223333:training-job/j"}"""),
            Job("InProgress", 0),
            Job("Completed", 0.9649));
        var issue = await IssueAsync(dir, "algorithm: random_forest\nhyperparameters:\n  n_estimators: 200\n  max_depth: 8", "evaluation_threshold: 0.85\nprimary_metric: accuracy");

        var (code, stdout, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", issue);

        Assert.True(code == 0, stderr + stdout);
        Assert.Equal(["SageMaker.CreateTrainingJob", "SageMaker.DescribeTrainingJob", "SageMaker.DescribeTrainingJob"], stub.Requests.Select(r => r.Header("x-amz-target")));
        // s3rver and the stub share the process's one credential set, so the stub sees S3RVER's key rather than its own; the scope still has to be SageMaker's.
        Assert.All(stub.Requests, r => Assert.StartsWith("AWS4-HMAC-SHA256 Credential=S3RVER/", r.Header("authorization"), StringComparison.Ordinal));
        Assert.All(stub.Requests, r => Assert.Contains("/us-east-1/sagemaker/aws4_request", r.Header("authorization"), StringComparison.Ordinal));
        var create = JsonNode.Parse(stub.Requests[0].Body)!;
        var algorithm = create["AlgorithmSpecification"]!;
        Assert.Equal("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3", algorithm["TrainingImage"]!.GetValue<string>());
        var definitions = algorithm["MetricDefinitions"]!.AsArray().ToDictionary(d => d!["Name"]!.GetValue<string>(), d => d!["Regex"]!.GetValue<string>());
        Assert.Equal("validation:accuracy=([0-9.eE+-]+)", definitions["validation:accuracy"]);
        Assert.Equal(6, definitions.Count);
        Assert.Equal("ml.m5.xlarge", create["ResourceConfig"]!["InstanceType"]!.GetValue<string>());
        Assert.Equal(1, create["ResourceConfig"]!["InstanceCount"]!.GetValue<int>());
        Assert.True(create["EnableManagedSpotTraining"]!.GetValue<bool>());

        // Framework containers take JSON-encoded hyperparameters, as the SageMaker Python SDK sends them.
        var hp = create["HyperParameters"]!;
        var key = ScriptModeJob.SourceKey();
        Assert.Equal("\"sklearn_train.py\"", hp["sagemaker_program"]!.GetValue<string>());
        Assert.Equal($"\"s3://{Bucket}/team/{key}\"", hp["sagemaker_submit_directory"]!.GetValue<string>());
        Assert.Equal("\"us-east-1\"", hp["sagemaker_region"]!.GetValue<string>());
        Assert.Equal("\"random_forest\"", hp["algorithm"]!.GetValue<string>());
        Assert.Equal("\"classification\"", hp["task"]!.GetValue<string>());
        Assert.Equal("\"200\"", hp["n_estimators"]!.GetValue<string>());
        Assert.Equal("\"8\"", hp["max_depth"]!.GetValue<string>());
        Assert.Equal("\"2\"", hp["num_classes"]!.GetValue<string>());
        Assert.Equal("\"42\"", hp["seed"]!.GetValue<string>());
        Assert.Null(hp["objective"]);

        // The tarball on S3 holds the shipped script byte for byte.
        using var s3 = s3rver.CreateClient();
        using (var tarball = await s3.GetObjectAsync(Bucket, "team/" + key))
        {
            using var tar = new TarReader(new GZipStream(tarball.ResponseStream, CompressionMode.Decompress));
            var entry = tar.GetNextEntry()!;
            Assert.Equal("sklearn_train.py", entry.Name);
            using var content = new MemoryStream();
            await entry.DataStream!.CopyToAsync(content);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "scripts", "sklearn_train.py")), content.ToArray());
            Assert.Null(tar.GetNextEntry());
        }

        Assert.Contains("scikit-learn script mode (RandomForestClassifier / RandomForestRegressor)", stderr + stdout, StringComparison.Ordinal);
        Assert.Contains("PASS (trained on SageMaker)", stdout, StringComparison.Ordinal);
        Assert.Contains("accuracy             0.9649", stdout, StringComparison.Ordinal);
        Assert.Contains("model: breast-cancer-classifier 1.0.0", stdout, StringComparison.Ordinal);

        var registry = new SqliteRegistry(new MlopsHome(Path.Combine(dir, "home")).RegistryDatabase);
        var version = Assert.Single(registry.ListModelVersions("breast-cancer-classifier"));
        var run = registry.GetRun(version.TrainingId)!;
        Assert.Equal("random_forest", run.Algorithm);
        Assert.Equal("finished", run.Status);
        using var results = await s3.GetObjectAsync(Bucket, $"team/evaluations/{version.TrainingId}/results.json");
        var json = JsonNode.Parse(await new StreamReader(results.ResponseStream).ReadToEndAsync())!;
        Assert.Equal("random_forest", json["algorithm"]!.GetValue<string>());
        Assert.Equal("sagemaker", json["backend"]!.GetValue<string>());
        using var model = await s3.GetObjectAsync(Bucket, $"team/{version.ArtifactPrefix}sagemaker_model.json");
        var recorded = JsonNode.Parse(await new StreamReader(model.ResponseStream).ReadToEndAsync())!;
        Assert.Equal("random_forest", recorded["algorithm"]!.GetValue<string>());
        Assert.Equal("sagemaker", recorded["backend"]!.GetValue<string>());
        Assert.Contains("sagemaker-scikit-learn:1.2-1-cpu-py3", recorded["training_image"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ScriptModeJobBelowThreshold_FailsTheJudgeAndRegistersNothing()
    {
        using var temp = new TempDir("mlops-sms-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir, stub);
        stub.Reply(StubResponse.Ok("""{"TrainingJobArn":"arn:job"}"""), Job("Completed", 0.71));
        var issue = await IssueAsync(dir, "algorithm: logistic_regression\nhyperparameters:\n  C: 0.5", "evaluation_threshold: 0.85\nprimary_metric: accuracy");

        var (code, stdout, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", issue);

        Assert.Equal(3, code);
        Assert.Contains("FAIL (trained on SageMaker)", stdout, StringComparison.Ordinal);
        Assert.Equal("\"0.5\"", JsonNode.Parse(stub.Requests[0].Body)!["HyperParameters"]!["C"]!.GetValue<string>());
        Assert.Empty(new SqliteRegistry(new MlopsHome(Path.Combine(dir, "home")).RegistryDatabase).ListModelVersions("breast-cancer-classifier"));
    }

    [Fact]
    public async Task Run_ScriptModeWithSageMakerRegistry_PackagesTheModelWithTheScriptAsInferenceEntryPoint()
    {
        using var temp = new TempDir("mlops-sms-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var env = await bed.PrepareAsync(dir, stub);
        env["MLOPS_MODEL_REGISTRY"] = "sagemaker";
        stub.Reply(
            StubResponse.Ok("""{"TrainingJobArn":"arn:job"}"""),
            Job("Completed", 0.95),
            StubResponse.Ok("""{"ModelPackageGroupArn":"arn:group"}"""),
            StubResponse.Ok("""{"ModelPackageArn":"arn:aws:sagemaker:us-east-1:111122223333:model-package/breast-cancer-classifier/1"}"""),
            StubResponse.Ok("""{"ModelPackageArn":"arn:aws:sagemaker:us-east-1:111122223333:model-package/breast-cancer-classifier/1"}"""));
        var issue = await IssueAsync(dir, "algorithm: neural_network\nhyperparameters:\n  hidden_layers: [32, 16]", "evaluation_threshold: 0.85\nprimary_metric: accuracy");

        var (code, stdout, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", issue);

        Assert.True(code == 0, stderr + stdout);
        Assert.Equal("\"32,16\"", JsonNode.Parse(stub.Requests[0].Body)!["HyperParameters"]!["hidden_layers"]!.GetValue<string>());
        Assert.Equal("SageMaker.CreateModelPackage", stub.Requests[3].Header("x-amz-target"));
        var container = JsonNode.Parse(stub.Requests[3].Body)!["InferenceSpecification"]!["Containers"]![0]!;
        Assert.Equal("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3", container["Image"]!.GetValue<string>());
        Assert.Equal("sklearn_train.py", container["Environment"]!["SAGEMAKER_PROGRAM"]!.GetValue<string>());
        Assert.Equal("/opt/ml/model/code", container["Environment"]!["SAGEMAKER_SUBMIT_DIRECTORY"]!.GetValue<string>());
        Assert.Contains("SageMaker model package arn:aws:sagemaker:us-east-1:111122223333:model-package/breast-cancer-classifier/1 Approved", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("algorithm: random_forest", "evaluation_threshold: 0.85\nprimary_metric: precision", "primary_metric: precision →", "The scikit-learn script reports accuracy, f1_score, auc_roc, rmse, mae")]
    [InlineData("algorithm: logistic_regression\nhpo:\n  method: random\n  max_trials: 3\n  search_space:\n    C: {type: log_float, low: 0.01, high: 10}", "evaluation_threshold: 0.85", "hpo: set →", "the hyperparameter search runs on the embedded default only")]
    public async Task Run_ScriptModeRequestItCannotTrain_ExitsTwoBeforeAnyAwsCall(string algorithm, string threshold, string field, string expected)
    {
        using var temp = new TempDir("mlops-sms-cli-");
        var dir = temp.Path;
        await using var stub = await AwsStub.StartAsync();
        var issue = await IssueAsync(dir, algorithm, threshold);

        var (code, _, stderr) = MlopsCli.Run(bed.Environment(dir, stub), TimeSpan.FromMinutes(2), "run", issue);

        Assert.Equal(2, code);
        Assert.Contains(field, stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    /// <summary>The bundled breast-cancer issue with its algorithm block and threshold replaced.</summary>
    private static async Task<string> IssueAsync(string dir, string algorithm, string threshold)
    {
        var example = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "examples", "breast-cancer.md"));
        const string Original = "algorithm: xgboost\nhyperparameters:\n  num_round: 100\n  max_depth: 5";
        Assert.Contains(Original, example, StringComparison.Ordinal);
        var text = example.Replace(Original, algorithm, StringComparison.Ordinal).Replace("evaluation_threshold: 0.85", threshold, StringComparison.Ordinal);
        var issue = Path.Combine(dir, "issue.md");
        await File.WriteAllTextAsync(issue, text);
        return issue;
    }

    private StubResponse Job(string status, double accuracy) => StubResponse.Ok(new JsonObject
    {
        ["TrainingJobName"] = "replayed",
        ["TrainingJobStatus"] = status,
        ["SecondaryStatus"] = status == "InProgress" ? "Training" : status,
        ["ModelArtifacts"] = status == "Completed" ? new JsonObject { ["S3ModelArtifacts"] = $"s3://{Bucket}/{ModelKey}" } : null,
        ["BillableTimeInSeconds"] = status == "Completed" ? 61 : null,
        ["FinalMetricDataList"] = status == "Completed"
            ? new JsonArray(
                new JsonObject { ["MetricName"] = "train:accuracy", ["Value"] = 1.0, ["Timestamp"] = 1.7e9 },
                new JsonObject { ["MetricName"] = "validation:accuracy", ["Value"] = accuracy, ["Timestamp"] = 1.7e9 },
                new JsonObject { ["MetricName"] = "validation:f1", ["Value"] = accuracy - 0.01, ["Timestamp"] = 1.7e9 })
            : null,
    }.ToJsonString());

}
