using System.Text.Json.Serialization;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Evaluation.Explanations;

/// <summary>Knobs of <see cref="LimeExplainer"/>.</summary>
/// <param name="SampleCount">Perturbed rows to fit the local model on (the explained row itself is the first).</param>
/// <param name="TopK">How many features to report, by |weight|.</param>
/// <param name="KernelWidth">Width of the exponential kernel on standardized distance; null means 0.75·√d, LIME's default.</param>
/// <param name="RidgeAlpha">L2 penalty of the local linear model (LIME's default Ridge(alpha=1)).</param>
/// <param name="ClassIndex">The class explained; null means the positive class (index 1) for binary models and the predicted class for multiclass.</param>
public sealed record LimeOptions(int SampleCount = 5000, int TopK = 10, double? KernelWidth = null, double RidgeAlpha = 1.0, int? ClassIndex = null);

/// <summary>One feature's weight in the local linear model: the change in the explained output per training standard deviation of the feature (or, for a 0/1 feature, for keeping the row's value).</summary>
public sealed record LimeFeatureWeight(
    [property: JsonPropertyName("feature")] string Feature,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("weight")] double Weight);

/// <summary>
/// A LIME explanation of one prediction. <see cref="ModelOutput"/> is the model's output for the row (a probability for
/// classifiers, the value for regression), <see cref="LocalPrediction"/> the local model's output there, and
/// <see cref="Score"/> the local model's weighted R² over the perturbed samples.
/// </summary>
public sealed record LimeResult(
    [property: JsonPropertyName("explained_output")] string ExplainedOutput,
    [property: JsonPropertyName("model_output")] double ModelOutput,
    [property: JsonPropertyName("local_prediction")] double LocalPrediction,
    [property: JsonPropertyName("intercept")] double Intercept,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("kernel_width")] double KernelWidth,
    [property: JsonPropertyName("sample_count")] int SampleCount,
    [property: JsonPropertyName("top_features")] IReadOnlyList<LimeFeatureWeight> TopFeatures);

/// <summary>
/// LIME for tabular data (Ribeiro et al. 2016), sampling around the explained row: a continuous feature j is perturbed
/// as x_j + N(0, 1)·σ_j with σ_j its training standard deviation; a 0/1 feature (one-hot or flag) is drawn from its
/// training frequency. Samples are standardized (continuous: (z_j − x_j)/σ_j; 0/1: 1 when z_j equals x_j), weighted by
/// √exp(−dist²/width²) on the Euclidean distance of that representation, and a weighted ridge regression of the
/// model's output on it gives the feature weights.
/// </summary>
public static class LimeExplainer
{
    public static LimeResult Explain(ITrainedModel model, double[][] training, double[] row, IReadOnlyList<string> featureNames, int seed, LimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(featureNames);
        options ??= new LimeOptions();
        var d = model.FeatureCount;
        if (row.Length != d || featureNames.Count != d)
        {
            throw new ArgumentException($"The row has {row.Length} values and {featureNames.Count} names; the model expects {d} features.", nameof(row));
        }

        if (training.Length < 2 || training.Any(r => r is null || r.Length != d))
        {
            throw new ArgumentException($"LIME needs at least two training rows of {d} features for the feature statistics.", nameof(training));
        }

        if (options.SampleCount < 2 || options.TopK < 1 || !(options.RidgeAlpha >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "LIME needs SampleCount ≥ 2, TopK ≥ 1 and RidgeAlpha ≥ 0.");
        }

        var (std, binary, frequency) = Statistics(training, d);
        var width = options.KernelWidth ?? (0.75 * Math.Sqrt(d));
        var random = new Random(seed);
        var n = options.SampleCount;
        var samples = new double[n][];
        var representation = new double[n][];
        var weights = new double[n];
        for (var s = 0; s < n; s++)
        {
            var z = (double[])row.Clone();
            if (s > 0)
            {
                for (var j = 0; j < d; j++)
                {
                    z[j] = binary[j] ? (random.NextDouble() < frequency[j] ? 1 : 0) : row[j] + (Gaussian(random) * std[j]);
                }
            }

            var features = new double[d];
            var distance = 0.0;
            for (var j = 0; j < d; j++)
            {
                // Binary features enter as "same as the row" (1) or not (0); the distance counts a flip as one unit.
                features[j] = binary[j] ? (z[j] == row[j] ? 1 : 0) : (z[j] - row[j]) / std[j];
                var gap = binary[j] ? 1 - features[j] : features[j];
                distance += gap * gap;
            }

            samples[s] = z;
            representation[s] = features;
            weights[s] = Math.Sqrt(Math.Exp(-distance / (width * width)));
        }

        var predictions = model.Predict(samples);
        var k = options.ClassIndex ?? (model.Task == ModelTask.Regression ? 0 : model.ClassCount == 2 ? 1 : ArgMax(predictions[0]));
        if (k < 0 || k >= predictions[0].Length)
        {
            throw new ArgumentOutOfRangeException(nameof(options), k, $"ClassIndex must lie in 0..{predictions[0].Length - 1}.");
        }

        var y = predictions.Select(p => p[k]).ToArray();
        var (coefficients, intercept) = WeightedRidge(representation, y, weights, options.RidgeAlpha);
        var fitted = representation.Select(r => intercept + r.Select((v, j) => v * coefficients[j]).Sum()).ToArray();
        var top = Enumerable.Range(0, d)
            .OrderByDescending(j => Math.Abs(coefficients[j])).ThenBy(j => j)
            .Take(options.TopK)
            .Select(j => new LimeFeatureWeight(featureNames[j], row[j], coefficients[j]))
            .ToArray();
        var name = model.Task == ModelTask.Regression ? "value" : k < model.ClassNames.Count ? model.ClassNames[k] : k.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new LimeResult(name, y[0], fitted[0], intercept, WeightedR2(y, fitted, weights), width, n, top);
    }

