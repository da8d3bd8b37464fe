using System.Text;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training.Search;
using static MlopsAgents.Tests.Requests.RequestFixtures;

namespace MlopsAgents.Tests.Requests;

public sealed class TrainingRequestParserTests
{
    private static TrainingRequest ParseValid(string body)
    {
        var result = TrainingRequestParser.Parse(body, Options);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Request!;
    }

    private static RequestError SingleError(string body)
    {
        var result = TrainingRequestParser.Parse(body, Options);
        Assert.Null(result.Request);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void Parse_SeedExample_ReadsEveryField()
    {
        var request = ParseValid(Read("seed-request.md"));

        Assert.Equal("dataset-20250128-001", request.DatasetId);
        Assert.Null(request.DatasetUri);
        Assert.Null(request.Target);
        Assert.Equal(MissingValueStrategies.Mean, request.DataPreprocessing.HandleMissing);
        Assert.True(request.DataPreprocessing.Normalize);
        Assert.False(request.DataPreprocessing.Standardize);
        Assert.Equal(CategoricalEncodings.OneHot, request.DataPreprocessing.EncodeCategorical);
        Assert.Equal(LearningTypes.Supervised, request.LearningType);
        Assert.Equal(TaskTypes.Classification, request.TaskType);
        Assert.Equal("xgboost", request.Algorithm);
        Assert.Equal(new Dictionary<string, object> { ["num_round"] = 100L, ["max_depth"] = 5L }, request.Hyperparameters);
        Assert.Equal(0.85, request.EvaluationThreshold);
        Assert.Equal("f1_score", request.EffectivePrimaryMetric);
        Assert.Equal(DeploymentStrategies.Canary, request.DeploymentStrategy);
        Assert.True(request.MonitoringEnabled);
        Assert.True(request.AutoRetrainEnabled);
        Assert.Equal(["drift_detected", "metric_degradation"], request.RetrainTriggers);
        Assert.Equal(0.2, request.TestSize);
        Assert.Equal(0.1, request.ValidationSize);
        Assert.Equal(42, request.RandomSeed);
    }

    [Fact]
    public void Parse_EveryFieldSet_MapsEachOntoTheRequest()
    {
        var request = ParseValid(Read("full-request.yaml"));

        Assert.Equal(new TrainingRequest
        {
            DatasetUri = "/data/tabular/loans.csv",
            Target = "defaulted",
            ModelName = "loans-rf.v2",
            DataPreprocessing = new()
            {
                HandleMissing = "median", Normalize = false, Standardize = true, EncodeCategorical = "label", RemoveDuplicates = false,
            },
            LearningType = "supervised",
            TaskType = "regression",
            Algorithm = "random_forest",
            Hyperparameters = request.Hyperparameters,
            EvaluationThreshold = 0.4,
            PrimaryMetric = "mae",
            DeploymentStrategy = "blue_green",
            MonitoringEnabled = true,
            AutoRetrainEnabled = true,
            RetrainTriggers = request.RetrainTriggers,
            FeatureColumns = request.FeatureColumns,
            DropColumns = request.DropColumns,
            TestSize = 0.25,
            ValidationSize = 0.15,
            RandomSeed = 7,
            MaxRetry = 0,
            WorkflowOptimization = new() { Enabled = true, AutoApprove = true, PerformanceProfile = "accuracy" },
        }, request);
        Assert.Equal(
            new Dictionary<string, object>
            {
                ["n_estimators"] = 250L, ["max_depth"] = 12L, ["min_samples_split"] = 4L, ["min_samples_leaf"] = 2L,
                ["max_features"] = "log2", ["bootstrap"] = false,
            },
            request.Hyperparameters);
        Assert.Equal(["schedule", "new_data"], request.RetrainTriggers);
        Assert.Equal(["income", "loan_amount", "term"], request.FeatureColumns!);
        Assert.Equal(["customer_id"], request.DropColumns);
    }

    [Fact]
    public void Parse_NewFieldsLeftOut_TakeTheirDefaults()
    {
        var request = ParseValid(Read("seed-request.md"));

        Assert.Null(request.Environment);
        Assert.Null(request.Hpo);
        Assert.Null(request.Fairness);
        Assert.True(request.Explain);
        Assert.True(request.LearningCurve);
        Assert.Equal(ImbalanceStrategies.None, request.DataPreprocessing.ClassImbalance);
        Assert.Equal(OutlierStrategies.None, request.DataPreprocessing.OutlierRemoval);
    }

    [Fact]
    public void Parse_UnsupervisedWithTarget_KeepsTheTargetForPlots()
    {
        var request = ParseValid(Read("kmeans-iris-request.yaml"));

        Assert.Equal("/data/tabular/iris.csv", request.DatasetUri);
        Assert.Equal("species", request.Target);
        Assert.Equal(LearningTypes.Unsupervised, request.LearningType);
        Assert.Equal(TaskTypes.Clustering, request.TaskType);
        Assert.Equal("kmeans", request.Algorithm);
        Assert.Equal(3L, request.Hyperparameters["n_clusters"]);
        Assert.Equal("iqr", request.DataPreprocessing.OutlierRemoval);
        Assert.Equal("silhouette_score", request.EffectivePrimaryMetric);
        Assert.Equal(0.4, request.EvaluationThreshold);
    }

    [Fact]
    public void Parse_Tsne_ReadsHyperparametersAndSwitches()
    {
        var request = ParseValid(Read("tsne-request.yml"));

        Assert.Equal(TaskTypes.DimensionalityReduction, request.TaskType);
        Assert.Equal("tsne", request.Algorithm);
        Assert.Equal(40.0, request.Hyperparameters["perplexity"]);
        Assert.Equal("trustworthiness", request.EffectivePrimaryMetric);
        Assert.False(request.Explain);
        Assert.False(request.LearningCurve);
    }

    [Fact]
    public void Parse_Reinforcement_ReadsTheEnvironmentAndNoDataset()
    {
        var request = ParseValid(Read("reinforcement-request.md"));

        Assert.Null(request.DatasetId);
        Assert.Null(request.DatasetUri);
        Assert.Equal(LearningTypes.Reinforcement, request.LearningType);
        Assert.Equal(TaskTypes.Control, request.TaskType);
        Assert.Equal("dqn", request.Algorithm);
        Assert.Equal("cartpole", request.Environment);
        Assert.Equal(new long[] { 64, 64 }, request.Hyperparameters["hidden_layers"]);
        Assert.Equal("average_reward", request.EffectivePrimaryMetric);
        Assert.Equal(195, request.EvaluationThreshold);
    }

    [Fact]
    public void Parse_HpoFairnessAndImbalance_MapOntoTheRequest()
    {
        var request = ParseValid(Read("hpo-fairness-request.yaml"));

        Assert.Equal("smote", request.DataPreprocessing.ClassImbalance);
        Assert.Equal(CategoricalEncodings.Target, request.DataPreprocessing.EncodeCategorical);
        var hpo = Assert.IsType<HpoOptions>(request.Hpo);
        Assert.Equal(SearchMethods.Bayesian, hpo.Method);
        Assert.Equal(30, hpo.MaxTrials);
        Assert.Equal("auc_roc", hpo.Metric);
        Assert.Equal(3, hpo.CvFolds);
        Assert.Equal(["activation", "batch_size", "learning_rate"], hpo.SearchSpace.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new SearchDimension { Type = "log_float", Low = 0.0001, High = 0.1 }, hpo.SearchSpace["learning_rate"]);
        Assert.Equal(new SearchDimension { Type = "int", Low = 16, High = 128 }, hpo.SearchSpace["batch_size"]);
        Assert.Equal("categorical", hpo.SearchSpace["activation"].Type);
        Assert.Equal(["relu", "tanh"], hpo.SearchSpace["activation"].Values!);
        Assert.Equal(["sex", "race"], request.Fairness!.SensitiveFeatures);
        Assert.Equal(">50K", request.Fairness.PositiveLabel);
    }

    [Fact]
    public void Parse_NumericPositiveLabel_IsReadAsText()
    {
        var request = ParseValid(WithBase("fairness:\n  sensitive_features: [sex]\n  positive_label: 1"));

        Assert.Equal("1", request.Fairness!.PositiveLabel);
    }

    [Fact]
    public void Parse_GridSearchValues_KeepTheirYamlTypes()
    {
        var request = ParseValid(WithBase("hpo:\n  method: grid\n  search_space:\n    max_depth: {type: int, low: 2, high: 8, values: [2, 4, 8]}\n    eta: {type: float, low: 0.05, high: 0.3, steps: 3}"));

        Assert.Equal([2L, 4L, 8L], request.Hpo!.SearchSpace["max_depth"].Values!);
        Assert.Equal(3, request.Hpo.SearchSpace["eta"].Steps);
    }

    [Fact]
    public void Parse_DatasetVersion_IsKept()
    {
        var request = ParseValid(Read("dataset-version-request.yml"));

        Assert.Equal(3, request.DatasetVersion);
        Assert.Equal("logistic_regression", request.Algorithm);
        Assert.Equal(0.5, request.Hyperparameters["C"]);
    }

    [Fact]
    public void Parse_YamlFenceInsideProse_ReadsOnlyTheFence()
    {
        const string body = """
            I'd like a model, please. Config:

            ```python
            algorithm: not-this-one
            ```

            ~~~yml
            dataset_id: loans
            task_type: regression
            algorithm: linear_regression
            ~~~

            ```yaml
            algorithm: nor-this-one
            ```
            """;

        var request = ParseValid(body);

        Assert.Equal("linear_regression", request.Algorithm);
        Assert.Equal("r2", request.EffectivePrimaryMetric);
    }

    [Fact]
    public void Parse_WholeBodyYamlWithCrLfAndBom_Parses()
    {
        var body = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("dataset_id: loans\r\ntask_type: classification\r\nalgorithm: random_forest\r\n")).ToArray();

        var result = TrainingRequestParser.Parse(body, Options);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("loans", result.Request!.DatasetId);
    }

