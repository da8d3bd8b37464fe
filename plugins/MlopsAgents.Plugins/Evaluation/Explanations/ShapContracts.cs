using System.Text.Json.Serialization;

namespace MlopsAgents.Plugins.Evaluation.Explanations;

/// <summary>Names of the SHAP methods <see cref="ShapExplainer"/> picks from, as reported in <see cref="ShapResult.Method"/>.</summary>
public static class ShapMethods
{
    /// <summary>Interventional TreeSHAP over the model's own trees (random forest, binary or regression LightGBM).</summary>
    public const string TreeShap = "tree_shap";

    /// <summary>Shapley values by enumerating every coalition of features.</summary>
    public const string Exact = "exact";

    /// <summary>Kernel SHAP: a weighted linear regression over sampled coalitions.</summary>
    public const string KernelShap = "kernel_shap";
}

/// <summary>The scale on which SHAP values add up, as reported in <see cref="ShapResult.OutputSpace"/>.</summary>
public static class ShapOutputSpaces
{
    /// <summary>Class probabilities, as <see cref="Training.ITrainedModel.Predict"/> returns them.</summary>
    public const string Probability = "probability";

    /// <summary>Log-odds of the positive class (the margin of a binary LightGBM model, before its sigmoid).</summary>
    public const string LogOdds = "log_odds";

    /// <summary>The predicted value of a regression model.</summary>
    public const string Value = "value";
}

/// <summary>Knobs of <see cref="ShapExplainer"/>; the defaults suit a few hundred explained rows.</summary>
/// <param name="MaxBackgroundRows">The background is subsampled (seeded) to at most this many rows; the value function averages over them.</param>
/// <param name="ExactMaxFeatures">Models that are not tree ensembles get exact SHAP up to this many features, Kernel SHAP above.</param>
/// <param name="KernelSampleCount">Coalitions Kernel SHAP evaluates per row; null means 2·d + 2048, as the shap library does.</param>
/// <param name="Method">Forces one of <see cref="ShapMethods"/>; null lets the explainer choose. Forcing tree_shap on a model without readable trees is an error.</param>
public sealed record ShapOptions(
    int MaxBackgroundRows = 100,
    int ExactMaxFeatures = 12,
    int? KernelSampleCount = null,
    string? Method = null);

/// <summary>
/// One explained row. <see cref="Values"/>[o][j] is feature j's contribution to output o, and
/// <see cref="Outputs"/>[o] is the model's output o for the row on the result's output space, so that
/// base value + Σ_j Values[o][j] = Outputs[o] (local accuracy).
/// </summary>
public sealed record ShapRowExplanation(
    [property: JsonPropertyName("outputs")] double[] Outputs,
    [property: JsonPropertyName("values")] double[][] Values);

/// <summary>A feature's global importance: its mean |SHAP| over the explained rows (and outputs), with its 1-based rank.</summary>
public sealed record FeatureImportance(
    [property: JsonPropertyName("feature")] string Feature,
    [property: JsonPropertyName("mean_abs_shap")] double MeanAbsShap,
    [property: JsonPropertyName("rank")] int Rank);

/// <summary>
/// SHAP values for a batch of rows.
/// <list type="bullet">
/// <item><see cref="Method"/> names the algorithm that produced them (<see cref="ShapMethods"/>).</item>
/// <item><see cref="OutputSpace"/> says what they add up to (<see cref="ShapOutputSpaces"/>): probability for classifiers
/// explained through Predict, log-odds for binary LightGBM explained through its trees, the value for regression.</item>
/// <item><see cref="OutputNames"/>: for a binary classifier only the positive class (class index 1); for multiclass every
/// class; for regression the single name "value".</item>
/// <item><see cref="BaseValues"/>[o] is the mean output o over the background rows.</item>
/// <item><see cref="GlobalImportance"/> ranks features by mean |SHAP|, averaged over rows and explained outputs, highest first.</item>
/// <item><see cref="MaxLocalAccuracyError"/> is the largest |base + Σ SHAP − output| over rows and outputs.</item>
/// </list>
/// </summary>
public sealed record ShapResult(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("output_space")] string OutputSpace,
    [property: JsonPropertyName("feature_names")] IReadOnlyList<string> FeatureNames,
    [property: JsonPropertyName("output_names")] IReadOnlyList<string> OutputNames,
    [property: JsonPropertyName("base_values")] double[] BaseValues,
    [property: JsonPropertyName("rows")] IReadOnlyList<ShapRowExplanation> Rows,
    [property: JsonPropertyName("global_importance")] IReadOnlyList<FeatureImportance> GlobalImportance,
    [property: JsonPropertyName("max_local_accuracy_error")] double MaxLocalAccuracyError,
    [property: JsonPropertyName("background_rows")] int BackgroundRows);
