using System.Text.Json;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.Support;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Workflow.Pipeline;

namespace MlopsAgents.Tests.Workflow;

public sealed class LocalPipelineTests
{
    [Fact]
    public async Task RunIssueFileAsync_BreastCancerExample_PassesAndWritesEveryArtifact()
    {
        using var dir = new TempDirectory();
        var pipeline = await PipelineWithDatasetAsync(dir, "breast_cancer.csv", "dataset-bc-001", "diagnosis");

        var summary = await pipeline.RunIssueFileAsync(Examples.Issue("breast-cancer.md"));

        Assert.Equal(JudgeDecisions.Pass, summary.Decision);
        Assert.Equal(new ModelSummary("breast-cancer-classifier", "1.0.0"), summary.Model);
        foreach (var name in new[] { "accuracy", "precision", "recall", "f1_score", "auc_roc", "f1_score_weighted" })
        {
            Assert.InRange(summary.Metrics[name], 0.85, 1.0);
        }

        Assert.True(File.Exists(summary.Artifacts.Results));
        Assert.True(File.Exists(summary.Artifacts.DataQuality));
        Assert.True(File.Exists(summary.Artifacts.History));
        var evaluationDir = Path.GetDirectoryName(summary.Artifacts.Results)!;
        Assert.True(File.Exists(Path.Combine(evaluationDir, "confusion_matrix.png")));
        Assert.True(File.Exists(Path.Combine(evaluationDir, "roc_curve.png")));
        Assert.Equal("actual,predicted,p_benign,p_malignant", File.ReadLines(summary.Artifacts.Predictions!).First());
        Assert.Equal(113, File.ReadLines(summary.Artifacts.Predictions!).Count() - 1);

        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(summary.Artifacts.Results));
        Assert.Equal(summary.TrainingId, results.RootElement.GetProperty("training_id").GetString());
        Assert.Equal("pass", results.RootElement.GetProperty("judge").GetProperty("decision").GetString());
        Assert.Equal(2, results.RootElement.GetProperty("per_class").GetArrayLength());

        var history = await File.ReadAllTextAsync(summary.Artifacts.History);
        foreach (var heading in new[] { "## Basic information", "## Dataset", "## Hyperparameters", "## Evaluation", "## Model", "## Status" })
        {
            Assert.Contains(heading, history, StringComparison.Ordinal);
        }

        var home = new MlopsHome(dir.Combine("home"));
        var registry = new SqliteRegistry(home.RegistryDatabase);
        Assert.Equal("1.0.0", registry.GetAlias("breast-cancer-classifier", ModelAliases.Champion));
        var lineage = registry.GetLineage("breast-cancer-classifier", "1.0.0")!;
        Assert.Equal("dataset-bc-001", lineage.Dataset!.DatasetId);
        Assert.Equal("canary", Assert.Single(lineage.Deployments).Strategy);
        var metadataPath = Path.Combine(home.ArtifactsRoot, "models", "breast-cancer-classifier", "1.0.0", "model_metadata.json");
        Assert.True(File.Exists(metadataPath));
        Assert.True(File.Exists(Path.Combine(home.ArtifactsRoot, "models", "breast-cancer-classifier", "1.0.0", "openapi.json")));

