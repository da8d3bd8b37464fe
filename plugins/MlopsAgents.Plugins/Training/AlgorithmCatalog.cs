using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Plugins.Training;

/// <summary>The value type of a hyperparameter.</summary>
public enum HyperparameterType
{
    Int,
    Float,
    Bool,
    Categorical,

    /// <summary>A list of integers, such as hidden layer sizes; Min and Max bound each item.</summary>
    IntList,
}

/// <summary>One hyperparameter an algorithm accepts, with its range and default. Bounds are inclusive unless the Exclusive flags say otherwise.</summary>
public sealed record HyperparameterSpec(
    string Name,
    HyperparameterType Type,
    string Description,
    object? Default,
    double? Min = null,
    double? Max = null,
    bool MinExclusive = false,
    IReadOnlyList<string>? Values = null,
    IReadOnlyList<string>? Aliases = null)
{
    /// <summary>A human description of the allowed values, used in error messages and the JSON schema.</summary>
    public string Allowed => Type switch
    {
        HyperparameterType.Bool => "true or false",
        HyperparameterType.Categorical => "one of " + string.Join(", ", Values ?? []),
        HyperparameterType.IntList => "a list of 1 to 10 integers"
             + (Min is null ? "" : $" >= {Fmt(Min.Value)}")
             + (Max is null ? "" : $" and <= {Fmt(Max.Value)}")
             + ", e.g. [64, 32]",
        _ => (Type == HyperparameterType.Int ? "an integer" : "a number")
             + (Min is null ? "" : MinExclusive ? $" > {Fmt(Min.Value)}" : $" >= {Fmt(Min.Value)}")
             + (Max is null ? "" : $" and <= {Fmt(Max.Value)}"),
    };

    private static string Fmt(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An algorithm the trainer knows, the tasks it serves and its hyperparameters.</summary>
public sealed record AlgorithmSpec(string Name, IReadOnlyList<string> Tasks, string Description, IReadOnlyList<HyperparameterSpec> Hyperparameters)
{
    /// <summary>Finds a hyperparameter by its name or one of its aliases.</summary>
    public HyperparameterSpec? FindHyperparameter(string name) =>
        Hyperparameters.FirstOrDefault(h => h.Name == name || (h.Aliases?.Contains(name) ?? false));
}

/// <summary>
/// Every algorithm the project can train, with its hyperparameters. The request validator, the JSON schema
/// and the trainers all read this one table.
/// </summary>
public static class AlgorithmCatalog
{
    public const string XgBoost = "xgboost";
    public const string RandomForest = "random_forest";
    public const string LogisticRegression = "logistic_regression";
    public const string LinearRegression = "linear_regression";

    /// <summary>Every algorithm: the supervised ones below, then the neural, unsupervised and reinforcement families.</summary>
    public static readonly IReadOnlyList<AlgorithmSpec> All =
    [
        .. Supervised,
        .. NeuralNetworks.NeuralNetworkAlgorithms.Specs,
        .. Unsupervised.UnsupervisedAlgorithms.Specs,
        .. Reinforcement.ReinforcementAlgorithms.Specs,
    ];

    private static IReadOnlyList<AlgorithmSpec> Supervised =>
    [
        new(XgBoost, [TaskTypes.Classification, TaskTypes.Regression],
            "Gradient-boosted decision trees, trained by ML.NET's LightGBM (not the XGBoost library); XGBoost's parameter names are mapped onto LightGBM's.",
            [
                new("num_round", HyperparameterType.Int, "Boosting rounds (LightGBM NumberOfIterations).", 100L, Min: 1, Max: 10000, Aliases: ["n_estimators"]),
                new("max_depth", HyperparameterType.Int, "Maximum tree depth; LightGBM grows at most 2^max_depth leaves per tree.", 6L, Min: 1, Max: 16),
                new("eta", HyperparameterType.Float, "Learning rate (shrinkage).", 0.3, Min: 0, Max: 1, MinExclusive: true, Aliases: ["learning_rate"]),
                new("subsample", HyperparameterType.Float, "Fraction of rows sampled for each tree (bagging fraction).", 1.0, Min: 0, Max: 1, MinExclusive: true),
                new("colsample_bytree", HyperparameterType.Float, "Fraction of features sampled for each tree.", 1.0, Min: 0, Max: 1, MinExclusive: true),
                new("min_child_weight", HyperparameterType.Float, "Minimum sum of hessians in a leaf.", 1.0, Min: 0, Max: 1e6),
                new("lambda", HyperparameterType.Float, "L2 regularization on leaf weights.", 1.0, Min: 0, Max: 1e6, Aliases: ["reg_lambda"]),
                new("alpha", HyperparameterType.Float, "L1 regularization on leaf weights.", 0.0, Min: 0, Max: 1e6, Aliases: ["reg_alpha"]),
            ]),
        new(RandomForest, [TaskTypes.Classification, TaskTypes.Regression],
            "Random forest of CART trees (Gini impurity for classification, variance for regression) on bootstrap samples, implemented in this project.",
            [
                new("n_estimators", HyperparameterType.Int, "Number of trees.", 100L, Min: 1, Max: 5000),
                new("max_depth", HyperparameterType.Int, "Maximum tree depth; omit for unlimited depth.", null, Min: 1, Max: 64),
                new("min_samples_split", HyperparameterType.Int, "Minimum rows needed to split a node.", 2L, Min: 2, Max: 100000),
                new("min_samples_leaf", HyperparameterType.Int, "Minimum rows in a leaf.", 1L, Min: 1, Max: 100000),
                new("max_features", HyperparameterType.Categorical, "Features tried at each split: sqrt(n), log2(n) or all; default sqrt for classification, all for regression.", null, Values: ["sqrt", "log2", "all"]),
                new("bootstrap", HyperparameterType.Bool, "Sample rows with replacement for each tree.", true),
            ]),
        new(LogisticRegression, [TaskTypes.Classification],
            "Multinomial logistic regression with L2 regularization, fitted by L-BFGS, implemented in this project.",
            [
                new("C", HyperparameterType.Float, "Inverse of the L2 regularization strength, as in scikit-learn.", 1.0, Min: 0, Max: 1e9, MinExclusive: true),
                new("max_iter", HyperparameterType.Int, "Maximum optimizer iterations.", 200L, Min: 1, Max: 100000),
                new("tol", HyperparameterType.Float, "Stop when the gradient norm falls below this.", 1e-6, Min: 0, Max: 1, MinExclusive: true),
            ]),
        new(LinearRegression, [TaskTypes.Regression],
            "Linear least squares: ordinary (alpha = 0) or ridge (alpha > 0), solved exactly, implemented in this project.",
            [
                new("alpha", HyperparameterType.Float, "Ridge (L2) penalty; 0 gives ordinary least squares.", 0.0, Min: 0, Max: 1e9),
                new("fit_intercept", HyperparameterType.Bool, "Fit an intercept term.", true),
            ]),
    ];

    public static AlgorithmSpec? Find(string name) => All.FirstOrDefault(a => a.Name == name);

    public static IReadOnlyList<AlgorithmSpec> ForTask(string taskType) => All.Where(a => a.Tasks.Contains(taskType)).ToList();
}
