using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlopsAgents.Plugins.DataPreparation;

namespace MlopsAgents.Plugins.Monitoring;

/// <summary>The statistic a column's drift decision is taken on.</summary>
public enum DriftMethod
{
    /// <summary>Two-sample Kolmogorov–Smirnov; drifted when p &lt; threshold.</summary>
    [JsonStringEnumMemberName("ks")] KolmogorovSmirnov,

    /// <summary>Wasserstein-1 ÷ the reference's standard deviation; drifted when ≥ threshold.</summary>
    [JsonStringEnumMemberName("wasserstein_norm")] Wasserstein,

    /// <summary>Population stability index on the reference's quantile bins; drifted when ≥ threshold.</summary>
    [JsonStringEnumMemberName("psi")] Psi,

    /// <summary>Chi-square goodness of fit of current counts to reference proportions; drifted when p &lt; threshold.</summary>
    [JsonStringEnumMemberName("chi_square")] ChiSquare,

    /// <summary>Jensen–Shannon distance (natural log) of the category frequencies; drifted when ≥ threshold.</summary>
    [JsonStringEnumMemberName("jensen_shannon")] JensenShannon,
}

/// <summary>
/// One column's drift check. <see cref="Statistic"/> is the value of <see cref="Method"/> (for KS and chi-square the
/// test statistic, with the decision on <see cref="PValue"/>); <see cref="Statistics"/> holds every statistic computed
/// for the column, keyed ks_statistic, ks_p_value, wasserstein_norm, psi, chi_square, chi_square_p_value, jensen_shannon.
/// </summary>
public sealed record FeatureDrift(
    [property: JsonPropertyName("column")] string Column,
    [property: JsonPropertyName("kind")] ColumnKind Kind,
    [property: JsonPropertyName("method")] DriftMethod Method,
    [property: JsonPropertyName("statistic")] double Statistic,
    [property: JsonPropertyName("p_value")] double? PValue,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("drifted")] bool Drifted,
    [property: JsonPropertyName("reference_count")] int ReferenceCount,
    [property: JsonPropertyName("current_count")] int CurrentCount,
    [property: JsonPropertyName("statistics")] IReadOnlyDictionary<string, double> Statistics);

/// <summary>A column left out of the comparison, and why (for example: no values in the current data).</summary>
public sealed record SkippedColumn(
    [property: JsonPropertyName("column")] string Column,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>Per-feature drift and the dataset verdict: drifted when at least <see cref="ShareThreshold"/> of the features drift.</summary>
public sealed record DriftReport(
    [property: JsonPropertyName("reference_rows")] int ReferenceRows,
    [property: JsonPropertyName("current_rows")] int CurrentRows,
    [property: JsonPropertyName("features")] IReadOnlyList<FeatureDrift> Features,
    [property: JsonPropertyName("skipped")] IReadOnlyList<SkippedColumn> Skipped,
    [property: JsonPropertyName("drifted_count")] int DriftedCount,
    [property: JsonPropertyName("share_drifted")] double ShareDrifted,
    [property: JsonPropertyName("share_threshold")] double ShareThreshold,
    [property: JsonPropertyName("dataset_drifted")] bool DatasetDrifted)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Assembles the verdict; a report with no features is never drifted.</summary>
    public static DriftReport Create(int referenceRows, int currentRows, IReadOnlyList<FeatureDrift> features, IReadOnlyList<SkippedColumn> skipped, double shareThreshold)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(skipped);
        var drifted = features.Count(f => f.Drifted);
        var share = features.Count == 0 ? 0 : (double)drifted / features.Count;
        return new DriftReport(referenceRows, currentRows, features, skipped, drifted, share, shareThreshold, features.Count > 0 && share >= shareThreshold);
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static DriftReport FromJson(string json) =>
        JsonSerializer.Deserialize<DriftReport>(json, JsonOptions) ?? throw new InvalidDataException("The drift report is empty.");

    /// <summary>A Markdown table, one row per feature, followed by the dataset verdict.</summary>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| column | kind | method | statistic | p-value | threshold | drifted |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---|");
        foreach (var f in Features)
        {
            var p = f.PValue is { } pv ? pv.ToString("G4", c) : "";
            sb.AppendLine(string.Create(c, $"| {f.Column} | {Name(f.Kind)} | {Name(f.Method)} | {f.Statistic:G4} | {p} | {f.Threshold:G4} | {(f.Drifted ? "**yes**" : "no")} |"));
        }

        foreach (var s in Skipped)
        {
            sb.AppendLine(string.Create(c, $"| {s.Column} | | skipped: {s.Reason} | | | | |"));
        }

        sb.AppendLine();
        sb.AppendLine(string.Create(c,
            $"{DriftedCount} of {Features.Count} features drifted ({ShareDrifted * 100:0.#}%; threshold {ShareThreshold * 100:0.#}%): dataset {(DatasetDrifted ? "**drifted**" : "not drifted")}."));
        return sb.ToString();
    }

    private static string Name<T>(T value) where T : struct, Enum =>
        JsonSerializer.Serialize(value, JsonOptions).Trim('"');
}
