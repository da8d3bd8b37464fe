using Amazon.S3.Model;
using MlopsAgents.Aws.Storage;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Aws.Tests.Workflow;

/// <summary>The CLI honours MLOPS_ARTIFACT_STORE like mlops-mcp does: the bundled example's run puts its artifacts in the bucket.</summary>
public sealed class CliOnS3Tests(S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task DataAddAndRun_S3ArtifactStore_WritesDatasetAndModelToTheBucket()
    {
        var dir = Directory.CreateTempSubdirectory("mlops-aws-cli-").FullName;
        try
        {
            using var s3 = s3rver.CreateClient();
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = "mlops-cli" });
            var examples = Path.Combine(AppContext.BaseDirectory, "examples");
            var env = Environment(dir);

            var (add, _, addErr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "data", "add", Path.Combine(examples, "breast_cancer.csv"), "--id", "dataset-bc-001", "--target", "diagnosis");
            Assert.True(add == 0, addErr);
            var (run, stdout, runErr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", Path.Combine(examples, "breast-cancer.md"));
            Assert.True(run == 0, runErr);
            Assert.Contains("PASS", stdout, StringComparison.Ordinal);

            var store = new S3ArtifactStore(s3, new S3ArtifactStoreOptions { Bucket = "mlops-cli", Prefix = "team" });
            Assert.Contains(await store.ListAsync("datasets/dataset-bc-001/"), k => k.EndsWith(".csv", StringComparison.Ordinal));
            Assert.Contains("models/breast-cancer-classifier/1.0.0/model_metadata.json", await store.ListAsync("models/breast-cancer-classifier/"));
            Assert.False(Directory.Exists(Path.Combine(dir, "home", "artifacts", "models")), "no model files in the local artifact folder");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("MLOPS_ARTIFACT_STORE", "ftp://bucket", "MLOPS_ARTIFACT_STORE='ftp://bucket' is not allowed")]
    [InlineData("MLOPS_WORKFLOW_BACKEND", "stepfunctions", "MLOPS_WORKFLOW_BACKEND")]
    public void Run_UnsupportedBackendSetting_ExitsTwoNamingTheVariable(string variable, string value, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("mlops-aws-cli-").FullName;
        try
        {
            var env = Environment(dir);
            env[variable] = value;
            env["MLOPS_SAGEMAKER_ROLE_ARN"] = "arn:aws:iam::123456789012:role/mlops-training";

            var (code, _, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "run", Path.Combine(AppContext.BaseDirectory, "examples", "breast-cancer.md"));

            Assert.Equal(2, code);
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private Dictionary<string, string?> Environment(string dir) => new()
    {
        ["MLOPS_HOME"] = Path.Combine(dir, "home"),
        ["MLOPS_DATA_ROOT"] = Path.Combine(AppContext.BaseDirectory, "examples"),
        ["MLOPS_ARTIFACT_STORE"] = "s3://mlops-cli/team",
        ["MLOPS_S3_ENDPOINT"] = s3rver.Endpoint.ToString(),
        ["AWS_REGION"] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = "S3RVER",
        ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
    };
}
