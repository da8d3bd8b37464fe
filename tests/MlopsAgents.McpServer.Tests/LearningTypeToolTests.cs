using System.Text.Json;
using ModelContextProtocol.Client;
using static MlopsAgents.McpServer.Tests.ToolResults;

namespace MlopsAgents.McpServer.Tests;

/// <summary>The imbalance, unsupervised, hyperparameter-search, SHAP and fairness tools, called through a real MCP client on the bundled datasets.</summary>
public sealed class LearningTypeToolTests(McpServerFixture server) : IClassFixture<McpServerFixture>
{
    private McpClient Client => server.Writable;

    [Fact]
    public async Task UnsupervisedTools_IrisKMeansPcaTsneDbscan_ReportRealMetrics()
    {
        (await Client.CallToolAsync("load_dataset", Args(("path", "iris.csv"), ("dataset_id", "lt-iris"), ("target", "species")))).Ok();
        var prepared = (await Client.CallToolAsync("preprocess_unsupervised", Args(("dataset_id", "lt-iris")))).Ok();
        var trainingId = prepared.GetProperty("training_id").GetString()!;
        Assert.Equal("species", prepared.GetProperty("label_column").GetString());
        Assert.Equal(4, prepared.GetProperty("feature_names").GetArrayLength());
        Assert.Equal(150, prepared.GetProperty("rows").GetInt32());

        var kmeans = (await Client.CallToolAsync("train_unsupervised_clustering", Args(("training_id", trainingId), ("algorithm", "kmeans"), ("hyperparameters", new Dictionary<string, object> { ["n_clusters"] = 3 })))).Ok();
        var silhouette = kmeans.GetProperty("metrics").GetProperty("silhouette_score").GetDouble();
        Assert.InRange(silhouette, 0.4, 0.6);
        Assert.InRange(kmeans.GetProperty("metrics").GetProperty("davies_bouldin_index").GetDouble(), 0.5, 1.2);
        Assert.Equal(3, kmeans.GetProperty("cluster_sizes").EnumerateObject().Count());
        Assert.Equal(150, kmeans.GetProperty("cluster_sizes").EnumerateObject().Sum(p => p.Value.GetInt32()));
        var assignments = kmeans.GetProperty("artifacts").GetProperty("assignments").GetString()!;
        Assert.Equal(151, File.ReadAllLines(assignments).Length);
        var run = server.Context.Registry.GetRun(kmeans.GetProperty("run_id").GetString()!)!;
        Assert.Equal(trainingId, run.ParentTrainingId);
        Assert.Equal("clustering", run.TaskType);

        var rescored = (await server.ReadOnly.CallToolAsync("evaluate_clustering", Args(("run_id", kmeans.GetProperty("run_id").GetString())))).Ok();
        Assert.Equal(silhouette, rescored.GetProperty("silhouette_score").GetDouble(), 9);
        Assert.Equal(kmeans.GetProperty("metrics").GetProperty("davies_bouldin_index").GetDouble(), rescored.GetProperty("davies_bouldin_index").GetDouble(), 9);

        // On z-scored iris the first component carries about 73% of the variance (92% on the raw centimetres).
        var pca = (await Client.CallToolAsync("train_unsupervised_dimensionality_reduction", Args(("training_id", trainingId), ("algorithm", "pca")))).Ok();
        var ratios = pca.GetProperty("explained_variance_ratio").EnumerateArray().Select(r => r.GetDouble()).ToArray();
        Assert.InRange(ratios[0], 0.72, 0.74);
        Assert.InRange(ratios[1], 0.22, 0.24);
        Assert.InRange(pca.GetProperty("metrics").GetProperty("trustworthiness").GetDouble(), 0.9, 1.0);
        Assert.Equal(151, File.ReadAllLines(pca.GetProperty("artifacts").GetProperty("embedding").GetString()!).Length);
        Assert.True(new FileInfo(pca.GetProperty("artifacts").GetProperty("embedding_plot").GetString()!).Length > 1000);

        var unscaled = (await Client.CallToolAsync("preprocess_unsupervised", Args(("dataset_id", "lt-iris"), ("standardize", false)))).Ok();
        var rawPca = (await Client.CallToolAsync("train_unsupervised_dimensionality_reduction", Args(("training_id", unscaled.GetProperty("training_id").GetString()), ("algorithm", "pca")))).Ok();
        Assert.InRange(rawPca.GetProperty("explained_variance_ratio")[0].GetDouble(), 0.92, 0.93);

        var tsne = (await Client.CallToolAsync("train_unsupervised_dimensionality_reduction", Args(("training_id", trainingId), ("algorithm", "tsne"), ("hyperparameters", new Dictionary<string, object> { ["n_iter"] = 300, ["perplexity"] = 20 })))).Ok();
        Assert.InRange(tsne.GetProperty("metrics").GetProperty("trustworthiness").GetDouble(), 0.9, 1.0);

        var dbscan = (await Client.CallToolAsync("train_unsupervised_clustering", Args(("training_id", trainingId), ("algorithm", "dbscan"), ("hyperparameters", new Dictionary<string, object> { ["eps"] = 0.6, ["min_samples"] = 5 })))).Ok();
        var sizes = dbscan.GetProperty("cluster_sizes");
        Assert.Equal(2, dbscan.GetProperty("metrics").GetProperty("n_clusters").GetDouble());
        Assert.Equal(150, sizes.EnumerateObject().Sum(p => p.Value.GetInt32()));
        Assert.Equal(dbscan.GetProperty("metrics").GetProperty("n_noise").GetDouble(), sizes.TryGetProperty("noise", out var noise) ? noise.GetInt32() : 0);
    }

