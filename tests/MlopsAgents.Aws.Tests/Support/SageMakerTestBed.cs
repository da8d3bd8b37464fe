using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Aws.Tests.Support;

/// <summary>A bundled example CSV and the id and target it is registered under.</summary>
public sealed record ExampleDataset(string File, string Id, string Target)
{
    public static readonly ExampleDataset BreastCancer = new("breast_cancer.csv", "dataset-bc-001", "diagnosis");
    public static readonly ExampleDataset Iris = new("iris.csv", "dataset-iris-001", "species");
}

/// <summary>
/// What every SageMaker test through the real <c>mlops</c> and <c>mlops-mcp</c> processes arranges: a bucket of its own on
/// s3rver holding the model artifact SageMaker would have written, an example dataset registered on it, and the
/// environment that points the processes at that bucket and at the signed stub.
/// </summary>
/// <remarks>xunit makes a new test-class instance per test while s3rver lives for the class, so each bed (one per instance) has its own bucket.</remarks>
public sealed class SageMakerTestBed(S3rverFixture s3rver, string bucketPrefix, string modelKey, byte[] modelBytes, ExampleDataset dataset)
{
    public const string Role = "arn:aws:iam::111122223333:role/mlops-dev-training";

    public string Bucket { get; } = bucketPrefix + Guid.NewGuid().ToString("N")[..12];

    public string ModelKey => modelKey;

    /// <summary>s3://bucket/{ModelKey}: where the replayed jobs say SageMaker left the model.</summary>
    public string ModelUri => $"s3://{Bucket}/{modelKey}";

    public static string Examples => Path.Combine(AppContext.BaseDirectory, "examples");

    /// <summary>
    /// Training on SageMaker with the store on the bucket under team/; the registry, deployment and workflow backends are
    /// set empty (embedded) so a developer's own variables cannot leak in, and a test turns them on itself.
    /// </summary>
    public Dictionary<string, string?> Environment(string dir, AwsStub stub) => new()
    {
        ["MLOPS_HOME"] = Path.Combine(dir, "home"),
        ["MLOPS_DATA_ROOT"] = Examples,
        ["MLOPS_ARTIFACT_STORE"] = $"s3://{Bucket}/team",
        ["MLOPS_S3_ENDPOINT"] = s3rver.Endpoint.ToString(),
        ["MLOPS_TRAINING_BACKEND"] = "sagemaker",
        ["MLOPS_SAGEMAKER_ROLE_ARN"] = Role,
        ["MLOPS_SAGEMAKER_POLL_SECONDS"] = "0",
        ["MLOPS_MODEL_REGISTRY"] = "",
        ["MLOPS_DEPLOY_BACKEND"] = "",
        ["MLOPS_WORKFLOW_BACKEND"] = "",
        ["MLOPS_AWS_ENDPOINT"] = stub.Endpoint.ToString(),
        ["AWS_REGION"] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = "S3RVER",
        ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
    };

    /// <summary>The bucket with the model in it, and the environment; no dataset yet.</summary>
    public async Task<Dictionary<string, string?>> PrepareBucketAsync(string dir, AwsStub stub)
    {
        using (var s3 = s3rver.CreateClient())
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = Bucket });
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = modelKey, InputStream = new MemoryStream(modelBytes), UseChunkEncoding = false });
        }

        return Environment(dir, stub);
    }

    /// <summary>The bucket with the model in it, the environment, and the bed's dataset registered through <c>mlops data add</c>.</summary>
    public async Task<Dictionary<string, string?>> PrepareAsync(string dir, AwsStub stub)
    {
        var env = await PrepareBucketAsync(dir, stub);
        AddDataset(env, dataset);
        return env;
    }

    /// <summary>Registers another example dataset on the store the environment names.</summary>
    public static void AddDataset(Dictionary<string, string?> env, ExampleDataset example)
    {
        var (code, _, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "data", "add", Path.Combine(Examples, example.File), "--id", example.Id, "--target", example.Target);
        Assert.True(code == 0, stderr);
    }

    public async Task<string> ReadTextAsync(string key)
    {
        using var s3 = s3rver.CreateClient();
        using var response = await s3.GetObjectAsync(Bucket, key);
        return await new StreamReader(response.ResponseStream).ReadToEndAsync();
    }

    /// <summary>The rows of a CSV channel (no header) that a job was given by its s3:// URI.</summary>
    public async Task<List<double[]>> ReadRowsAsync(string uri)
    {
        var text = await ReadTextAsync(uri[$"s3://{Bucket}/".Length..]);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];
    }

    /// <summary>
    /// Checks a CreateTrainingJob body for the breast-cancer request on built-in XGBoost, as the store under team/ lays it
    /// out: the role, the balanced profile's instance on spot, checkpoints and output under the prefixes the training
    /// role may write, the image and the train channel. Returns the job's name.
    /// </summary>
    public string AssertXgboostSpotJob(JsonNode body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var job = body["TrainingJobName"]!.GetValue<string>();
        Assert.StartsWith("mlops-train-", job, StringComparison.Ordinal);
        Assert.Equal(Role, body["RoleArn"]!.GetValue<string>());
        Assert.Equal("ml.m5.xlarge", body["ResourceConfig"]!["InstanceType"]!.GetValue<string>());
        Assert.True(body["EnableManagedSpotTraining"]!.GetValue<bool>());
        Assert.Equal($"s3://{Bucket}/team/checkpoints/{job}/", body["CheckpointConfig"]!["S3Uri"]!.GetValue<string>());
        Assert.Equal($"s3://{Bucket}/team/models/_sagemaker/", body["OutputDataConfig"]!["S3OutputPath"]!.GetValue<string>());
        Assert.Contains("sagemaker-xgboost:1.7-1", body["AlgorithmSpecification"]!["TrainingImage"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(TrainChannel(job), body["InputDataConfig"]![0]!["DataSource"]!["S3DataSource"]!["S3Uri"]!.GetValue<string>());
        return job;
    }

    /// <summary>The s3:// URI of a job's train channel: datasets/{id}/sagemaker/{training id}/train/ under team/.</summary>
    public string TrainChannel(string job) => $"s3://{Bucket}/team/datasets/{dataset.Id}/sagemaker/{job["mlops-".Length..]}/train/";
}