    [Fact]
    public void Parse_FenceWithCrLf_Parses()
    {
        var request = ParseValid("Hi\r\n\r\n```YAML\r\ndataset_id: loans\r\ntask_type: classification\r\nalgorithm: xgboost\r\n```\r\n");

        Assert.Equal("xgboost", request.Algorithm);
    }

    [Fact]
    public void Parse_AliasesWithinTheLimit_Expand()
    {
        var request = ParseValid(WithBase("model_name: &name churn\ntarget: *name"));

        Assert.Equal("churn", request.Target);
    }

    [Fact]
    public void Parse_HyperparameterAliasAndIntForFloat_StoresCanonicalTypedValues()
    {
        var request = ParseValid(WithBase("hyperparameters:\n  n_estimators: 50\n  learning_rate: 1\n  reg_alpha: 0.5"));

        Assert.Equal(new Dictionary<string, object> { ["num_round"] = 50L, ["eta"] = 1.0, ["alpha"] = 0.5 }, request.Hyperparameters);
    }

    [Theory]
    [InlineData("iris.csv", "/data/iris.csv")]
    [InlineData("./sub/../tabular/iris.csv", "/data/tabular/iris.csv")]
    [InlineData("/data/tabular/iris.csv", "/data/tabular/iris.csv")]
    [InlineData("file:///data/tabular/iris.csv", "/data/tabular/iris.csv")]
    public void Parse_DatasetUriUnderDataRoot_StoresAbsolutePath(string uri, string expected)
    {
        var request = ParseValid(WithBase($"#no dataset_id\ndataset_uri: {uri}"));

        Assert.Equal(expected, request.DatasetUri);
    }