    [Fact]
    public async Task HyperparameterOptimization_RandomFourTrials_RecordsFourChildRuns()
    {
        var trainingId = await PrepareAsync("breast_cancer.csv", "lt-bc", "diagnosis", "dataset_id: lt-bc\ntask_type: classification\nalgorithm: random_forest\n");
        var hpo = new Dictionary<string, object>
        {
            ["method"] = "random",
            ["max_trials"] = 4,
            ["cv_folds"] = 3,
            ["search_space"] = new Dictionary<string, object>
            {
                ["n_estimators"] = new Dictionary<string, object> { ["type"] = "int", ["low"] = 10, ["high"] = 40 },
                ["max_features"] = new Dictionary<string, object> { ["type"] = "categorical", ["values"] = new[] { "sqrt", "log2" } },
            },
        };

        var search = (await Client.CallToolAsync("hyperparameter_optimization", Args(("training_id", trainingId), ("algorithm", "random_forest"), ("hpo", hpo)))).Ok();

        Assert.Equal("f1_score", search.GetProperty("metric").GetString());
        var trials = search.GetProperty("trials").EnumerateArray().ToList();
        Assert.Equal(4, trials.Count);
        Assert.InRange(search.GetProperty("best_score").GetDouble(), 0.85, 1.0);
        Assert.Equal(trials.Max(t => t.GetProperty("mean_score").GetDouble()), search.GetProperty("best_score").GetDouble());
        Assert.All(trials, t => Assert.Equal(3, t.GetProperty("fold_scores").GetArrayLength()));
        Assert.InRange(search.GetProperty("best_parameters").GetProperty("n_estimators").GetInt32(), 10, 40);
        var children = server.Context.Registry.ListRuns("lt-bc").Where(r => r.ParentTrainingId == trainingId && r.Decision == "hpo_trial").ToList();
        Assert.Equal(4, children.Count);
        Assert.All(children, r => Assert.True(r.Metrics.ContainsKey("f1_score")));
        Assert.True(File.Exists(search.GetProperty("artifact").GetString()));

        var dryRun = (await server.ReadOnly.CallToolAsync("hyperparameter_optimization", Args(("training_id", trainingId), ("algorithm", "random_forest"), ("hpo", hpo), ("dry_run", true)))).Ok();
        Assert.True(dryRun.GetProperty("dry_run").GetBoolean());
        Assert.Equal(4, server.Context.Registry.ListRuns("lt-bc").Count(r => r.ParentTrainingId == trainingId && r.Decision == "hpo_trial"));
    }

