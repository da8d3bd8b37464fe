using System.Text.Json;
using System.Text.Json.Serialization;
using MlopsAgents.Plugins.DataPreparation;

namespace MlopsAgents.Plugins.Monitoring;

/// <summary>
/// A numeric distribution summarized for drift checks. <see cref="Edges"/> run from the minimum to the maximum at
/// quantile cut points (ties merged, so there may be fewer than the requested bins); <see cref="BinFractions"/>[i] is
/// the share of values in bin i as <see cref="BinOf"/> assigns them. <see cref="Quantiles"/> maps "0", "0.05", "0.25",
/// "0.5", "0.75", "0.95", "1" to NumPy's linear-interpolated quantiles; <see cref="Std"/> is the population standard deviation.
/// </summary>
public sealed record NumericSummary(
    [property: JsonPropertyName("edges")] double[] Edges,
    [property: JsonPropertyName("bin_fractions")] double[] BinFractions,
    [property: JsonPropertyName("quantiles")] IReadOnlyDictionary<string, double> Quantiles,
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("std")] double Std)
{
    /// <summary>
    /// The bin of a value: bin i holds Edges[i] ≤ v &lt; Edges[i+1], the last bin also holds the maximum. Values outside
    /// the baseline's range fall into the first or last bin, so live data always lands somewhere (as PSI needs).
    /// </summary>
    public int BinOf(double value)
    {
        var bins = BinFractions.Length;
        var bin = 0;
        while (bin < bins - 1 && value >= Edges[bin + 1])
        {
            bin++;
        }

        return bin;
    }
}

/// <summary>
/// One raw input column's baseline: <see cref="Numeric"/> for a numeric column, <see cref="Categories"/> (share of each
/// category among present values, most frequent first) for a categorical one. <see cref="MissingRate"/> is over all rows.
/// </summary>
public sealed record FeatureBaseline(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] ColumnKind Kind,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("missing_rate")] double MissingRate,
    [property: JsonPropertyName("numeric")] NumericSummary? Numeric,
    [property: JsonPropertyName("categories")] IReadOnlyDictionary<string, double>? Categories);

/// <summary>
/// The model's predictions on the test split. Classification: <see cref="ClassFrequencies"/> (share of rows whose most
/// probable class is each class) and <see cref="MeanProbabilities"/>; regression: <see cref="Values"/>.
/// </summary>
public sealed record PredictionBaseline(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("class_frequencies")] IReadOnlyDictionary<string, double>? ClassFrequencies,
    [property: JsonPropertyName("mean_probabilities")] IReadOnlyDictionary<string, double>? MeanProbabilities,
    [property: JsonPropertyName("values")] NumericSummary? Values);

