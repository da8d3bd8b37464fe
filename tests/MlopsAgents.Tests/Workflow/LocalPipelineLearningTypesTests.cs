using System.Text.Json;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Workflow;

public sealed class LocalPipelineLearningTypesTests
{
    [Fact]
    public async Task RunIssueFileAsync_KMeansOnIris_WritesAssignmentsInInputOrder()
    {
        using var dir = new TempDirectory();
        var pipeline = await LocalPipelineTests.PipelineWithDatasetAsync(dir, "iris.csv", "iris", "species");
        var issue = dir.Combine("issue.md");
        await File.WriteAllTextAsync(issue, """
            ```yaml
            dataset_id: iris
            target: species
            learning_type: unsupervised
            task_type: clustering
            algorithm: kmeans
            hyperparameters:
              n_clusters: 3
            data_preprocessing:
              standardize: true
            ```
            """);

        var summary = await pipeline.RunIssueFileAsync(issue);

        Assert.Equal(JudgeDecisions.Pass, summary.Decision);
        Assert.InRange(summary.Metrics["silhouette_score"], 0.4, 0.6);
        Assert.True(summary.Metrics.ContainsKey("davies_bouldin_index"));
        var lines = File.ReadAllLines(summary.Artifacts.Assignments!);
        Assert.Equal("cluster", lines[0]);
        Assert.Equal(151, lines.Length);
        // The first 50 rows are all setosa, which k-means puts in one cluster on its own.
        Assert.Single(lines.Skip(1).Take(50).Distinct());
        Assert.DoesNotContain(lines[1], lines.Skip(101));
        Assert.Equal("1.0.0", summary.Model!.Version);
        Assert.Null(summary.Artifacts.Predictions);
    }

    [Fact]
    public async Task RunIssueFileAsync_PcaOnWine_WritesEmbeddingAndVarianceRatios()
    {
        using var dir = new TempDirectory();
        var pipeline = await LocalPipelineTests.PipelineWithDatasetAsync(dir, "wine.csv", "wine", "cultivar");
        var issue = dir.Combine("issue.md");
        await File.WriteAllTextAsync(issue, "dataset_id: wine\ntarget: cultivar\nlearning_type: unsupervised\ntask_type: dimensionality_reduction\nalgorithm: pca\nhyperparameters: {n_components: 3}\ndata_preprocessing: {standardize: true}\n");

        var summary = await pipeline.RunIssueFileAsync(issue);

        var embedding = File.ReadAllLines(summary.Artifacts.Embedding!);
        Assert.Equal("c1,c2,c3", embedding[0]);
        Assert.Equal(179, embedding.Length);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(summary.Artifacts.Results));
        var ratios = results.RootElement.GetProperty("explained_variance_ratio").EnumerateArray().Select(r => r.GetDouble()).ToArray();
        // scikit-learn on standardized wine: 0.3620, 0.1921, 0.1112.
        Assert.Equal(0.3620, ratios[0], 3);
        Assert.Equal(0.1921, ratios[1], 3);
        Assert.True(ratios[0] >= ratios[1] && ratios[1] >= ratios[2]);
        Assert.Equal(ratios, summary.ExplainedVarianceRatio);
        Assert.Equal(JudgeDecisions.Pass, summary.Decision);
    }

    [Fact]
    public async Task RunIssueFileAsync_LoansWithSearchSmoteAndFairness_ReportsEverything()
    {
        using var dir = new TempDirectory();
        var pipeline = await LocalPipelineTests.PipelineWithDatasetAsync(dir, "loans.csv", "loans", "default");
        var issue = dir.Combine("issue.md");
        await File.WriteAllTextAsync(issue, """
            ```yaml
            dataset_id: loans
            task_type: classification
            algorithm: logistic_regression
            data_preprocessing:
              handle_missing: median
              standardize: true
              class_imbalance: smote
            hpo:
              method: random
              max_trials: 3
              cv_folds: 3
              metric: auc_roc
              search_space:
                C: {type: log_float, low: 0.01, high: 10}
            fairness:
              sensitive_features: [sex]
              positive_label: "1"
            primary_metric: auc_roc
            evaluation_threshold: 0.6
            learning_curve: false
            ```
            """);

        var summary = await pipeline.RunIssueFileAsync(issue);

        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(summary.Artifacts.Results));
        var root = results.RootElement;
        var before = root.GetProperty("data_preparation").GetProperty("class_counts_before");
        var after = root.GetProperty("data_preparation").GetProperty("class_counts_after");
        Assert.True(before.GetProperty("0").GetInt32() > 3 * before.GetProperty("1").GetInt32());
        Assert.Equal(after.GetProperty("0").GetInt32(), after.GetProperty("1").GetInt32());
        Assert.Equal(3, root.GetProperty("hyperparameter_search").GetProperty("trials").GetArrayLength());
        var bestC = root.GetProperty("hyperparameter_search").GetProperty("best_parameters").GetProperty("C").GetDouble();
        Assert.Equal(bestC, root.GetProperty("hyperparameters").GetProperty("C").GetDouble());
        var fairness = root.GetProperty("insights").GetProperty("fairness")[0];
        Assert.Equal("sex", fairness.GetProperty("sensitive_feature").GetString());
        Assert.Equal(2, fairness.GetProperty("groups").GetArrayLength());
        Assert.Equal("kernel_shap", root.GetProperty("insights").GetProperty("shap").GetProperty("method").GetString());
        Assert.Equal(3, new SqliteRegistry(new MlopsHome(dir.Combine("home")).RegistryDatabase).ListRuns("loans").Count(r => r.Decision == "search_trial"));
        var history = await File.ReadAllTextAsync(summary.Artifacts.History);
        Assert.Contains("## Hyperparameter search", history, StringComparison.Ordinal);
        Assert.Contains("sex", history, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunIssueFileAsync_PpoOnCartPole_LearnsAndRegistersThePolicy()
    {
        using var dir = new TempDirectory();
        var pipeline = new MlopsAgents.Workflow.Pipeline.LocalPipeline(new MlopsHome(dir.Combine("home")), dir.Path);
        var issue = dir.Combine("issue.md");
        await File.WriteAllTextAsync(issue, "learning_type: reinforcement\ntask_type: control\nalgorithm: ppo\nenvironment: cartpole\nhyperparameters: {total_timesteps: 20480, evaluation_episodes: 20}\nevaluation_threshold: 100\nrandom_seed: 1\n");

        var summary = await pipeline.RunIssueFileAsync(issue);

        Assert.Equal(JudgeDecisions.Pass, summary.Decision);
        Assert.InRange(summary.Metrics["average_reward"], 100, 500);
        Assert.True(summary.Metrics.ContainsKey("success_rate"));
        Assert.Equal(new MlopsAgents.Workflow.Pipeline.ModelSummary("cartpole-ppo", "1.0.0"), summary.Model);
        Assert.True(File.Exists(Path.Combine(summary.Artifacts.Policy!, "policy.json")));
        Assert.Contains("## Environment", await File.ReadAllTextAsync(summary.Artifacts.History), StringComparison.Ordinal);
    }
}