    [Fact]
    public async Task CalculateShapValues_RandomForest_UsesTreeShapAndSavesPng()
    {
        var trainingId = await PrepareAsync("breast_cancer.csv", "lt-bc", "diagnosis", "dataset_id: lt-bc\ntask_type: classification\nalgorithm: random_forest\n");
        var run = (await Client.CallToolAsync("train_supervised_classifier", Args(("training_id", trainingId), ("algorithm", "random_forest"), ("hyperparameters", new Dictionary<string, object> { ["n_estimators"] = 30 })))).Ok();
        var runId = run.GetProperty("run_id").GetString();

        var shap = (await Client.CallToolAsync("calculate_shap_values", Args(("run_id", runId), ("max_rows", 5)))).Ok();

        Assert.Equal("tree_shap", shap.GetProperty("method").GetString());
        Assert.Equal(30, shap.GetProperty("global_importance").GetArrayLength());
        Assert.Equal(1, shap.GetProperty("global_importance")[0].GetProperty("rank").GetInt32());
        Assert.Equal(5, shap.GetProperty("rows").GetArrayLength());
        Assert.Equal(1, shap.GetProperty("base_values").GetArrayLength());
        Assert.InRange(shap.GetProperty("max_local_accuracy_error").GetDouble(), 0, 1e-6);
        var row = shap.GetProperty("rows")[0];
        var output = row.GetProperty("outputs").EnumerateObject().Single();
        var sum = shap.GetProperty("base_values")[0].GetDouble() + row.GetProperty("values").GetProperty(output.Name).EnumerateObject().Sum(v => v.Value.GetDouble());
        Assert.Equal(output.Value.GetDouble(), sum, 6);
        Assert.True(new FileInfo(shap.GetProperty("png").GetString()!).Length > 1000);

        var dryRun = (await server.ReadOnly.CallToolAsync("calculate_shap_values", Args(("run_id", runId), ("max_rows", 2), ("dry_run", true)))).Ok();
        Assert.False(dryRun.TryGetProperty("png", out _));
        Assert.Equal(2, dryRun.GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public async Task ApplyClassImbalanceHandling_BreastCancer_BalancesTrainingSplit()
    {
        var trainingId = await PrepareAsync("breast_cancer.csv", "lt-bc", "diagnosis", "dataset_id: lt-bc\ntask_type: classification\nalgorithm: xgboost\n");

        var smote = (await Client.CallToolAsync("apply_class_imbalance_handling", Args(("training_id", trainingId), ("method", "smote")))).Ok();
        var before = Counts(smote.GetProperty("counts_before"));
        var after = Counts(smote.GetProperty("counts_after"));
        Assert.True(before["benign"] > before["malignant"]);
        Assert.Equal(before["benign"], after["benign"]);
        Assert.Equal(before["benign"], after["malignant"]);
        var saved = smote.GetProperty("saved").GetString()!;
        Assert.EndsWith($"processed/train/{trainingId}-smote.csv", saved.Replace('\\', '/'), StringComparison.Ordinal);
        Assert.Equal(2 * before["benign"] + 1, File.ReadAllLines(saved).Length);

        var under = (await Client.CallToolAsync("apply_class_imbalance_handling", Args(("training_id", trainingId), ("method", "undersample"), ("target_ratio", 0.8), ("dry_run", true)))).Ok();
        var underAfter = Counts(under.GetProperty("counts_after"));
        Assert.Equal(before["malignant"], underAfter["malignant"]);
        Assert.Equal((int)Math.Ceiling(before["malignant"] / 0.8), underAfter["benign"]);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(saved)!, $"{trainingId}-undersample.csv")));

