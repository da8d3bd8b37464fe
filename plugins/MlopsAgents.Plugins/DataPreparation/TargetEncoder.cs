using System.Text.Json.Serialization;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.DataPreparation;

/// <summary>
/// A fitted target encoding of one categorical column. <see cref="Values"/> has one row per category (in the order of
/// the column's categories) and one value per output; <see cref="Prior"/> encodes categories unseen in training
/// (a missing cell is first imputed with the column's mode, as for the other encodings).
/// </summary>
public sealed record TargetEncodingTable(
    [property: JsonPropertyName("smoothing")] double Smoothing,
    [property: JsonPropertyName("outputs")] IReadOnlyList<string> Outputs,
    [property: JsonPropertyName("prior")] IReadOnlyList<double> Prior,
    [property: JsonPropertyName("values")] IReadOnlyList<IReadOnlyList<double>> Values);

/// <summary>
/// m-estimate target encoding, fitted on the training split only: category c encodes as
/// (n_c·mean_c + m·prior)/(n_c + m), where mean_c and prior are the target means within c and over all rows. The
/// target is the value itself for regression, the indicator of class 1 for two classes (one output), and the indicator
/// of each class for more than two (one output per class, named <c>column@class</c>), so every class keeps its own
/// probability rather than being squeezed into one number.
/// </summary>
public static class TargetEncoder
{
    /// <summary>The <c>encode_categorical</c> value that selects this encoding, beside onehot and label.</summary>
    public const string EncodingName = "target";

    /// <summary>The default m: a category needs about this many rows before its own mean outweighs the prior.</summary>
    public const double DefaultSmoothing = 10;

    /// <summary>
    /// Fits the table for <paramref name="categories"/> (the column's known categories) from the training rows'
    /// category <paramref name="cells"/> (null when missing; such rows only count towards the prior) and
    /// <paramref name="targets"/> (the value for regression, the class index for classification).
    /// </summary>
    public static TargetEncodingTable Fit(
        IReadOnlyList<string> categories,
        IReadOnlyList<string?> cells,
        IReadOnlyList<double> targets,
        ModelTask task,
        IReadOnlyList<string> classNames,
        double smoothing = DefaultSmoothing)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(classNames);
        if (cells.Count != targets.Count)
        {
            throw new ArgumentException($"There are {cells.Count} cells but {targets.Count} targets.", nameof(targets));
        }

        if (!(smoothing >= 0) || !double.IsFinite(smoothing))
        {
            throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "The smoothing m must be a finite number >= 0.");
        }

        IReadOnlyList<string> outputs = task == ModelTask.Regression || classNames.Count == 2 ? [""] : classNames;
        var width = outputs.Count;
        var index = categories.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        var sums = new double[categories.Count, width];
        var counts = new int[categories.Count];
        var total = new double[width];
        for (var r = 0; r < cells.Count; r++)
        {
            var y = Outputs(targets[r], task, width);
            for (var k = 0; k < width; k++)
            {
                total[k] += y[k];
            }

            if (cells[r] is { } cell && index.TryGetValue(cell, out var c))
            {
                counts[c]++;
                for (var k = 0; k < width; k++)
                {
                    sums[c, k] += y[k];
                }
            }
        }

        var prior = total.Select(t => cells.Count == 0 ? 0 : t / cells.Count).ToArray();
        var values = new IReadOnlyList<double>[categories.Count];
        for (var c = 0; c < categories.Count; c++)
        {
            var row = new double[width];
            for (var k = 0; k < width; k++)
            {
                var n = counts[c];
                row[k] = n + smoothing > 0 ? (sums[c, k] + smoothing * prior[k]) / (n + smoothing) : prior[k];
            }

            values[c] = row;
        }

        return new TargetEncodingTable(smoothing, outputs, prior, values);
    }

    /// <summary>Feature names for a column: the column name for one output, <c>column@class</c> for several.</summary>
    public static IReadOnlyList<string> FeatureNames(string column, TargetEncodingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.Outputs.Count == 1 ? [column] : table.Outputs.Select(o => $"{column}@{o}").ToArray();
    }

    /// <summary>The encoding of category index <paramref name="categoryIndex"/>, or the prior when it is negative (unseen or missing).</summary>
    public static IReadOnlyList<double> Encode(TargetEncodingTable table, int categoryIndex)
    {
        ArgumentNullException.ThrowIfNull(table);
        return categoryIndex >= 0 && categoryIndex < table.Values.Count ? table.Values[categoryIndex] : table.Prior;
    }

    private static double[] Outputs(double target, ModelTask task, int width)
    {
        if (task == ModelTask.Regression)
        {
            return [target];
        }

        if (width == 1)
        {
            return [target == 1 ? 1 : 0];
        }

        var y = new double[width];
        y[(int)target] = 1;
        return y;
    }
}
