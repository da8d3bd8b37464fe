using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace MlopsAgents.Plugins.Evaluation.Fairness;

/// <summary>
/// Outcomes for one value of the sensitive feature. SelectionRate is the share predicted positive; TruePositiveRate is
/// null when the group has no actual positives, FalsePositiveRate when it has no actual negatives.
/// </summary>
public sealed record GroupOutcome(
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("actual_positives")] int ActualPositives,
    [property: JsonPropertyName("predicted_positives")] int PredictedPositives,
    [property: JsonPropertyName("selection_rate")] double SelectionRate,
    [property: JsonPropertyName("true_positive_rate")] double? TruePositiveRate,
    [property: JsonPropertyName("false_positive_rate")] double? FalsePositiveRate);

/// <summary>
/// Group fairness of a classifier's predictions on one sensitive feature, with fairlearn's definitions:
/// <list type="bullet">
/// <item>DemographicParityDifference: max − min selection rate over the groups.</item>
/// <item>EqualizedOddsDifference: the larger of the TPR gap and the FPR gap (max − min over the groups where each is defined).</item>
/// <item>DisparateImpactRatio: min / max selection rate; null when no group is ever selected.</item>
/// <item>FailsFourFifthsRule: the ratio is below 0.8 (the EEOC four-fifths rule).</item>
/// </list>
/// </summary>
public sealed record BiasReport(
    [property: JsonPropertyName("sensitive_feature")] string SensitiveFeature,
    [property: JsonPropertyName("positive_label")] string PositiveLabel,
    [property: JsonPropertyName("groups")] IReadOnlyList<GroupOutcome> Groups,
    [property: JsonPropertyName("demographic_parity_difference")] double DemographicParityDifference,
    [property: JsonPropertyName("equalized_odds_difference")] double EqualizedOddsDifference,
    [property: JsonPropertyName("disparate_impact_ratio")] double? DisparateImpactRatio,
    [property: JsonPropertyName("fails_four_fifths_rule")] bool FailsFourFifthsRule)
{
    /// <summary>The four-fifths threshold on the disparate-impact ratio.</summary>
    public const double FourFifths = 0.8;
}

/// <summary>Computes <see cref="BiasReport"/>s and renders them for the history report.</summary>
public static class BiasCheck
{
    /// <summary>Group name used for rows whose sensitive value is missing.</summary>
    public const string MissingGroup = "(missing)";

    /// <summary>
    /// Evaluates predictions per group of <paramref name="sensitiveValues"/> (the raw value of the sensitive column for
    /// each test row; null counts as <see cref="MissingGroup"/>). Labels compare as ordinal strings against
    /// <paramref name="positiveLabel"/>. Groups are ordered by name.
    /// </summary>
    public static BiasReport Evaluate(
        string sensitiveFeature,
        IReadOnlyList<string?> sensitiveValues,
        IReadOnlyList<string> actual,
        IReadOnlyList<string> predicted,
        string positiveLabel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sensitiveFeature);
        ArgumentNullException.ThrowIfNull(sensitiveValues);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(positiveLabel);
        if (sensitiveValues.Count != actual.Count || actual.Count != predicted.Count)
        {
            throw new ArgumentException($"Expected one sensitive value, actual label and prediction per row; got {sensitiveValues.Count}, {actual.Count} and {predicted.Count}.", nameof(predicted));
        }

        if (actual.Count == 0)
        {
            throw new ArgumentException("A bias check needs at least one row.", nameof(actual));
        }

        var groups = Enumerable.Range(0, actual.Count)
            .GroupBy(i => sensitiveValues[i] ?? MissingGroup, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                int positives = 0, negatives = 0, selected = 0, truePositives = 0, falsePositives = 0;
                foreach (var i in g)
                {
                    var isPositive = string.Equals(actual[i], positiveLabel, StringComparison.Ordinal);
                    var isSelected = string.Equals(predicted[i], positiveLabel, StringComparison.Ordinal);
                    positives += isPositive ? 1 : 0;
                    negatives += isPositive ? 0 : 1;
                    selected += isSelected ? 1 : 0;
                    truePositives += isPositive && isSelected ? 1 : 0;
                    falsePositives += !isPositive && isSelected ? 1 : 0;
                }

                var count = positives + negatives;
                return new GroupOutcome(g.Key, count, positives, selected, (double)selected / count,
                    positives > 0 ? (double)truePositives / positives : null,
                    negatives > 0 ? (double)falsePositives / negatives : null);
            })
            .ToArray();

        var rates = groups.Select(g => g.SelectionRate).ToArray();
        var (minRate, maxRate) = (rates.Min(), rates.Max());
        double? ratio = maxRate > 0 ? minRate / maxRate : null;
        var equalizedOdds = Math.Max(Gap(groups.Select(g => g.TruePositiveRate)), Gap(groups.Select(g => g.FalsePositiveRate)));
        return new BiasReport(sensitiveFeature, positiveLabel, groups, maxRate - minRate, equalizedOdds, ratio, ratio < BiasReport.FourFifths);
    }

    /// <summary>Renders a report as a Markdown section (a level-3 heading, a verdict line, the metrics and a per-group table).</summary>
    public static string ToMarkdown(BiasReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        void Line(FormattableString line) => text.Append(line.ToString(CultureInfo.InvariantCulture)).Append('\n');

        Line($"### Fairness: `{Escape(report.SensitiveFeature)}`");
        text.Append('\n');
        if (report.DisparateImpactRatio is null)
        {
            Line($"No group is ever predicted `{Escape(report.PositiveLabel)}`, so the disparate-impact ratio is undefined.");
        }
        else if (report.FailsFourFifthsRule)
        {
            Line($"**Possible bias:** the disparate-impact ratio is {report.DisparateImpactRatio:0.000}, below the four-fifths threshold of {BiasReport.FourFifths:0.0}.");
        }
        else
        {
            Line($"The disparate-impact ratio is {report.DisparateImpactRatio:0.000}, within the four-fifths rule (≥ {BiasReport.FourFifths:0.0}).");
        }

        text.Append('\n');
        Line($"- Positive label: `{Escape(report.PositiveLabel)}`");
        Line($"- Demographic-parity difference (max − min selection rate): {report.DemographicParityDifference:0.000}");
        Line($"- Equalized-odds difference (max of TPR and FPR gaps): {report.EqualizedOddsDifference:0.000}");
        Line($"- Disparate-impact ratio (min / max selection rate): {Format(report.DisparateImpactRatio)}");
        text.Append('\n');
        text.Append("| group | rows | actual positives | predicted positives | selection rate | TPR | FPR |\n");
        text.Append("|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var g in report.Groups)
        {
            Line($"| {Escape(g.Group)} | {g.Count} | {g.ActualPositives} | {g.PredictedPositives} | {g.SelectionRate:0.000} | {Format(g.TruePositiveRate)} | {Format(g.FalsePositiveRate)} |");
        }

        return text.ToString();
    }

    private static double Gap(IEnumerable<double?> values)
    {
        var defined = values.Where(v => v.HasValue).Select(v => v!.Value).ToArray();
        return defined.Length == 0 ? 0 : defined.Max() - defined.Min();
    }

    private static string Format(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";

    private static string Escape(string value) => value.Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal).Replace('\n', ' ');
}
