namespace MlopsAgents.Plugins.Requests;

/// <summary>A validated training request, parsed from a GitHub issue body (see docs/schema/training-request.schema.json).</summary>
public sealed record TrainingRequest
{
    public string? DatasetId { get; init; }

    /// <summary>Absolute, resolved path of the dataset file when the request named <c>dataset_uri</c>; it lies under the data root.</summary>
    public string? DatasetUri { get; init; }

    /// <summary>The registered dataset version the request pins (<c>dataset_version</c>); null means the latest.</summary>
    public int? DatasetVersion { get; init; }

    public string? Target { get; init; }
    public string? ModelName { get; init; }
    public DataPreprocessingOptions DataPreprocessing { get; init; } = new();
    public string LearningType { get; init; } = LearningTypes.Supervised;
    public string TaskType { get; init; } = TaskTypes.Classification;
    public string Algorithm { get; init; } = "xgboost";

    /// <summary>Canonical hyperparameter names (aliases resolved) to values: long, double, string or bool.</summary>
    public IReadOnlyDictionary<string, object> Hyperparameters { get; init; } = new Dictionary<string, object>();

    public double? EvaluationThreshold { get; init; }

    /// <summary>The metric the Judge compares with the threshold; null means the task default (f1_score or r2).</summary>
    public string? PrimaryMetric { get; init; }

    public string DeploymentStrategy { get; init; } = DeploymentStrategies.Direct;
    public bool MonitoringEnabled { get; init; }
    public bool AutoRetrainEnabled { get; init; }
    public IReadOnlyList<string> RetrainTriggers { get; init; } = [];
    public IReadOnlyList<string>? FeatureColumns { get; init; }
    public IReadOnlyList<string> DropColumns { get; init; } = [];
    public double TestSize { get; init; } = 0.2;
    public double ValidationSize { get; init; } = 0.1;
    public int RandomSeed { get; init; } = 42;
    public int MaxRetry { get; init; } = 3;
    public WorkflowOptimizationOptions WorkflowOptimization { get; init; } = new();

    /// <summary>Built-in environment of a reinforcement-learning request (cartpole or gridworld); null otherwise.</summary>
    public string? Environment { get; init; }

    /// <summary>The <c>hpo</c> block: hyperparameter search before the final training; null for none.</summary>
    public Training.Search.HpoOptions? Hpo { get; init; }

    /// <summary>The <c>fairness</c> block: groups to compare in the bias check; null for none.</summary>
    public FairnessOptions? Fairness { get; init; }

    /// <summary>SHAP values (global ranking and a sample of rows) and a LIME explanation of one test row.</summary>
    public bool Explain { get; init; } = true;

    /// <summary>A learning curve: the metric against training-set size.</summary>
    public bool LearningCurve { get; init; } = true;

    /// <summary>The primary metric in force: the requested one, or the task's default.</summary>
    public string EffectivePrimaryMetric => PrimaryMetric ?? TaskType switch
    {
        TaskTypes.Regression => "r2",
        TaskTypes.Clustering => "silhouette_score",
        TaskTypes.DimensionalityReduction => Algorithm == "pca" ? "explained_variance_total" : "trustworthiness",
        TaskTypes.Control => Environment == "gridworld" ? "success_rate" : "average_reward",
        _ => "f1_score",
    };
}

/// <summary>The <c>data_preprocessing</c> block.</summary>
public sealed record DataPreprocessingOptions
{
    /// <summary>mean, median, mode or drop.</summary>
    public string HandleMissing { get; init; } = MissingValueStrategies.Mean;

    /// <summary>Min-max scaling of numeric features to [0, 1].</summary>
    public bool Normalize { get; init; }

    /// <summary>Z-score scaling of numeric features (mutually exclusive with <see cref="Normalize"/>).</summary>
    public bool Standardize { get; init; }

    /// <summary>onehot or label.</summary>
    public string EncodeCategorical { get; init; } = CategoricalEncodings.OneHot;

    public bool RemoveDuplicates { get; init; } = true;

    /// <summary>none, smote, undersample or class_weight; applied to the training split only.</summary>
    public string ClassImbalance { get; init; } = ImbalanceStrategies.None;