/// <summary>
/// What training looked like, for the monitor to compare live traffic against (PSI on the bins, KS on the quantiles):
/// every raw input column of the reference data and the prediction distribution on the test split. Saved as JSON.
/// </summary>
public sealed record DriftBaseline(
    [property: JsonPropertyName("row_count")] int RowCount,
    [property: JsonPropertyName("features")] IReadOnlyList<FeatureBaseline> Features,
    [property: JsonPropertyName("predictions")] PredictionBaseline Predictions)
{
    public const string FileName = "drift_baseline.json";

    /// <summary>The quantile levels every numeric summary records.</summary>
    public static readonly IReadOnlyList<double> QuantileLevels = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1];

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>
    /// Builds the baseline. <paramref name="reference"/> holds the raw rows the features are summarized over (the
    /// training split); <paramref name="featureColumns"/> names the model's input columns, whose kind is taken from
    /// <paramref name="kinds"/> when given there and inferred from the data otherwise. <paramref name="testPredictions"/>
    /// are the model's outputs on the test split (class probabilities, or one value per row when
    /// <paramref name="classNames"/> is empty). Numeric columns get <paramref name="binCount"/> quantile bins.
    /// </summary>
    public static DriftBaseline Build(
        DataFrame reference,
        IReadOnlyList<string> featureColumns,
        double[][] testPredictions,
        IReadOnlyList<string> classNames,
        IReadOnlyDictionary<string, ColumnKind>? kinds = null,
        int binCount = 10)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(featureColumns);
        ArgumentNullException.ThrowIfNull(testPredictions);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        var features = featureColumns.Select(name =>
        {
            var index = reference.IndexOf(name);
            if (index < 0)
            {
                throw new ArgumentException($"Column '{name}' is not in the reference data.", nameof(featureColumns));
            }

            var kind = kinds is not null && kinds.TryGetValue(name, out var given) ? given : reference.InferKind(index);
            return Feature(reference, index, kind, binCount);
        }).ToArray();
        return new DriftBaseline(reference.RowCount, features, SummarizePredictions(testPredictions, classNames, binCount));
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static DriftBaseline FromJson(string json) =>
        JsonSerializer.Deserialize<DriftBaseline>(json, JsonOptions) ?? throw new InvalidDataException($"{FileName} is empty.");

    /// <summary>Summarizes numbers: quantile-edged histogram, quantiles, mean and population standard deviation.</summary>
    public static NumericSummary Summarize(IReadOnlyCollection<double> values, int binCount = 10)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return new NumericSummary([], [], new Dictionary<string, double>(), double.NaN, double.NaN);
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        return SummarizeSorted(sorted, binCount);
    }

    /// <summary><see cref="Summarize"/> of values already in ascending order, without sorting them again.</summary>
    public static NumericSummary SummarizeSorted(double[] sorted, int binCount = 10)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0)
        {
            return new NumericSummary([], [], new Dictionary<string, double>(), double.NaN, double.NaN);
        }

        var edges = Enumerable.Range(0, binCount + 1).Select(i => Statistics.Quantile(sorted, (double)i / binCount)).Distinct().ToList();
        if (edges.Count == 1)
        {
            edges.Add(edges[0]);
        }

        var quantiles = QuantileLevels.ToDictionary(q => q.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture), q => Statistics.Quantile(sorted, q));
        var mean = sorted.Average();
        var std = Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / sorted.Length);
        var summary = new NumericSummary(edges.ToArray(), new double[edges.Count - 1], quantiles, mean, std);
        // Sorted values visit the bins in order, so one forward walk replaces a bin search per value; the bin rule
        // is BinOf's (Edges[i] <= v < Edges[i+1], the last bin also holds the maximum).
        var share = 1.0 / sorted.Length;
        var fractions = summary.BinFractions;
        var edgeArray = summary.Edges;
        var bin = 0;
        foreach (var v in sorted)
        {
            while (bin < fractions.Length - 1 && v >= edgeArray[bin + 1])
            {
                bin++;
            }

            fractions[bin] += share;
        }

        return summary;
    }

    private static FeatureBaseline Feature(DataFrame frame, int column, ColumnKind kind, int binCount)
    {
        var cells = frame.Rows.Select(r => r[column]).ToArray();
        var present = cells.Where(c => !DataFrame.IsMissingToken(c)).Select(c => c!).ToArray();
        var missingRate = cells.Length == 0 ? 0 : (double)(cells.Length - present.Length) / cells.Length;
        var name = frame.Columns[column];
        if (kind == ColumnKind.Numeric)
        {
            var numbers = new List<double>(present.Length);
            foreach (var cell in present)
            {
                if (!DataFrame.TryParseNumber(cell, out var number))
                {
                    throw new ArgumentException($"Column '{name}' is declared numeric but holds '{cell}'.", nameof(frame));
                }

                numbers.Add(number);
            }

            return new FeatureBaseline(name, kind, cells.Length, missingRate, Summarize(numbers, binCount), null);
        }

        return new FeatureBaseline(name, kind, cells.Length, missingRate, null, Frequencies(present));
    }

    private static PredictionBaseline SummarizePredictions(double[][] predictions, IReadOnlyList<string> classNames, int binCount)
    {
        if (classNames.Count == 0)
        {
            return new PredictionBaseline("regression", predictions.Length, null, null, Summarize(predictions.Select(p => p[0]).ToArray(), binCount));
        }

        var k = classNames.Count;
        if (predictions.Any(p => p.Length != k))
        {
            throw new ArgumentException($"Every prediction must hold {k} class probabilities.", nameof(predictions));
        }

        var predicted = predictions.Select(p => classNames[Array.IndexOf(p, p.Max())]).ToArray();
        var counts = predicted.GroupBy(c => c, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var n = Math.Max(predictions.Length, 1);
        var frequencies = classNames.ToDictionary(c => c, c => (double)counts.GetValueOrDefault(c) / n, StringComparer.Ordinal);
        var means = classNames.Select((c, i) => (c, predictions.Length == 0 ? 0 : predictions.Average(p => p[i]))).ToDictionary(t => t.c, t => t.Item2, StringComparer.Ordinal);
        return new PredictionBaseline("classification", predictions.Length, frequencies, means, null);
    }

    private static Dictionary<string, double> Frequencies(string[] values)
    {
        // Insertion order (most frequent first, ties by name) is kept by Dictionary and so by the JSON.
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var group in values.GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            result[group.Key] = (double)group.Count() / values.Length;
        }

        return result;
    }
}
