namespace MlopsAgents.Plugins.Training;

/// <summary>Supervised task kinds the trainers handle.</summary>
public enum ModelTask
{
    Classification,
    Regression,
}

/// <summary>
/// A numeric design matrix ready for training. For classification <see cref="Labels"/> holds class indices
/// 0..k-1 into <see cref="ClassNames"/>; for regression it holds the target values and ClassNames is empty.
/// </summary>
public sealed record TrainingData(double[][] Features, double[] Labels, IReadOnlyList<string> FeatureNames, IReadOnlyList<string> ClassNames)
{
    public int RowCount => Features.Length;
    public int FeatureCount => FeatureNames.Count;
    public ModelTask Task => ClassNames.Count > 0 ? ModelTask.Classification : ModelTask.Regression;

    /// <summary>
    /// Optional per-row weights, one finite value &gt; 0 per row, as produced by class weighting; null means every row
    /// weighs 1. Trainers that honour them: logistic_regression (weighted loss), random_forest (weighted impurity and
    /// leaf values) and xgboost (LightGBM example weights); linear_regression ignores them.
    /// </summary>
    public double[]? SampleWeights { get; init; }
}

/// <summary>A trained model that predicts from preprocessed numeric features.</summary>
public interface ITrainedModel
{
    string Algorithm { get; }
    ModelTask Task { get; }
    int FeatureCount { get; }

    /// <summary>Number of classes; 0 for regression.</summary>
    int ClassCount { get; }

    /// <summary>Names of the input features, in column order.</summary>
    IReadOnlyList<string> FeatureNames => [];

    /// <summary>Class names by class index; empty for regression.</summary>
    IReadOnlyList<string> ClassNames => [];

    /// <summary>
    /// Predicts a batch. Classification: one probability vector of length <see cref="ClassCount"/> per row, summing to 1.
    /// Regression: a one-element array per row holding the predicted value.
    /// </summary>
    double[][] Predict(double[][] features);

    /// <summary>Writes the model into <paramref name="directory"/> (created if missing), so that <see cref="ModelSerializer.Load"/> can read it back.</summary>
    void Save(string directory);
}

/// <summary>Trains one algorithm.</summary>
public interface IModelTrainer
{
    string Algorithm { get; }

    /// <summary>
    /// Trains on <paramref name="train"/>. <paramref name="hyperparameters"/> holds canonical names with validated
    /// values (long, double, string or bool); missing ones take the catalog default. <paramref name="validation"/> may be
    /// used for early stopping and may be null.
    /// </summary>
    ITrainedModel Train(TrainingData train, TrainingData? validation, IReadOnlyDictionary<string, object> hyperparameters, int seed, IProgress<string>? progress = null);
}
