using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.DataPreparation;

/// <summary>Outlier rules for numeric columns.</summary>
public static class OutlierMethods
{
    /// <summary>Outside [Q1 − f·IQR, Q3 + f·IQR], quartiles interpolated as NumPy does.</summary>
    public const string Iqr = "iqr";

    /// <summary>|x − mean| / std above the threshold, with the population standard deviation.</summary>
    public const string ZScore = "zscore";

    public static readonly IReadOnlyList<string> All = [Iqr, ZScore];
}

/// <summary>Outlier-removal settings: the rule, the IQR factor (default 1.5) and the z-score threshold (default 3).</summary>
public sealed record OutlierOptions
{
    public string Method { get; init; } = OutlierMethods.Iqr;
    public double IqrFactor { get; init; } = 1.5;
    public double ZThreshold { get; init; } = 3.0;
}

/// <summary>The rows kept (indices into the input, ascending), how many rows were removed, and how many cells each column flagged.</summary>
public sealed record OutlierResult(int[] KeptRows, int Removed, IReadOnlyDictionary<string, int> FlaggedByColumn);

/// <summary>
/// Drops training rows with an outlying value in any of the given numeric columns. The bounds come from the rows
/// being filtered, so apply it to the training split only; validation and test rows are scored as they come. Missing
/// cells are never outliers.
/// </summary>
public static class OutlierFilter
{
    /// <summary>Filters a raw training frame on <paramref name="numericColumns"/>; returns the kept frame and the report.</summary>
    public static (DataFrame Kept, OutlierResult Result) Apply(DataFrame train, IReadOnlyList<string> numericColumns, OutlierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(numericColumns);
        var columns = numericColumns.Select(name =>
        {
            var index = train.IndexOf(name);
            if (index < 0)
            {
                throw new ArgumentException($"The frame has no column '{name}'.", nameof(numericColumns));
            }

            return (name, train.Rows.Select(r => DataFrame.TryParseNumber(r[index], out var v) ? v : (double?)null).ToArray());
        }).ToArray();
        var result = Filter(train.RowCount, columns, options ?? new OutlierOptions());
        return (train.WithRows(result.KeptRows.Select(i => train.Rows[i])), result);
    }

    /// <summary>Filters preprocessed training data on the feature <paramref name="columns"/> (all features when null).</summary>
    public static (TrainingData Kept, OutlierResult Result) Apply(TrainingData train, IReadOnlyList<int>? columns = null, OutlierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        var selected = (columns ?? Enumerable.Range(0, train.FeatureCount).ToArray()).Select(j =>
        {
            if (j < 0 || j >= train.FeatureCount)
            {
                throw new ArgumentOutOfRangeException(nameof(columns), j, $"The data has {train.FeatureCount} features.");
            }

            return (train.FeatureNames[j], train.Features.Select(r => (double?)r[j]).ToArray());
        }).ToArray();
        var result = Filter(train.RowCount, selected, options ?? new OutlierOptions());
        return (CrossValidation.Subset(train, result.KeptRows), result);
    }

    private static OutlierResult Filter(int rowCount, (string Name, double?[] Values)[] columns, OutlierOptions options)
    {
        if (!OutlierMethods.All.Contains(options.Method))
        {
            throw new ArgumentException($"Unknown outlier method '{options.Method}'; use one of {string.Join(", ", OutlierMethods.All)}.", nameof(options));
        }

        if (!(options.IqrFactor >= 0) || !(options.ZThreshold > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options, "The IQR factor must be >= 0 and the z-score threshold > 0.");
        }

        var outlier = new bool[rowCount];
        var flagged = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, values) in columns)
        {
            var present = values.Where(v => v is not null).Select(v => v!.Value).Order().ToArray();
            var count = 0;
            if (present.Length > 0)
            {
                var (low, high) = Bounds(present, options);
                for (var i = 0; i < rowCount; i++)
                {
                    if (values[i] is { } v && (v < low || v > high))
                    {
                        outlier[i] = true;
                        count++;
                    }
                }
            }

            flagged[name] = count;
        }

        var kept = Enumerable.Range(0, rowCount).Where(i => !outlier[i]).ToArray();
        return new OutlierResult(kept, rowCount - kept.Length, flagged);
    }

    private static (double Low, double High) Bounds(double[] sorted, OutlierOptions options)
    {
        if (options.Method == OutlierMethods.Iqr)
        {
            var q1 = Statistics.Quantile(sorted, 0.25);
            var q3 = Statistics.Quantile(sorted, 0.75);
            var spread = options.IqrFactor * (q3 - q1);
            return (q1 - spread, q3 + spread);
        }

        var mean = sorted.Average();
        var std = Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / sorted.Length);
        return std > 0 ? (mean - options.ZThreshold * std, mean + options.ZThreshold * std) : (double.NegativeInfinity, double.PositiveInfinity);
    }
}