    /// <summary>none, iqr or zscore; removes outlier rows from the training split only.</summary>
    public string OutlierRemoval { get; init; } = OutlierStrategies.None;
}

/// <summary>The <c>fairness</c> block.</summary>
public sealed record FairnessOptions
{
    /// <summary>Raw input columns whose groups are compared, e.g. [sex].</summary>
    public IReadOnlyList<string> SensitiveFeatures { get; init; } = [];

    /// <summary>The favourable or flagged class whose selection rate is compared; default the positive class (index 1).</summary>
    public string? PositiveLabel { get; init; }
}

public static class ImbalanceStrategies
{
    public const string None = "none";
    public static readonly IReadOnlyList<string> All = [None, "smote", "undersample", "class_weight"];
}

public static class OutlierStrategies
{
    public const string None = "none";
    public static readonly IReadOnlyList<string> All = [None, "iqr", "zscore"];
}

/// <summary>The <c>workflow_optimization</c> block.</summary>
public sealed record WorkflowOptimizationOptions
{
    public bool Enabled { get; init; }
    public bool AutoApprove { get; init; }
    public string PerformanceProfile { get; init; } = PerformanceProfiles.Balanced;
}

public static class LearningTypes
{
    public const string Supervised = "supervised";
    public const string Unsupervised = "unsupervised";
    public const string Reinforcement = "reinforcement";
    public static readonly IReadOnlyList<string> All = [Supervised, Unsupervised, Reinforcement];
}

public static class TaskTypes
{
    public const string Classification = "classification";
    public const string Regression = "regression";
    public const string Clustering = "clustering";
    public const string DimensionalityReduction = "dimensionality_reduction";
    public const string Control = "control";

    /// <summary>Which task types belong to which learning type.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> ByLearningType = new Dictionary<string, IReadOnlyList<string>>
    {
        [LearningTypes.Supervised] = [Classification, Regression],
        [LearningTypes.Unsupervised] = [Clustering, DimensionalityReduction],
        [LearningTypes.Reinforcement] = [Control],
    };
}

public static class MissingValueStrategies
{
    public const string Mean = "mean";
    public const string Median = "median";
    public const string Mode = "mode";
    public const string Drop = "drop";
    public static readonly IReadOnlyList<string> All = [Mean, Median, Mode, Drop];
}

public static class CategoricalEncodings
{
    public const string OneHot = "onehot";
    public const string Label = "label";
    public const string Target = "target";
    public static readonly IReadOnlyList<string> All = [OneHot, Label, Target];
}

public static class DeploymentStrategies
{
    public const string Direct = "direct";
    public const string Canary = "canary";
    public const string BlueGreen = "blue_green";
    public const string AbTest = "ab_test";
    public const string Shadow = "shadow";
    public static readonly IReadOnlyList<string> All = [Direct, Canary, BlueGreen, AbTest, Shadow];
}

public static class RetrainTriggers
{
    public static readonly IReadOnlyList<string> All = ["drift_detected", "metric_degradation", "schedule", "new_data"];
}

public static class PerformanceProfiles
{
    public const string Balanced = "balanced";
    public static readonly IReadOnlyList<string> All = ["speed", "accuracy", "cost", Balanced];
}

public static class Metrics
{
    public static readonly IReadOnlyList<string> Classification =
        ["accuracy", "precision", "recall", "f1_score", "auc_roc", "precision_weighted", "recall_weighted", "f1_score_weighted"];

    public static readonly IReadOnlyList<string> Regression = ["rmse", "mae", "r2", "mape"];

    public static readonly IReadOnlyList<string> Clustering = ["silhouette_score", "davies_bouldin_index", "variance_explained"];

    public static readonly IReadOnlyList<string> DimensionalityReduction = ["explained_variance_total", "trustworthiness"];

    public static readonly IReadOnlyList<string> Control = ["average_reward", "episode_length", "success_rate"];

    /// <summary>Metrics where smaller is better; the Judge passes them when the value is at or below the threshold.</summary>
    public static readonly IReadOnlySet<string> LowerIsBetter = new HashSet<string> { "rmse", "mae", "mape", "davies_bouldin_index" };
}
