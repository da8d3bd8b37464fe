using System.Globalization;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Reinforcement;
using MlopsAgents.Plugins.Training.Search;

namespace MlopsAgents.Plugins.Requests;

/// <summary>How a field's value is read and checked.</summary>
internal enum FieldKind
{
    /// <summary>Any scalar, read as text, optionally matching <see cref="FieldSpec.Pattern"/>.</summary>
    String,

    /// <summary>One of <see cref="FieldSpec.Values"/>.</summary>
    Enum,

    /// <summary>Text whose allowed values depend on other fields; the parser checks it once those are known.</summary>
    ContextEnum,

    Bool,
    Int,
    Number,

    /// <summary>A list of distinct strings, each one of <see cref="FieldSpec.Values"/> when those are given.</summary>
    StringList,

    /// <summary>A nested mapping of <see cref="FieldSpec.Fields"/>.</summary>
    Object,

    /// <summary>A mapping checked against the chosen algorithm's <see cref="HyperparameterSpec"/>s.</summary>
    Hyperparameters,

    /// <summary>Any scalar (string, number or bool), read as text; for values such as class labels that may be written as numbers.</summary>
    Scalar,

    /// <summary>A non-empty list of scalars, each read as long, double, bool or string.</summary>
    ScalarList,

    /// <summary>A mapping of hyperparameter names to search dimensions, each a mapping of <see cref="FieldSpec.Fields"/>.</summary>
    SearchSpace,
}

/// <summary>One field of a training request. The parser and <see cref="RequestSchema"/> both read these, so they cannot disagree.</summary>
internal sealed record FieldSpec(string Name, FieldKind Kind, string Description)
{
    public IReadOnlyList<string>? Values { get; init; }

    /// <summary>What a value is called in messages, e.g. "deployment strategy".</summary>
    public string? Noun { get; init; }

    public double? Min { get; init; }
    public double? Max { get; init; }
    public bool MinExclusive { get; init; }
    public bool MaxExclusive { get; init; }

    /// <summary>An ECMAScript-compatible regular expression, anchored with ^ and $.</summary>
    public string? Pattern { get; init; }

    public int MaxLength { get; init; } = 256;
    public IReadOnlyList<FieldSpec>? Fields { get; init; }

    /// <summary>Names among <see cref="Fields"/> that must be given (for <see cref="FieldKind.Object"/> and <see cref="FieldKind.SearchSpace"/>).</summary>
    public IReadOnlyList<string> Required { get; init; } = [];

    /// <summary>The fewest items a list must have.</summary>
    public int MinItems { get; init; }

    /// <summary>The value used when the field is left out, for the schema's documentation; null when there is none.</summary>
    public object? Default { get; init; }

    /// <summary>What the field accepts, phrased to follow "expected ".</summary>
    public string Expected => Kind switch
    {
        FieldKind.Bool => "true or false",
        FieldKind.Int => "an integer" + RangeText(Min, Max, MinExclusive, MaxExclusive),
        FieldKind.Number => "a number" + RangeText(Min, Max, MinExclusive, MaxExclusive),
        FieldKind.Enum or FieldKind.ContextEnum => "one of " + string.Join(", ", Values ?? []),
        FieldKind.StringList => (MinItems > 0 ? "a non-empty " : "a ") + (Values is null ? "list of column names" : "list of: " + string.Join(", ", Values)),
        FieldKind.ScalarList => "a non-empty list of values",
        FieldKind.SearchSpace => "a mapping of hyperparameter names to search dimensions, each a mapping with fields " + string.Join(", ", (Fields ?? []).Select(f => f.Name)),
        FieldKind.Scalar => "a string, number or boolean",
        FieldKind.Object => "a mapping with fields " + string.Join(", ", (Fields ?? []).Select(f => f.Name)),
        FieldKind.Hyperparameters => "a mapping of hyperparameter names to values",
        _ => Pattern is null ? "a string" : $"a string matching {Pattern}",
    };

    public static string RangeText(double? min, double? max, bool minExclusive, bool maxExclusive)
    {
        var parts = new List<string>();
        if (min is { } lo)
        {
            parts.Add((minExclusive ? "> " : ">= ") + Fmt(lo));
        }

        if (max is { } hi)
        {
            parts.Add((maxExclusive ? "< " : "<= ") + Fmt(hi));
        }

        return parts.Count == 0 ? "" : " " + string.Join(" and ", parts);
    }