    private static (double[] Std, bool[] Binary, double[] Frequency) Statistics(double[][] training, int d)
    {
        var std = new double[d];
        var binary = new bool[d];
        var frequency = new double[d];
        for (var j = 0; j < d; j++)
        {
            var column = training.Select(r => r[j]).ToArray();
            var mean = column.Average();
            var sd = Math.Sqrt(column.Sum(v => (v - mean) * (v - mean)) / column.Length);
            std[j] = sd > 0 ? sd : 1;
            binary[j] = column.All(v => v is 0 or 1);
            frequency[j] = mean;
        }

        return (std, binary, frequency);
    }

    /// <summary>Ridge regression with an unpenalized intercept: center by the weighted means, solve, recover the intercept.</summary>
    private static (double[] Coefficients, double Intercept) WeightedRidge(double[][] x, double[] y, double[] w, double alpha)
    {
        var d = x[0].Length;
        var total = w.Sum();
        var meanX = new double[d];
        var meanY = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            meanY += w[i] * y[i] / total;
            for (var j = 0; j < d; j++)
            {
                meanX[j] += w[i] * x[i][j] / total;
            }
        }

        var centered = x.Select(r => r.Select((v, j) => v - meanX[j]).ToArray()).ToArray();
        var beta = DenseSolver.WeightedLeastSquares(centered, y.Select(v => v - meanY).ToArray(), w, alpha);
        return (beta, meanY - beta.Select((b, j) => b * meanX[j]).Sum());
    }

    private static double WeightedR2(double[] y, double[] fitted, double[] w)
    {
        var total = w.Sum();
        var mean = y.Select((v, i) => w[i] * v).Sum() / total;
        var residual = y.Select((v, i) => w[i] * (v - fitted[i]) * (v - fitted[i])).Sum();
        var spread = y.Select((v, i) => w[i] * (v - mean) * (v - mean)).Sum();
        return spread > 0 ? 1 - (residual / spread) : 1;
    }

    private static double Gaussian(Random random)
    {
        // Box–Muller; 1 − U keeps the logarithm's argument in (0, 1].
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static int ArgMax(double[] values)
    {
        var best = 0;
        for (var k = 1; k < values.Length; k++)
        {
            if (values[k] > values[best])
            {
                best = k;
            }
        }

        return best;
    }
}