    [Fact]
    public void Parse_DatasetUriThroughSymlinkOutsideRoot_IsRejected()
    {
        var root = Directory.CreateTempSubdirectory("requests-root-");
        var outside = Directory.CreateTempSubdirectory("requests-outside-");
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(root.FullName, "escape"), outside.FullName);
            Directory.CreateDirectory(Path.Combine(root.FullName, "real"));
            Directory.CreateSymbolicLink(Path.Combine(root.FullName, "inside"), Path.Combine(root.FullName, "real"));
            var options = Options with { DataRoot = root.FullName };

            var escaped = TrainingRequestParser.Parse(WithBase("#no dataset_id\ndataset_uri: escape/x.csv"), options);
            var inside = TrainingRequestParser.Parse(WithBase("#no dataset_id\ndataset_uri: inside/x.csv"), options);

            var error = Assert.Single(escaped.Errors);
            Assert.Equal("dataset_uri", error.Path);
            Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
            Assert.Contains(root.FullName, error.Message, StringComparison.Ordinal);
            Assert.True(inside.IsValid, string.Join("\n", inside.Errors));
            Assert.Equal(Path.Combine(root.FullName, "inside", "x.csv"), inside.Request!.DatasetUri);
        }
        finally
        {
            root.Delete(recursive: true);
            outside.Delete(recursive: true);
        }
    }

    public static TheoryData<string, string, string> BadRequests => new()
    {
        // yaml laid over a valid base, expected path, expected message fragments separated by '|'.
        { "modle_name: m1", "modle_name", "unknown field 'modle_name'; did you mean 'model_name'?|allowed: dataset_id, dataset_uri, dataset_version, target, model_name," },
        { "data_preprocessing:\n  handel_missing: mean", "data_preprocessing.handel_missing", "did you mean 'handle_missing'?|allowed: handle_missing, normalize, standardize, encode_categorical, remove_duplicates" },
        { "workflow_optimization:\n  enable: true", "workflow_optimization.enable", "did you mean 'enabled'?" },
        { "algorithm: xgbost", "algorithm", "unknown algorithm 'xgbost' for task 'classification'; did you mean 'xgboost'? allowed: xgboost, random_forest, logistic_regression" },
        { "algorithm: linear_regression", "algorithm", "algorithm 'linear_regression' does not support task 'classification'|allowed: xgboost, random_forest, logistic_regression" },
        { "learning_type: unsupervised\ntask_type: clustering\nalgorithm: xgboost", "algorithm", "algorithm 'xgboost' does not support task 'clustering' (it serves classification, regression); allowed: kmeans, dbscan" },
        { "learning_type: unsupervised", "task_type", "task type 'classification' does not belong to learning type 'unsupervised'; allowed: clustering, dimensionality_reduction" },
        { "learning_type: supervized", "learning_type", "unknown learning type 'supervized'; did you mean 'supervised'? allowed: supervised, unsupervised, reinforcement" },
        { "task_type: clasification", "task_type", "unknown task type 'clasification'; did you mean 'classification'?" },
        { "deployment_strategy: canery", "deployment_strategy", "unknown deployment strategy 'canery'; did you mean 'canary'? allowed: direct, canary, blue_green, ab_test, shadow" },
        { "data_preprocessing:\n  handle_missing: average", "data_preprocessing.handle_missing", "unknown missing-value strategy 'average'; allowed: mean, median, mode, drop" },
        { "data_preprocessing:\n  encode_categorical: one-hot", "data_preprocessing.encode_categorical", "did you mean 'onehot'?" },
        { "workflow_optimization:\n  performance_profile: fastest", "workflow_optimization.performance_profile", "allowed: speed, accuracy, cost, balanced" },
        { "retrain_triggers:\n  - drift_detected\n  - metric_degradaton", "retrain_triggers[1]", "unknown retrain trigger 'metric_degradaton'; did you mean 'metric_degradation'?" },
        { "retrain_triggers: [schedule, schedule]", "retrain_triggers[1]", "listed twice" },
        { "retrain_triggers: schedule", "retrain_triggers", "expected a list of: drift_detected, metric_degradation, schedule, new_data" },
        { "feature_columns: income", "feature_columns", "expected a list of column names" },
        { "feature_columns: [income, {a: 1}]", "feature_columns[1]", "expected a column name" },
        { "data_preprocessing: true", "data_preprocessing", "expected a mapping with fields handle_missing, normalize" },
        { "test_size: abc", "test_size", "expected a number > 0 and <= 0.5" },
        { "test_size: 0.6", "test_size", "expected a number > 0 and <= 0.5" },
        { "test_size: 0", "test_size", "expected a number > 0 and <= 0.5" },
        { "test_size: .nan", "test_size", "expected a number > 0 and <= 0.5" },
        { "test_size: '0.2'", "test_size", "expected a number > 0 and <= 0.5" },
        { "validation_size: 0.5", "validation_size", "expected a number >= 0 and < 0.5" },
        { "test_size: 0.45\nvalidation_size: 0.35", "validation_size", "test_size + validation_size must be below 0.8|0.45 + 0.35 = 0.8" },
        { "random_seed: 2.5", "random_seed", "expected an integer >= 0 and <= 2147483647" },
        { "random_seed: -1", "random_seed", "expected an integer >= 0" },
        { "random_seed: 99999999999999999999", "random_seed", "expected an integer >= 0" },
        { "max_retry: 11", "max_retry", "expected an integer >= 0 and <= 10" },
        { "dataset_version: 0", "dataset_version", "expected an integer >= 1" },
        { "monitoring_enabled: yes", "monitoring_enabled", "expected true or false" },
        { "monitoring_enabled: 'true'", "monitoring_enabled", "expected true or false without quotes" },
        { "data_preprocessing:\n  remove_duplicates: 1", "data_preprocessing.remove_duplicates", "expected true or false" },
        { "evaluation_threshold: 1.5", "evaluation_threshold", "expected a number >= 0 and <= 1 for metric 'f1_score'" },
        { "evaluation_threshold: high", "evaluation_threshold", "expected a number" },
        { "task_type: regression\nevaluation_threshold: 1.2", "evaluation_threshold", "expected a number <= 1 for metric 'r2'" },
        { "task_type: regression\nprimary_metric: rmse\nevaluation_threshold: -1", "evaluation_threshold", "expected a number >= 0 for metric 'rmse'" },
        { "primary_metric: rmse", "primary_metric", "unknown metric 'rmse' for task 'classification'; allowed: accuracy, precision, recall, f1_score" },
        { "primary_metric: f1", "primary_metric", "did you mean 'f1_score'?" },
        { "hyperparameters:\n  max_dept: 3", "hyperparameters.max_dept", "unknown hyperparameter 'max_dept' for algorithm 'xgboost'; did you mean 'max_depth'?|allowed: num_round (or n_estimators), max_depth, eta (or learning_rate)" },
        { "hyperparameters:\n  num_round: 10\n  n_estimators: 20", "hyperparameters.n_estimators", "'n_estimators' and 'num_round' are the same hyperparameter ('num_round'); give only one" },
        { "hyperparameters:\n  max_depth: 0", "hyperparameters.max_depth", "expected an integer >= 1 and <= 16" },
        { "hyperparameters:\n  num_round: 10.5", "hyperparameters.num_round", "expected an integer >= 1 and <= 10000" },
        { "hyperparameters:\n  eta: fast", "hyperparameters.eta", "expected a number > 0 and <= 1" },
        { "hyperparameters:\n  eta: 0", "hyperparameters.eta", "expected a number > 0 and <= 1" },
        { "algorithm: random_forest\nhyperparameters:\n  max_features: half", "hyperparameters.max_features", "expected one of sqrt, log2, all" },
        { "algorithm: random_forest\nhyperparameters:\n  bootstrap: no", "hyperparameters.bootstrap", "expected true or false" },
        { "hyperparameters: [max_depth]", "hyperparameters", "expected a mapping of hyperparameter names to values" },
        { "#no algorithm", "algorithm", "algorithm is required; allowed for task 'classification': xgboost, random_forest, logistic_regression" },
        { "#no task_type", "task_type", "task_type is required; allowed for learning type 'supervised': classification, regression" },
        { "dataset_uri: iris.csv", "dataset_uri", "give exactly one of dataset_id and dataset_uri" },
        { "#no dataset_id", "dataset_id", "a dataset is required: give dataset_id" },
        { "dataset_id: ../etc", "dataset_id", "expected a string matching ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$" },
        { "model_name: 'my model'", "model_name", "expected a string matching" },
        { "#no dataset_id\ndataset_uri: ../x.csv", "dataset_uri", "the path resolves to /x.csv, outside the data root /data" },
        { "#no dataset_id\ndataset_uri: /etc/passwd", "dataset_uri", "outside the data root /data" },
        { "#no dataset_id\ndataset_uri: /database/x.csv", "dataset_uri", "outside the data root /data" },
        { "#no dataset_id\ndataset_uri: file:///data/../etc/passwd", "dataset_uri", "outside the data root /data" },
        { "#no dataset_id\ndataset_uri: .", "dataset_uri", "names the data root /data itself" },
        { "#no dataset_id\ndataset_uri: s3://bucket/x.csv", "dataset_uri", "s3:// dataset URIs need the AWS storage backend, which is not configured; use a path under the data root or dataset_id" },
        { "#no dataset_id\ndataset_uri: https://example.com/x.csv", "dataset_uri", "https:// dataset URIs are not supported" },
        { "data_preprocessing:\n  normalize: true\n  standardize: true", "data_preprocessing.standardize", "normalize and standardize cannot both be true" },
        { "feature_columns: [a, b]\ndrop_columns: [b]", "drop_columns[0]", "column 'b' is in both feature_columns and drop_columns" },
        { "target: y\ndrop_columns: [x, y]", "drop_columns[1]", "column 'y' is the target; it cannot be dropped" },
        { "target: y\nfeature_columns: [x, y]", "feature_columns[1]", "column 'y' is the target; it cannot also be a feature" },
        { "model_name: a\nmodel_name: b", "model_name", "field 'model_name' is given twice" },
        { "target: !custom y", "body", "YAML tag '!custom' at line 4 is not supported" },
        { "target: *nowhere", "body", "YAML alias '*nowhere' at line 4 refers to no earlier anchor" },
        { "---\ntarget: a\n---\ntarget: b", "body", "more than one YAML document" },

        // Learning types: environment and dataset.
        { "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: dqn", "environment", "environment is required for learning_type: reinforcement; allowed: cartpole, gridworld" },
        { "environment: cartpole", "environment", "environment only applies to learning_type: reinforcement" },
        { "learning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\nenvironment: gridworld", "environment", "environment only applies to learning_type: reinforcement" },
        { "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: dqn\nenvironment: cartpol", "environment", "unknown environment 'cartpol'; did you mean 'cartpole'? allowed: cartpole, gridworld" },
        { "learning_type: reinforcement\ntask_type: control\nalgorithm: dqn\nenvironment: cartpole", "dataset_id", "reinforcement learning trains in a built-in environment; remove dataset_id" },
        { "#no dataset_id\ndataset_uri: gym.csv\nlearning_type: reinforcement\ntask_type: control\nalgorithm: ppo\nenvironment: cartpole", "dataset_uri", "remove dataset_uri" },
        { "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: a3c\nenvironment: gridworld\ntarget: reward", "target", "target does not apply to reinforcement learning" },
        { "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: a3c\nenvironment: gridworld\ndata_preprocessing:\n  normalize: true", "data_preprocessing", "data_preprocessing does not apply to reinforcement learning" },
        { "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: dqn\nenvironment: cartpole\nfeature_columns: [x]", "feature_columns", "feature_columns does not apply to reinforcement learning" },
        { "learning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\n#no dataset_id", "dataset_id", "a dataset is required" },

        // Metrics and thresholds per task.
        { "learning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\nprimary_metric: f1_score", "primary_metric", "unknown metric 'f1_score' for task 'clustering'; allowed: silhouette_score, davies_bouldin_index" },
        { "learning_type: unsupervised\ntask_type: dimensionality_reduction\nalgorithm: pca\nprimary_metric: silhouette_score", "primary_metric", "allowed: explained_variance_total, trustworthiness" },
        { "learning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\nevaluation_threshold: 1.5", "evaluation_threshold", "expected a number >= -1 and <= 1 for metric 'silhouette_score'" },
        { "learning_type: unsupervised\ntask_type: clustering\nalgorithm: dbscan\nprimary_metric: davies_bouldin_index\nevaluation_threshold: -0.1", "evaluation_threshold", "expected a number >= 0 for metric 'davies_bouldin_index'|lower is better" },
        { "learning_type: unsupervised\ntask_type: dimensionality_reduction\nalgorithm: pca\nevaluation_threshold: 2", "evaluation_threshold", "expected a number >= 0 and <= 1 for metric 'explained_variance_total'" },
        { "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: dqn\nenvironment: cartpole\nevaluation_threshold: 600", "evaluation_threshold", "expected a number >= 0 and <= 500 for metric 'average_reward'|ends episodes after 500 steps" },
        { "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: dqn\nenvironment: gridworld\nprimary_metric: success_rate\nevaluation_threshold: 95", "evaluation_threshold", "expected a number >= 0 and <= 1 for metric 'success_rate'" },
        { "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: dqn\nenvironment: gridworld\nprimary_metric: episode_length\nevaluation_threshold: -3", "evaluation_threshold", "expected a number >= 0 for metric 'episode_length'" },

        // Preprocessing.
        { "data_preprocessing:\n  class_imbalance: oversample", "data_preprocessing.class_imbalance", "unknown class-imbalance strategy 'oversample'; allowed: none, smote, undersample, class_weight" },
        { "data_preprocessing:\n  outlier_removal: mad", "data_preprocessing.outlier_removal", "unknown outlier-removal strategy 'mad'; allowed: none, iqr, zscore" },
        { "task_type: regression\ndata_preprocessing:\n  class_imbalance: smote", "data_preprocessing.class_imbalance", "class_imbalance only applies to task_type: classification, not regression" },
        { "learning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\ndata_preprocessing:\n  encode_categorical: target", "data_preprocessing.encode_categorical", "target encoding learns from the target|use onehot or label" },

        // Hyperparameter search.
        { "hpo:\n  search_space:\n    eta:\n      type: float\n      low: 0.5\n      high: 0.1", "hpo.search_space.eta.low", "low must be a finite number below high (0.1)" },
        { "hpo:\n  search_space:\n    max_dept:\n      type: int\n      low: 2\n      high: 8", "hpo.search_space.max_dept", "unknown hyperparameter 'max_dept' for algorithm 'xgboost'; did you mean 'max_depth'? allowed: num_round, max_depth, eta" },
        { "hpo:\n  search_space:\n    lambda:\n      type: log_float\n      low: 0\n      high: 10", "hpo.search_space.lambda.low", "a log_float dimension needs low > 0" },
        { "hpo:\n  search_space:\n    max_depth: {type: float, low: 2, high: 8}", "hpo.search_space.max_depth.type", "max_depth is an integer >= 1 and <= 16; search it as int" },
        { "hpo:\n  search_space:\n    eta: {low: 0.1, high: 0.3}", "hpo.search_space.eta.type", "type is required; expected one of int, float, log_float, categorical" },
        { "hpo:\n  search_space:\n    eta: {type: uniform, low: 0.1, high: 0.3}", "hpo.search_space.eta.type", "unknown dimension type 'uniform'; allowed: int, float, log_float, categorical" },
        { "hpo:\n  search_space:\n    eta: {type: float, low: 0.1, hight: 0.3}", "hpo.search_space.eta.hight", "unknown field 'hight'; did you mean 'high'?" },
        { "hpo:\n  search_space:\n    eta: 0.1", "hpo.search_space.eta", "expected a search dimension: a mapping with fields type, low, high, values, steps" },
        { "hpo:\n  search_space:\n    eta: {type: float, low: 0.1, high: 0.3, values: []}", "hpo.search_space.eta.values", "expected a non-empty list of values" },
        { "hpo:\n  method: random", "hpo.search_space", "name at least one hyperparameter of xgboost to search: num_round, max_depth, eta" },
        { "hpo:\n  method: annealing\n  search_space:\n    eta: {type: float, low: 0.1, high: 0.3}", "hpo.method", "unknown search method 'annealing'; allowed: grid, random, bayesian" },
        { "hpo:\n  max_trials: 0\n  search_space:\n    eta: {type: float, low: 0.1, high: 0.3}", "hpo.max_trials", "expected an integer >= 1 and <= 1000" },
        { "hpo:\n  cv_folds: 1\n  search_space:\n    eta: {type: float, low: 0.1, high: 0.3}", "hpo.cv_folds", "expected an integer >= 2 and <= 20" },
        { "hpo:\n  metric: rmse\n  search_space:\n    eta: {type: float, low: 0.1, high: 0.3}", "hpo.metric", "unknown metric 'rmse' for task 'classification'" },
        { "hpo:\n  method: grid\n  search_space:\n    eta: {type: float, low: 0.1, high: 0.3}", "hpo.search_space.eta", "a grid over a float needs 'values'" },
        { "learning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\nhpo:\n  search_space:\n    n_clusters: {type: int, low: 2, high: 8}", "hpo", "hpo only applies to supervised learning (classification and regression), not learning_type: unsupervised" },

        // Fairness and the report switches.
        { "task_type: regression\nfairness:\n  sensitive_features: [sex]", "fairness", "fairness only applies to supervised classification" },
        { "fairness:\n  positive_label: 1", "fairness.sensitive_features", "sensitive_features is required; expected a non-empty list of column names" },
        { "fairness:\n  sensitive_features: []", "fairness.sensitive_features", "expected a non-empty list of column names" },
        { "fairness:\n  sensitive_features: [sex]\n  positive_label: [a]", "fairness.positive_label", "expected a string, number or boolean" },
        { "explain: yes", "explain", "expected true or false" },
        { "learning_curve: 1", "learning_curve", "expected true or false" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Parse_BadRequest_ReportsPathAndWhatIsAllowed(string yaml, string path, string fragments)
    {
        var error = SingleError(WithBase(yaml));

        Assert.Equal(path, error.Path);
        foreach (var fragment in fragments.Split('|'))
        {
            Assert.True(error.Message.Contains(fragment, StringComparison.Ordinal), $"'{fragment}' is not in: {error.Message}");
        }
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsEveryOne()
    {
        const string body = """
            ```yaml
            dataset_id: ds-1
            dataset_uri: ../../etc/passwd
            task_type: classification
            algorithm: xgbost
            test_size: abc
            monitoring_enabled: yes
            colour: blue
            data_preprocessing:
              normalize: true
              standardize: true
            ```
            """;

        var result = TrainingRequestParser.Parse(body, Options);

        Assert.Null(result.Request);
        Assert.Equal(
            ["algorithm", "colour", "data_preprocessing.standardize", "dataset_uri", "monitoring_enabled", "test_size"],
            result.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_BodyOverLimit_ReportsSizeAndLimit()
    {
        var body = WithBase("target: y") + "# " + new string('x', 65536) + "\n";

        var error = SingleError(body);

        Assert.Equal("body", error.Path);
        Assert.Contains($"the body is {Encoding.UTF8.GetByteCount(body)} bytes, over the limit of 65536 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidUtf8_ReportsTheOffset()
    {
        var body = Encoding.UTF8.GetBytes("dataset_id: ds\ntarget: caf").Concat(new byte[] { 0xC3, 0x28 }).ToArray();

        var result = TrainingRequestParser.Parse(body, Options);

        var error = Assert.Single(result.Errors);
        Assert.Equal("body", error.Path);
        Assert.Equal("the body is not valid UTF-8 (invalid byte at offset 26)", error.Message);
    }

    [Fact]
    public void Parse_BillionLaughs_StopsAtTheNodeLimit()
    {
        var yaml = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            yaml.Append(level).Append(": &").Append(level).Append(" [")
                .AppendJoin(", ", Enumerable.Repeat("*" + previous, 9)).Append("]\n");
        }

        var error = SingleError(WithBase(yaml.ToString()));

        Assert.Equal("body", error.Path);
        Assert.StartsWith("YAML aliases expand past 10000 nodes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeepNesting_IsRefusedWithoutOverflowingTheStack()
    {
        var error = SingleError(WithBase("target: " + new string('[', 20000) + new string(']', 20000)));

        Assert.Equal("body", error.Path);
        Assert.Contains("nests deeper than 64 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_YamlSyntaxError_ReportsBodyLineAndColumn()
    {
        const string body = "Intro line\n\n```yaml\ndataset_id: ds-1\ntask_type: classification\nalgorithm: \"xgboost\n```\n";

        var error = SingleError(body);

        Assert.Equal("body", error.Path);
        Assert.StartsWith("YAML syntax error at line 6, column ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Idx:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnclosedFlowMapping_IsASyntaxErrorNotAnException()
    {
        // YamlDotNet's scanner throws InvalidOperationException on this input rather than a YamlException.
        var error = SingleError("```yaml\ndataset_id: ds-1\ndata_preprocessing:\n  handle_missing: {ean\n  normalize: true\ntask_type: regression\n```\n");

        Assert.Equal("body", error.Path);
        Assert.StartsWith("YAML syntax error at line ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Please train a model on the loans data. Thanks!", "no training request found")]
    [InlineData("Hello: could you train something?", "no training request found")]
    [InlineData("```yaml\n```", "the ```yaml block is empty")]
    [InlineData("```yaml\n- a\n- b\n```", "the ```yaml block does not hold a mapping")]
    [InlineData("Broken: [ here", "no ```yaml block was found and the body is not YAML (YAML syntax error at line ")]
    public void Parse_NoUsableYaml_ExplainsHowToWriteTheRequest(string body, string expected)
    {
        var error = SingleError(body);

        Assert.Equal("body", error.Path);
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), error.Message);
        Assert.Contains("put the request fields in a ```yaml fenced block", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RelativeDataRoot_Throws()
    {
        Assert.Throws<ArgumentException>(() => TrainingRequestParser.Parse("x: 1", new RequestParseOptions { DataRoot = "data" }));
    }
}
