using Amazon.S3.Model;
using MlopsAgents.Aws.Storage;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Workflow.Pipeline;

namespace MlopsAgents.Aws.Tests.Workflow;

/// <summary>The same workflow with its artifacts on S3 (s3rver): phases 1–5 of the bundled example, nothing changed but the store.</summary>
public sealed class PipelineOnS3Tests(S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task RunIssueFileAsync_BreastCancerOnS3Store_PassesAndKeepsArtifactsInTheBucket()
    {
        var dir = Directory.CreateTempSubdirectory("mlops-aws-pipeline-").FullName;
        try
        {
            using var s3 = s3rver.CreateClient();
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = "mlops-pipeline" });
            var store = new S3ArtifactStore(s3, new S3ArtifactStoreOptions { Bucket = "mlops-pipeline", Prefix = "mlops" });
            var home = new MlopsHome(Path.Combine(dir, "home")).EnsureCreated();
            var context = new MlopsContext(home, dir, store);
            var examples = Path.Combine(AppContext.BaseDirectory, "examples");
            await new DatasetService(context.Registry, store).AddAsync(Path.Combine(examples, "breast_cancer.csv"), "dataset-bc-001", "diagnosis");

            var summary = await new LocalPipeline(context).RunIssueFileAsync(Path.Combine(examples, "breast-cancer.md"));

            Assert.Equal(JudgeDecisions.Pass, summary.Decision);
            Assert.StartsWith("s3://mlops-pipeline/mlops/evaluations/", summary.Artifacts.Results, StringComparison.Ordinal);
            var models = await store.ListAsync("models/breast-cancer-classifier/1.0.0/");
            Assert.Contains("models/breast-cancer-classifier/1.0.0/model_metadata.json", models);
            Assert.Contains(await store.ListAsync("evaluations/"), k => k.EndsWith("/results.json", StringComparison.Ordinal));
            Assert.Contains(await store.ListAsync("datasets/dataset-bc-001/"), k => k.EndsWith(".csv", StringComparison.Ordinal));
            Assert.False(Directory.Exists(Path.Combine(home.ArtifactsRoot, "models")), "no model files in the local artifact folder");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
