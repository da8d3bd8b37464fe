using System.Globalization;
using MlopsAgents.Plugins.Training;

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

    /// <summary>The value used when the field is left out, for the schema's documentation; null when there is none.</summary>
    public object? Default { get; init; }

    /// <summary>What the field accepts, phrased to follow "expected ".</summary>
    public string Expected => Kind switch
    {
        FieldKind.Bool => "true or false",
        FieldKind.Int => "an integer" + RangeText(Min, Max, MinExclusive, MaxExclusive),
        FieldKind.Number => "a number" + RangeText(Min, Max, MinExclusive, MaxExclusive),
        FieldKind.Enum or FieldKind.ContextEnum => "one of " + string.Join(", ", Values ?? []),
        FieldKind.StringList => Values is null ? "a list of column names" : "a list of: " + string.Join(", ", Values),
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

    public static readonly IReadOnlyList<string> AllMetrics = [.. Metrics.Classification, .. Metrics.Regression];

    /// <summary>Metrics that lie in [0, 1] (r2 only has the upper bound), so a threshold outside that can never pass.</summary>
    public static readonly IReadOnlySet<string> BoundedMetrics = new HashSet<string>([.. Metrics.Classification, "r2"]);

    public static readonly IReadOnlyList<string> Required = ["task_type", "algorithm"];

    public static readonly IReadOnlyList<FieldSpec> DataPreprocessing =
    [
        new("handle_missing", FieldKind.Enum, "How to fill missing values: column mean, median or mode, or drop the rows.")
        {
            Values = MissingValueStrategies.All, Noun = "missing-value strategy", Default = MissingValueStrategies.Mean,
        },
        new("normalize", FieldKind.Bool, "Min-max scale numeric features to [0, 1]. Cannot be combined with standardize.") { Default = false },
        new("standardize", FieldKind.Bool, "Z-score scale numeric features. Cannot be combined with normalize.") { Default = false },
        new("encode_categorical", FieldKind.Enum, "How to encode categorical features.")
        {
            Values = CategoricalEncodings.All, Noun = "categorical encoding", Default = CategoricalEncodings.OneHot,
        },
        new("remove_duplicates", FieldKind.Bool, "Drop duplicate rows before splitting.") { Default = true },
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
        new("dataset_id", FieldKind.String, "Registered dataset to train on. Give exactly one of dataset_id and dataset_uri.")
        {
            Pattern = NamePattern, MaxLength = 128,
        },
        new("dataset_uri", FieldKind.String,
            "Dataset file under the data root: a relative path, an absolute path or a file:// URI. Give exactly one of dataset_id and dataset_uri.")
        {
            MaxLength = 4096,
        },
        new("dataset_version", FieldKind.Int, "Version of the registered dataset; omit for the latest.") { Min = 1, Max = int.MaxValue },
        new("target", FieldKind.String, "Column to predict; omit to take it from the dataset registry."),
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
        new("hyperparameters", FieldKind.Hyperparameters,
            "Hyperparameters of the algorithm; the allowed names and ranges depend on the algorithm. Leave one out for its default."),
        new("evaluation_threshold", FieldKind.Number,
            "Value of the primary metric the model must reach to pass. Within [0, 1] for classification metrics, at most 1 for r2, at least 0 for rmse, mae and mape."),
        new("primary_metric", FieldKind.ContextEnum,
            "Metric compared with the threshold; must suit the task type. Omit for the task's default (f1_score or r2).")
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
    ];

    /// <summary>The largest sum of test_size and validation_size; above it too few rows are left to train on.</summary>
    public const double MaxHeldOut = 0.8;
}
