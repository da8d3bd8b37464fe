using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Evaluation.Explanations;

/// <summary>
/// Computes SHAP values for a trained model and says how. All methods explain the same quantity, the interventional
/// SHAP value against a background sample (v(S) = mean over background rows b of f(x_S, b_rest)); they differ in cost
/// and exactness:
/// <list type="bullet">
/// <item>tree_shap for a random forest, and for binary or regression xgboost (LightGBM): exact, polynomial time
/// (<see cref="TreeShap"/>). Binary LightGBM is explained in log-odds (its margin), everything else on its Predict scale.</item>
/// <item>exact for any other model with at most <see cref="ShapOptions.ExactMaxFeatures"/> features: all 2^d coalitions.</item>
/// <item>kernel_shap above that: sampled coalitions and a weighted regression (approximate, seeded).</item>
/// </list>
/// Classifiers: a binary model is explained for its positive class (class index 1) only, since the other class's
/// values are the negatives; a multiclass model for every class.
/// </summary>
public static class ShapExplainer
{
    public static ShapResult Explain(ITrainedModel model, double[][] background, double[][] rows, IReadOnlyList<string> featureNames, int seed, ShapOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(background);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(featureNames);
        options ??= new ShapOptions();
        var d = model.FeatureCount;
        if (featureNames.Count != d)
        {
            throw new ArgumentException($"{featureNames.Count} feature names were given for a model with {d} features.", nameof(featureNames));
        }

        if (background.Length == 0)
        {
            throw new ArgumentException("SHAP needs at least one background row (a sample of the training data).", nameof(background));
        }

        CheckWidth(background, d, nameof(background));
        CheckWidth(rows, d, nameof(rows));
        if (options.MaxBackgroundRows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxBackgroundRows, "MaxBackgroundRows must be at least 1.");
        }

        if (options.Method is { } forced && forced is not (ShapMethods.TreeShap or ShapMethods.Exact or ShapMethods.KernelShap))
        {
            throw new ArgumentException($"Unknown SHAP method '{forced}'; use {ShapMethods.TreeShap}, {ShapMethods.Exact} or {ShapMethods.KernelShap}.", nameof(options));
        }

        var sample = Subsample(background, options.MaxBackgroundRows, seed);
        var ensemble = options.Method is null or ShapMethods.TreeShap ? ExplainableTreeEnsemble.TryCreate(model) : null;
        if (options.Method == ShapMethods.TreeShap && ensemble is null)
        {
            throw new ArgumentException($"tree_shap needs a random forest or a binary or regression xgboost model; {model.Algorithm} has no readable trees.", nameof(options));
        }

        string method;
        string outputSpace;
        IReadOnlyList<string> outputNames;
        double[] baseValues;
        double[][] outputs;
        double[][][] values;
        if (ensemble is not null)
        {
            method = ShapMethods.TreeShap;
            outputSpace = ensemble.OutputSpace;
            outputNames = ensemble.OutputNames;
            values = TreeShap.Explain(ensemble, sample, rows, out baseValues);
            outputs = rows.Select(ensemble.Evaluate).ToArray();
        }
        else
        {
            method = options.Method ?? (d <= options.ExactMaxFeatures ? ShapMethods.Exact : ShapMethods.KernelShap);
            outputSpace = model.Task == ModelTask.Classification ? ShapOutputSpaces.Probability : ShapOutputSpaces.Value;
            outputNames = ExplainableTreeEnsemble.OutputNamesOf(model);
            int[] outputIndices = model.Task == ModelTask.Regression ? [0] : model.ClassCount == 2 ? [1] : Enumerable.Range(0, model.ClassCount).ToArray();
            var game = new CoalitionGame(model, sample, outputIndices);
            var backgroundOutputs = game.Outputs(sample);
            baseValues = Enumerable.Range(0, outputIndices.Length).Select(o => backgroundOutputs.Average(r => r[o])).ToArray();
            outputs = game.Outputs(rows);
            values = method == ShapMethods.Exact
                ? ExactShap.Explain(game, d, rows)
                : KernelShap.Explain(game, sample, rows, baseValues, options.KernelSampleCount, seed);
        }

        var maxError = 0.0;
        for (var i = 0; i < rows.Length; i++)
        {
            for (var o = 0; o < baseValues.Length; o++)
            {
                maxError = Math.Max(maxError, Math.Abs(baseValues[o] + values[i][o].Sum() - outputs[i][o]));
            }
        }

        var explained = rows.Select((_, i) => new ShapRowExplanation(outputs[i], values[i])).ToArray();
        return new ShapResult(method, outputSpace, featureNames.ToArray(), outputNames, baseValues, explained, GlobalImportance(featureNames, values), maxError, sample.Length);
    }

    /// <summary>Mean |SHAP| per feature over rows and outputs, ranked highest first (ties by column order).</summary>
    public static IReadOnlyList<FeatureImportance> GlobalImportance(IReadOnlyList<string> featureNames, double[][][] values)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(values);
        var d = featureNames.Count;
        var mean = new double[d];
        var count = 0;
        foreach (var row in values)
        {
            foreach (var output in row)
            {
                for (var j = 0; j < d; j++)
                {
                    mean[j] += Math.Abs(output[j]);
                }

                count++;
            }
        }

        return Enumerable.Range(0, d)
            .Select(j => (Feature: featureNames[j], Value: count == 0 ? 0 : mean[j] / count, Index: j))
            .OrderByDescending(f => f.Value).ThenBy(f => f.Index)
            .Select((f, rank) => new FeatureImportance(f.Feature, f.Value, rank + 1))
            .ToArray();
    }

    private static double[][] Subsample(double[][] background, int max, int seed)
    {
        if (background.Length <= max)
        {
            return background;
        }

        var random = new Random(seed);
        var order = Enumerable.Range(0, background.Length).ToArray();
        random.Shuffle(order);
        return order.Take(max).Order().Select(i => background[i]).ToArray();
    }

    private static void CheckWidth(double[][] rows, int width, string name)
    {
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] is null || rows[i].Length != width)
            {
                throw new ArgumentException($"Row {i} has {rows[i]?.Length ?? 0} values; the model expects {width} features.", name);
            }
        }
    }
}
