using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace MlopsAgents.Plugins.DataPreparation;

/// <summary>Statistics of one column. Numeric fields are null for categorical columns; TopValues is null for numeric ones.</summary>
public sealed record ColumnProfile(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("missing")] int Missing,
    [property: JsonPropertyName("missing_fraction")] double MissingFraction,
    [property: JsonPropertyName("unique")] int Unique,
    [property: JsonPropertyName("mean")] double? Mean,
    [property: JsonPropertyName("std")] double? Std,
    [property: JsonPropertyName("min")] double? Min,
    [property: JsonPropertyName("q1")] double? Q1,
    [property: JsonPropertyName("median")] double? Median,
    [property: JsonPropertyName("q3")] double? Q3,
    [property: JsonPropertyName("max")] double? Max,
    [property: JsonPropertyName("outliers")] int? Outliers,
    [property: JsonPropertyName("top_values")] IReadOnlyDictionary<string, int>? TopValues);

/// <summary>The data-quality report of phase 1: missing values, duplicates, outliers (1.5 × IQR rule), class balance, per-column statistics.</summary>
public sealed record DataQualityReport(
    [property: JsonPropertyName("dataset_id")] string DatasetId,
    [property: JsonPropertyName("dataset_version")] int DatasetVersion,
    [property: JsonPropertyName("rows")] int Rows,
    [property: JsonPropertyName("columns")] int Columns,
    [property: JsonPropertyName("duplicate_rows")] int DuplicateRows,
    [property: JsonPropertyName("missing_cells")] int MissingCells,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("class_balance")] IReadOnlyDictionary<string, int>? ClassBalance,
    [property: JsonPropertyName("imbalance_ratio")] double? ImbalanceRatio,
    [property: JsonPropertyName("column_profiles")] IReadOnlyList<ColumnProfile> ColumnProfiles,
    [property: JsonPropertyName("warnings")] IReadOnlyList<string> Warnings)
{
    /// <summary>Profiles a raw frame. <paramref name="isClassification"/> adds the class balance of the target.</summary>
    public static DataQualityReport Build(string datasetId, int datasetVersion, DataFrame frame, string target, bool isClassification)
    {
        var profiles = new List<ColumnProfile>();
        var warnings = new List<string>();
        for (var c = 0; c < frame.Columns.Count; c++)
        {
            var profile = Profile(frame, c);
            profiles.Add(profile);
            if (profile.MissingFraction > 0.3)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture, $"column '{profile.Name}' is {profile.MissingFraction:P0} missing"));
            }

            if (profile.Unique == 1)
            {
                warnings.Add($"column '{profile.Name}' has a single value and carries no information");
            }
        }

        var duplicates = frame.RowCount - frame.Rows.Select(RowKey).Distinct().Count();
        if (duplicates > 0)
        {
            warnings.Add($"{duplicates} duplicate rows");
        }

        IReadOnlyDictionary<string, int>? balance = null;
        double? ratio = null;
        var t = frame.IndexOf(target);
        if (isClassification && t >= 0)
        {
            balance = frame.Rows.Where(r => r[t] is not null).GroupBy(r => r[t]!).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count());
            if (balance.Count > 1)
            {
                ratio = (double)balance.Values.Max() / balance.Values.Min();
                if (ratio > 3)
                {
                    warnings.Add(string.Create(CultureInfo.InvariantCulture, $"classes are imbalanced (majority/minority = {ratio:0.##})"));
                }
            }
        }

        return new DataQualityReport(datasetId, datasetVersion, frame.RowCount, frame.Columns.Count, duplicates,
            profiles.Sum(p => p.Missing), target, balance, ratio, profiles, warnings);
    }

    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"# Data quality: {DatasetId} v{DatasetVersion}");
        sb.AppendLine();
        sb.AppendLine(inv, $"- Rows: {Rows}, columns: {Columns}");
        sb.AppendLine(inv, $"- Duplicate rows: {DuplicateRows}");
        sb.AppendLine(inv, $"- Missing cells: {MissingCells}");
        sb.AppendLine(inv, $"- Target: `{Target}`");
        if (ClassBalance is not null)
        {
            var ratio = ImbalanceRatio is { } r ? string.Create(inv, $" (ratio {r:0.##})") : "";
            sb.AppendLine(inv, $"- Class balance: {string.Join(", ", ClassBalance.Select(kv => $"{kv.Key} {kv.Value}"))}{ratio}");
        }

        sb.AppendLine();
        if (Warnings.Count > 0)
        {
            sb.AppendLine("## Warnings");
            sb.AppendLine();
            foreach (var w in Warnings)
            {
                sb.AppendLine(inv, $"- {w}");
            }

            sb.AppendLine();
        }

        sb.AppendLine("## Columns");
        sb.AppendLine();
        sb.AppendLine("| column | kind | missing | unique | mean | std | min | median | max | outliers |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var p in ColumnProfiles)
        {
            sb.AppendLine(inv, $"| {p.Name} | {p.Kind} | {p.Missing} | {p.Unique} | {F(p.Mean)} | {F(p.Std)} | {F(p.Min)} | {F(p.Median)} | {F(p.Max)} | {(p.Outliers?.ToString(inv) ?? "")} |");
        }

        return sb.ToString();

        static string F(double? v) => v is { } x ? x.ToString("G5", CultureInfo.InvariantCulture) : "";
    }

    private static string RowKey(string?[] row) => string.Join('\u001f', row.Select(c => c ?? "\u0000"));

    private static ColumnProfile Profile(DataFrame frame, int c)
    {
        var name = frame.Columns[c];
        var present = frame.Rows.Select(r => r[c]).Where(v => v is not null).Select(v => v!).ToList();
        var missing = frame.RowCount - present.Count;
        var missingFraction = frame.RowCount == 0 ? 0 : (double)missing / frame.RowCount;
        var unique = present.Distinct(StringComparer.Ordinal).Count();
        if (frame.InferKind(c) == ColumnKind.Categorical)
        {
            var top = present.GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Take(10).ToDictionary(g => g.Key, g => g.Count());
            return new ColumnProfile(name, "categorical", missing, missingFraction, unique, null, null, null, null, null, null, null, null, top);
        }

        var values = present.Select(v => double.Parse(v, CultureInfo.InvariantCulture)).Order().ToArray();
        if (values.Length == 0)
        {
            return new ColumnProfile(name, "numeric", missing, missingFraction, 0, null, null, null, null, null, null, null, 0, null);
        }

        var mean = values.Average();
        var std = values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1)) : 0;
        var q1 = Statistics.Quantile(values, 0.25);
        var q3 = Statistics.Quantile(values, 0.75);
        var iqr = q3 - q1;
        var outliers = values.Count(v => v < q1 - 1.5 * iqr || v > q3 + 1.5 * iqr);
        return new ColumnProfile(name, "numeric", missing, missingFraction, unique, mean, std, values[0], q1, Statistics.Quantile(values, 0.5), q3, values[^1], outliers, null);
    }
}

/// <summary>Small statistics helpers shared by the data preparation code.</summary>
public static class Statistics
{
    /// <summary>Linear-interpolated quantile of sorted values (NumPy's default method).</summary>
    public static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            throw new ArgumentException("Quantile of an empty sequence.", nameof(sorted));
        }

        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