        // Retraining the same configuration is a minor bump; the first version is archived.
        var second = await pipeline.RunIssueFileAsync(Examples.Issue("breast-cancer.md"));
        Assert.Equal("1.1.0", second.Model!.Version);
        Assert.Equal("1.0.0", registry.GetAlias("breast-cancer-classifier", ModelAliases.Archived));
    }

    [Fact]
    public async Task RunIssueFileAsync_WineRandomForest_PassesOnThreeClasses()
    {
        using var dir = new TempDirectory();
        var pipeline = await PipelineWithDatasetAsync(dir, "wine.csv", "dataset-wine-001", "cultivar");

        var summary = await pipeline.RunIssueFileAsync(Examples.Issue("wine-random-forest.md"));

        Assert.Equal(JudgeDecisions.Pass, summary.Decision);
        Assert.InRange(summary.Metrics["accuracy"], 0.9, 1.0);
        Assert.Equal("actual,predicted,p_class_0,p_class_1,p_class_2", File.ReadLines(summary.Artifacts.Predictions!).First());
    }

    [Fact]
    public async Task RunAsync_ThresholdOutOfReach_RetrainsUpToMaxRetryThenFails()
    {
        using var dir = new TempDirectory();
        var pipeline = await PipelineWithDatasetAsync(dir, "wine.csv", "dataset-wine-001", "cultivar");
        var issue = dir.Combine("issue.md");
        await File.WriteAllTextAsync(issue, """
            ```yaml
            dataset_id: dataset-wine-001
            learning_type: supervised
            task_type: classification
            algorithm: random_forest
            hyperparameters:
              n_estimators: 5
              max_depth: 1
            evaluation_threshold: 1.0
            primary_metric: accuracy
            max_retry: 2
            ```
            """);

        var summary = await pipeline.RunIssueFileAsync(issue);

        Assert.Equal(JudgeDecisions.Fail, summary.Decision);
        Assert.Equal(3, summary.Attempts);
        Assert.Null(summary.Model);
        Assert.Contains("all 2 retries are used", summary.Reason, StringComparison.Ordinal);
        var registry = new SqliteRegistry(new MlopsHome(dir.Combine("home")).RegistryDatabase);
        var runs = registry.ListRuns("dataset-wine-001");
        Assert.Equal(3, runs.Count);
        Assert.Equal([5L, 10L, 20L], runs.OrderBy(r => r.StartedAt).Select(r => (long)r.Parameters["n_estimators"]));
        Assert.Empty(registry.ListActiveDeployments());
    }

    [Fact]
    public async Task RunAsync_ColumnsNotInDataset_ReportsEveryProblemBeforeWork()
    {
        using var dir = new TempDirectory();
        var pipeline = await PipelineWithDatasetAsync(dir, "wine.csv", "dataset-wine-001", "cultivar");
        var issue = dir.Combine("issue.md");
        await File.WriteAllTextAsync(issue, """
            dataset_id: dataset-wine-001
            target: grape
            drop_columns: [ash, colour]
            task_type: classification
            algorithm: random_forest
            """);

        var e = await Assert.ThrowsAsync<RequestValidationException>(() => pipeline.RunIssueFileAsync(issue));

        Assert.Equal(["target", "drop_columns[1]"], e.Errors.Select(x => x.Path));
        Assert.Contains("column 'grape' is not in the dataset", e.Errors[0].Message, StringComparison.Ordinal);
        Assert.Empty(pipeline.Registry.ListRuns());
    }

    [Fact]
    public async Task RunAsync_ClassWeightWithUnweightedAlgorithm_IsRefusedBeforeWork()
    {
        using var dir = new TempDirectory();
        var pipeline = await PipelineWithDatasetAsync(dir, "wine.csv", "dataset-wine-001", "cultivar");
        var issue = dir.Combine("issue.md");
        await File.WriteAllTextAsync(issue, "dataset_id: dataset-wine-001\ntask_type: classification\nalgorithm: neural_network\ndata_preprocessing: {class_imbalance: class_weight}\n");

        var e = await Assert.ThrowsAsync<RequestValidationException>(() => pipeline.RunIssueFileAsync(issue));

        Assert.Equal("data_preprocessing.class_imbalance", Assert.Single(e.Errors).Path);
        Assert.Contains("use smote or undersample for neural_network", e.Errors[0].Message, StringComparison.Ordinal);
        Assert.Empty(pipeline.Registry.ListRuns());
    }

    [Fact]
    public async Task RunAsync_UnregisteredDataset_TellsHowToRegister()
    {
        using var dir = new TempDirectory();
        var pipeline = new LocalPipeline(new MlopsHome(dir.Combine("home")), dir.Path);

        var e = await Assert.ThrowsAsync<RequestValidationException>(() => pipeline.RunIssueFileAsync(Examples.Issue("seed-example.md")));

        var error = Assert.Single(e.Errors);
        Assert.Equal("dataset_id", error.Path);
        Assert.Contains("mlops data add FILE --id dataset-20250128-001", error.Message, StringComparison.Ordinal);
    }

    internal static async Task<LocalPipeline> PipelineWithDatasetAsync(TempDirectory dir, string file, string id, string target)
    {
        var home = new MlopsHome(dir.Combine("home")).EnsureCreated();
        var pipeline = new LocalPipeline(home, dir.Path);
        await new DatasetService(pipeline.Registry, pipeline.Store).AddAsync(Examples.Dataset(file), id, target);
        return pipeline;
    }
}