        var weights = (await Client.CallToolAsync("apply_class_imbalance_handling", Args(("training_id", trainingId), ("method", "class_weight")))).Ok();
        var n = before.Values.Sum();
        Assert.Equal((double)n / (2 * before["malignant"]), weights.GetProperty("class_weights").GetProperty("malignant").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Null, weights.GetProperty("saved").ValueKind);
        Assert.Equal(before, Counts(weights.GetProperty("counts_after")));
    }

    [Fact]
    public async Task BiasCheck_LoansBySex_ReportsGroupRatesAndDisparateImpact()
    {
        // A non-default test size, so the split must be recovered from the manifest's counts.
        var trainingId = await PrepareAsync("loans.csv", "lt-loans", "default", "dataset_id: lt-loans\ntask_type: classification\nalgorithm: logistic_regression\ntest_size: 0.25\ndata_preprocessing: {standardize: true}\n");
        var run = (await Client.CallToolAsync("train_supervised_classifier", Args(("training_id", trainingId), ("algorithm", "logistic_regression")))).Ok();

        var report = (await server.ReadOnly.CallToolAsync("bias_check", Args(("run_id", run.GetProperty("run_id").GetString()), ("sensitive_feature", "sex")))).Ok();

        Assert.Equal("1", report.GetProperty("positive_label").GetString());
        var groups = report.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["female", "male"], groups.Select(g => g.GetProperty("group").GetString()));
        Assert.Equal(report.GetProperty("test_rows").GetInt32(), groups.Sum(g => g.GetProperty("count").GetInt32()));
        var rates = groups.Select(g => g.GetProperty("selection_rate").GetDouble()).ToArray();
        var ratio = report.GetProperty("disparate_impact_ratio").GetDouble();
        Assert.Equal(rates.Min() / rates.Max(), ratio, 9);
        Assert.Equal(rates.Max() - rates.Min(), report.GetProperty("demographic_parity_difference").GetDouble(), 9);

        // The seeded logistic regression selects women about twice as often as men for default: 0.05 against 0.026.
        Assert.InRange(ratio, 0.3, 0.8);
        Assert.True(report.GetProperty("fails_four_fifths_rule").GetBoolean());
        Assert.Contains("test_size 0.25", report.GetProperty("row_mapping").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewWriteTools_ReadOnlyServer_RefuseUnlessDryRun()
    {
        (await Client.CallToolAsync("load_dataset", Args(("path", "iris.csv"), ("dataset_id", "lt-iris-ro"), ("target", "species")))).Ok();

        var refused = (await server.ReadOnly.CallToolAsync("preprocess_unsupervised", Args(("dataset_id", "lt-iris-ro")))).Error();
        var dryRun = (await server.ReadOnly.CallToolAsync("preprocess_unsupervised", Args(("dataset_id", "lt-iris-ro"), ("drop_columns", new[] { "sepal_width_(cm)" }), ("dry_run", true)))).Ok();

        Assert.Contains("--allow-write", refused, StringComparison.Ordinal);
        Assert.Equal(3, dryRun.GetProperty("feature_names").GetArrayLength());
        foreach (var tool in new[] { "apply_class_imbalance_handling", "hyperparameter_optimization", "train_unsupervised_clustering", "train_unsupervised_dimensionality_reduction", "calculate_shap_values" })
        {
            Assert.Contains("--allow-write", (await server.ReadOnly.CallToolAsync(tool, Args(("training_id", "x"), ("run_id", "x")))).Error(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NewTools_BadArguments_NameTheFieldValueAndWhatIsAllowed()
    {
        var supervised = await PrepareAsync("breast_cancer.csv", "lt-bc", "diagnosis", "dataset_id: lt-bc\ntask_type: classification\nalgorithm: xgboost\n");
        (await Client.CallToolAsync("load_dataset", Args(("path", "iris.csv"), ("dataset_id", "lt-iris"), ("target", "species")))).Ok();
        var unsupervised = (await Client.CallToolAsync("preprocess_unsupervised", Args(("dataset_id", "lt-iris")))).Ok().GetProperty("training_id").GetString()!;
        var run = (await Client.CallToolAsync("train_supervised_classifier", Args(("training_id", supervised), ("algorithm", "logistic_regression")))).Ok().GetProperty("run_id").GetString();
        var badSpace = new Dictionary<string, object> { ["method"] = "sobol", ["max_trials"] = 0, ["search_space"] = new Dictionary<string, object> { ["depth"] = new Dictionary<string, object> { ["type"] = "int", ["low"] = 1, ["high"] = 5 } } };

        async Task<string> Fails(string tool, params (string, object?)[] args)
        {
            var error = (await Client.CallToolAsync(tool, Args(args))).Error();
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
            return error;
        }

        Assert.Contains("method: 'oversample' → one of smote, undersample, class_weight", await Fails("apply_class_imbalance_handling", ("training_id", supervised), ("method", "oversample")), StringComparison.Ordinal);
        Assert.Contains("target_ratio: '1.5' → a number > 0 and <= 1", await Fails("apply_class_imbalance_handling", ("training_id", supervised), ("method", "smote"), ("target_ratio", 1.5)), StringComparison.Ordinal);
        var hpoError = await Fails("hyperparameter_optimization", ("training_id", supervised), ("algorithm", "xgboost"), ("hpo", badSpace));
        Assert.Contains("hpo.method: sobol → use one of grid, random, bayesian", hpoError, StringComparison.Ordinal);
        Assert.Contains("hpo.max_trials: 0 →", hpoError, StringComparison.Ordinal);
        Assert.Contains("hpo.search_space.depth: xgboost has no hyperparameter 'depth'", hpoError, StringComparison.Ordinal);
        Assert.Contains("hpo.colour: unknown field", await Fails("hyperparameter_optimization", ("training_id", supervised), ("algorithm", "xgboost"), ("hpo", new Dictionary<string, object> { ["colour"] = "red" })), StringComparison.Ordinal);
        Assert.Contains("does not support task 'clustering'", await Fails("train_unsupervised_clustering", ("training_id", unsupervised), ("algorithm", "pca")), StringComparison.Ordinal);
        Assert.Contains("this one holds labeled splits from preprocess_supervised", await Fails("train_unsupervised_clustering", ("training_id", supervised), ("algorithm", "kmeans")), StringComparison.Ordinal);
        Assert.Contains("max_rows: '0' → a whole number from 1 to 200", await Fails("calculate_shap_values", ("run_id", run), ("max_rows", 0)), StringComparison.Ordinal);
        Assert.Contains("sensitive_feature: 'gender' → a raw input column", await Fails("bias_check", ("run_id", run), ("sensitive_feature", "gender")), StringComparison.Ordinal);
        Assert.Contains("positive_label: 'yes' → one of the run's classes: benign, malignant", await Fails("bias_check", ("run_id", run), ("sensitive_feature", "mean_radius"), ("positive_label", "yes")), StringComparison.Ordinal);
        Assert.Contains("label_column: 'kind' → a column of the dataset", await Fails("preprocess_unsupervised", ("dataset_id", "lt-iris"), ("label_column", "kind")), StringComparison.Ordinal);
        Assert.Contains("run_id: 'ghost' → a run_id returned by train_unsupervised_clustering", await Fails("evaluate_clustering", ("run_id", "ghost")), StringComparison.Ordinal);
        Assert.Contains("run_id: '" + run + "' → a clustering run", await Fails("evaluate_clustering", ("run_id", run)), StringComparison.Ordinal);
    }

    private async Task<string> PrepareAsync(string file, string datasetId, string target, string request)
    {
        (await Client.CallToolAsync("load_dataset", Args(("path", file), ("dataset_id", datasetId), ("target", target)))).Ok();
        return (await Client.CallToolAsync("preprocess_supervised", Args(("request", request)))).Ok().GetProperty("training_id").GetString()!;
    }

    private static Dictionary<string, int> Counts(JsonElement counts) => counts.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
}