    public static string Fmt(double value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The fields of a training request, in the order the schema lists them.</summary>
internal static class RequestFields
{
    /// <summary>Dataset ids and model names become file and registry names, so they keep to a safe alphabet.</summary>
    public const string NamePattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

    public static readonly IReadOnlyList<string> AllTaskTypes = TaskTypes.ByLearningType.Values.SelectMany(t => t).ToList();

    public static readonly IReadOnlyList<string> AllMetrics =
        [.. Metrics.Classification, .. Metrics.Regression, .. Metrics.Clustering, .. Metrics.DimensionalityReduction, .. Metrics.Control];

    public static readonly IReadOnlyList<string> SupervisedMetrics = [.. Metrics.Classification, .. Metrics.Regression];

    /// <summary>The longest CartPole episode; it gives a reward of 1 per step, so average reward and episode length never exceed it.</summary>
    public const double CartPoleMaxSteps = 500;

    /// <summary>The metrics a task may use as its primary metric; every metric when the task is unknown.</summary>
    public static IReadOnlyList<string> MetricsFor(string? task) => task switch
    {
        TaskTypes.Classification => Metrics.Classification,
        TaskTypes.Regression => Metrics.Regression,
        TaskTypes.Clustering => Metrics.Clustering,
        TaskTypes.DimensionalityReduction => Metrics.DimensionalityReduction,
        TaskTypes.Control => Metrics.Control,
        _ => AllMetrics,
    };

    /// <summary>
    /// The values a metric can take, so a threshold outside them, which could never pass, is refused before training.
    /// Only average reward and episode length depend on the environment: CartPole bounds both by 500, while a grid
    /// world's step penalties can make its average reward negative.
    /// </summary>
    public static MetricBounds ThresholdBounds(string metric, string? environment) => metric switch
    {
        "r2" => new(null, 1, "r2 is at most 1"),
        "variance_explained" => new(null, 1, "the share of variance the clusters explain is at most 1"),
        "rmse" or "mae" or "mape" => new(0, null, "an error is never negative"),
        "davies_bouldin_index" => new(0, null, "the Davies-Bouldin index is never negative; lower is better"),
        "silhouette_score" => new(-1, 1, "silhouette scores lie in [-1, 1]"),
        "average_reward" or "episode_length" when environment == "cartpole" =>
            new(0, CartPoleMaxSteps, "CartPole gives a reward of 1 per step and ends episodes after 500 steps"),
        "episode_length" => new(0, null, "an episode length is never negative"),
        "average_reward" => new(null, null, "grid-world step penalties can make the average reward negative, so it has no fixed range"),
        _ when Metrics.Classification.Contains(metric) || metric is "explained_variance_total" or "trustworthiness" or "success_rate" =>
            new(0, 1, "the metric is a fraction"),
        _ => new(null, null, null),
    };

    public static readonly IReadOnlyList<string> Required = ["task_type", "algorithm"];

    /// <summary>Fields that describe a dataset and its columns; a reinforcement-learning request, which has none, must not give them.</summary>
    public static readonly IReadOnlyList<string> DataFields =
        ["dataset_id", "dataset_uri", "dataset_version", "target", "feature_columns", "drop_columns", "data_preprocessing"];

    public static readonly IReadOnlyList<FieldSpec> DataPreprocessing =
    [
        new("handle_missing", FieldKind.Enum, "How to fill missing values: column mean, median or mode, or drop the rows.")
        {
            Values = MissingValueStrategies.All, Noun = "missing-value strategy", Default = MissingValueStrategies.Mean,
        },
        new("normalize", FieldKind.Bool, "Min-max scale numeric features to [0, 1]. Cannot be combined with standardize.") { Default = false },
        new("standardize", FieldKind.Bool, "Z-score scale numeric features. Cannot be combined with normalize.") { Default = false },
        new("encode_categorical", FieldKind.Enum,
            "How to encode categorical features: one-hot, label codes, or target encoding (the mean target per category, learnt on the training split; supervised learning only).")
        {
            Values = CategoricalEncodings.All, Noun = "categorical encoding", Default = CategoricalEncodings.OneHot,
        },
        new("remove_duplicates", FieldKind.Bool, "Drop duplicate rows before splitting.") { Default = true },
        new("class_imbalance", FieldKind.Enum,
            "How to rebalance classes in the training split: SMOTE oversampling, random undersampling or class weights. Classification only.")
        {
            Values = ImbalanceStrategies.All, Noun = "class-imbalance strategy", Default = ImbalanceStrategies.None,
        },
        new("outlier_removal", FieldKind.Enum, "Drop outlier rows from the training split by the IQR rule or by z-score.")
        {
            Values = OutlierStrategies.All, Noun = "outlier-removal strategy", Default = OutlierStrategies.None,
        },
    ];

    public static readonly IReadOnlyList<FieldSpec> SearchDimensionFields =
    [
        new("type", FieldKind.Enum, "int, float, log_float (a positive float searched on a log scale) or categorical.")
        {
            Values = SearchParameterTypes.All, Noun = "dimension type",
        },
        new("low", FieldKind.Number, "Smallest value searched (inclusive); numeric types only. Must be below high, and above 0 for log_float."),
        new("high", FieldKind.Number, "Largest value searched (inclusive); numeric types only."),
        new("values", FieldKind.ScalarList,
            "The choices of a categorical dimension, or the grid points of a numeric one (within [low, high]).") { MinItems = 1 },
        new("steps", FieldKind.Int, "Number of evenly spaced grid points (geometrically spaced for log_float), both ends included.")
        {
            Min = 2, Max = HpoOptions.MaxTrialLimit,
        },
    ];

    public static readonly IReadOnlyList<FieldSpec> HpoFields =
    [
        new("method", FieldKind.Enum, "Search method: an exhaustive grid, random sampling, or Bayesian optimisation.")
        {
            Values = SearchMethods.All, Noun = "search method", Default = SearchMethods.Random,
        },
        new("max_trials", FieldKind.Int, "Most trials to run; a grid may have at most this many points.")
        {
            Min = 1, Max = HpoOptions.MaxTrialLimit, Default = 20L,
        },
        new("metric", FieldKind.ContextEnum, "Metric the search optimizes, measured by cross-validation; must suit the task type. Omit for the primary metric.")
        {
            Values = SupervisedMetrics, Noun = "metric",
        },
        new("cv_folds", FieldKind.Int, "Cross-validation folds per trial.") { Min = 2, Max = HpoOptions.MaxFolds, Default = 5L },
        new("search_space", FieldKind.SearchSpace,
            "Hyperparameters of the algorithm to search, each mapped to a dimension; the best values found are used for the final training. "
            + "The parser alone checks that low is below high, that the type suits the hyperparameter and that a grid is finite.")
        {
            Fields = SearchDimensionFields, Required = ["type"],
        },
    ];

    public static readonly IReadOnlyList<FieldSpec> FairnessFields =
    [
        new("sensitive_features", FieldKind.StringList,
            "Input columns whose groups are compared in the bias check, e.g. [sex]. Checked against the data when it is loaded.")
        {
            MinItems = 1,
        },
        new("positive_label", FieldKind.Scalar, "The favourable or flagged class whose selection rate is compared; omit for the positive class (index 1)."),
    ];

    public static readonly IReadOnlyList<FieldSpec> WorkflowOptimization =
    [
        new("enabled", FieldKind.Bool, "Let the workflow tune itself (retries, hyperparameter changes).") { Default = false },
        new("auto_approve", FieldKind.Bool, "Skip the human approval step before deployment.") { Default = false },
        new("performance_profile", FieldKind.Enum, "What the workflow optimizes for.")
        {
            Values = PerformanceProfiles.All, Noun = "performance profile", Default = PerformanceProfiles.Balanced,
        },
    ];

    public static readonly IReadOnlyList<FieldSpec> TopLevel =
    [
        new("dataset_id", FieldKind.String,
            "Registered dataset to train on. Supervised and unsupervised learning need exactly one of dataset_id and dataset_uri; reinforcement learning takes neither.")
        {
            Pattern = NamePattern, MaxLength = 128,
        },
        new("dataset_uri", FieldKind.String,
            "Dataset file under the data root: a relative path, an absolute path or a file:// URI. Supervised and unsupervised learning need exactly one of dataset_id and dataset_uri; reinforcement learning takes neither.")
        {
            MaxLength = 4096,
        },
        new("dataset_version", FieldKind.Int, "Version of the registered dataset; omit for the latest.") { Min = 1, Max = int.MaxValue },
        new("target", FieldKind.String,
            "Supervised learning: the column to predict; omit to take it from the dataset registry. Unsupervised learning: optional; the column is left out of the features and only colours the plots. Not allowed for reinforcement learning."),
        new("model_name", FieldKind.String, "Name to register the trained model under.") { Pattern = NamePattern, MaxLength = 128 },
        new("data_preprocessing", FieldKind.Object, "How to prepare the data before training.") { Fields = DataPreprocessing },
        new("learning_type", FieldKind.Enum, "Kind of learning; decides which task types are allowed.")
        {
            Values = LearningTypes.All, Noun = "learning type", Default = LearningTypes.Supervised,
        },
        new("task_type", FieldKind.Enum, "Task to train for; must belong to the learning type.") { Values = AllTaskTypes, Noun = "task type" },
        new("algorithm", FieldKind.ContextEnum, "Algorithm to train; must support the task type.")
        {
            Values = AlgorithmCatalog.All.Select(a => a.Name).ToList(), Noun = "algorithm",
        },
        new("environment", FieldKind.Enum, "Built-in environment a reinforcement-learning agent trains in; required for, and only allowed with, learning_type reinforcement.")
        {
            Values = ReinforcementAlgorithms.Environments, Noun = "environment",
        },
        new("hyperparameters", FieldKind.Hyperparameters,
            "Hyperparameters of the algorithm; the allowed names and ranges depend on the algorithm. Leave one out for its default."),
        new("hpo", FieldKind.Object, "Hyperparameter search before the final training. Supervised learning only.") { Fields = HpoFields, Required = ["search_space"] },
        new("evaluation_threshold", FieldKind.Number,
            "Value of the primary metric the model must reach to pass. Within [0, 1] for classification metrics, explained_variance_total, trustworthiness and success_rate; "
            + "at most 1 for r2 and variance_explained; within [-1, 1] for silhouette_score; at least 0 for rmse, mae, mape, davies_bouldin_index and episode_length; "
            + "within [0, 500] for average_reward and episode_length in cartpole."),
        new("primary_metric", FieldKind.ContextEnum,
            "Metric compared with the threshold; must suit the task type. Omit for the task's default: f1_score, r2, silhouette_score, "
            + "explained_variance_total (pca) or trustworthiness, or average_reward.")
        {
            Values = AllMetrics, Noun = "metric",
        },
        new("deployment_strategy", FieldKind.Enum, "How to roll the model out.")
        {
            Values = DeploymentStrategies.All, Noun = "deployment strategy", Default = DeploymentStrategies.Direct,
        },
        new("monitoring_enabled", FieldKind.Bool, "Monitor the deployed model for drift and metric degradation.") { Default = false },
        new("auto_retrain_enabled", FieldKind.Bool, "Retrain automatically when a retrain trigger fires.") { Default = false },
        new("retrain_triggers", FieldKind.StringList, "Events that start a retraining run.") { Values = RetrainTriggers.All, Noun = "retrain trigger" },
        new("feature_columns", FieldKind.StringList, "Columns to train on; omit for every column but the target and drop_columns."),
        new("drop_columns", FieldKind.StringList, "Columns to leave out of training; must not overlap feature_columns or name the target."),
        new("test_size", FieldKind.Number, "Fraction of rows held out for the test set.")
        {
            Min = 0, MinExclusive = true, Max = 0.5, Default = 0.2,
        },
        new("validation_size", FieldKind.Number, "Fraction of rows held out for validation; test_size + validation_size must be below 0.8.")
        {
            Min = 0, Max = 0.5, MaxExclusive = true, Default = 0.1,
        },
        new("random_seed", FieldKind.Int, "Seed for every random step, so a run can be repeated.") { Min = 0, Max = int.MaxValue, Default = 42L },
        new("max_retry", FieldKind.Int, "Most training attempts after the first when the threshold is missed.") { Min = 0, Max = 10, Default = 3L },
        new("workflow_optimization", FieldKind.Object, "Self-optimization of the workflow.") { Fields = WorkflowOptimization },
        new("fairness", FieldKind.Object, "Bias check: compare the model's selection rates across groups. Supervised classification only.")
        {
            Fields = FairnessFields, Required = ["sensitive_features"],
        },
        new("explain", FieldKind.Bool,
            "Explain the model: SHAP values (a global ranking and a sample of rows) and a LIME explanation of one test row.") { Default = true },
        new("learning_curve", FieldKind.Bool, "Plot a learning curve: the metric against training-set size.") { Default = true },
    ];

    /// <summary>The largest sum of test_size and validation_size; above it too few rows are left to train on.</summary>
    public const double MaxHeldOut = 0.8;
}

/// <summary>The range a metric's threshold must lie in (null for no bound), and why, for messages.</summary>
internal sealed record MetricBounds(double? Min, double? Max, string? Reason);
