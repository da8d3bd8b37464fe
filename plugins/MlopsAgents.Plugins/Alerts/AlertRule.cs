using System.Globalization;
using System.Text.Json.Serialization;

namespace MlopsAgents.Plugins.Alerts;

/// <summary>How bad an alert is; only critical alerts open an issue.</summary>
public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>Which side of the threshold fires the rule.</summary>
public enum AlertComparison
{
    /// <summary>Fires when the metric is above the threshold (error rate, latency, drift).</summary>
    Above,

    /// <summary>Fires when the metric is below the threshold (accuracy).</summary>
    Below,
}

/// <summary>One alert rule: a metric, a threshold, which side of it fires, and how severe that is.</summary>
public sealed record AlertRule
{
    /// <summary>The metrics <see cref="AlertMetrics"/> collects, which rules may name.</summary>
    public static readonly IReadOnlyList<string> KnownMetrics =
        ["error_rate", "p95_ms", "p99_ms", "requests", "drift_share", "dataset_drifted", "prediction_drift", "estimated_accuracy", "accuracy", "accuracy_decay", "concept_drift"];

    public AlertRule(string name, string metric, AlertComparison comparison, double threshold, AlertSeverity severity)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("Name is required: it names the alert and its incident.", nameof(name));
        }

        if (!KnownMetrics.Contains(metric, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Metric is '{metric}'; allowed: {string.Join(", ", KnownMetrics)}.", nameof(metric));
        }

        if (double.IsNaN(threshold))
        {
            throw new ArgumentException("Threshold is NaN; give a number.", nameof(threshold));
        }

        Name = name;
        Metric = metric;
        Comparison = comparison;
        Threshold = threshold;
        Severity = severity;
    }

    [JsonPropertyName("name")]
    public string Name { get; }

    [JsonPropertyName("metric")]
    public string Metric { get; }

    [JsonPropertyName("comparison")]
    public AlertComparison Comparison { get; }

    [JsonPropertyName("threshold")]
    public double Threshold { get; }

    [JsonPropertyName("severity")]
    public AlertSeverity Severity { get; }

    /// <summary>
    /// The design's defaults: 5xx rate above 1% and p95 above 100 ms (the rollback thresholds) are critical, dataset
    /// drift and concept drift are critical; prediction drift, an estimated accuracy under 0.8 and realised accuracy
    /// more than 5 points under the test accuracy warn.
    /// </summary>
    public static IReadOnlyList<AlertRule> Defaults { get; } =
    [
        new("high-error-rate", "error_rate", AlertComparison.Above, 0.01, AlertSeverity.Critical),
        new("slow-p95", "p95_ms", AlertComparison.Above, 100, AlertSeverity.Critical),
        new("data-drift", "dataset_drifted", AlertComparison.Above, 0.5, AlertSeverity.Critical),
        new("prediction-drift", "prediction_drift", AlertComparison.Above, 0.1, AlertSeverity.Warning),
        new("low-estimated-accuracy", "estimated_accuracy", AlertComparison.Below, 0.8, AlertSeverity.Warning),
        new("concept-drift", "concept_drift", AlertComparison.Above, 0.5, AlertSeverity.Critical),
        new("accuracy-decay", "accuracy_decay", AlertComparison.Above, 0.05, AlertSeverity.Warning),
    ];

    /// <summary>True when <paramref name="value"/> crosses the threshold; a missing (NaN) value never fires.</summary>
    public bool Fires(double value) =>
        !double.IsNaN(value) && (Comparison == AlertComparison.Above ? value > Threshold : value < Threshold);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}: {Metric} {(Comparison == AlertComparison.Above ? ">" : "<")} {Threshold} ({Severity})");
}

/// <summary>A fired rule for one model version, with the value that fired it.</summary>
public sealed record Alert(
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("comparison")] AlertComparison Comparison,
    [property: JsonPropertyName("severity")] AlertSeverity Severity,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("time")] DateTimeOffset Time)
{
    /// <summary>
    /// The incident this alert belongs to: the same rule firing again for the same model version is the same incident,
    /// so it opens one issue however many times it fires.
    /// </summary>
    public string IncidentKey => $"{Model}@{Version}/{Rule}";

    /// <summary>One line for chat and mail subjects.</summary>
    public string Summary => string.Create(
        CultureInfo.InvariantCulture,
        $"[{Severity.ToString().ToUpperInvariant()}] {Model} {Version}: {Rule} ({Metric} = {Value:0.####} {(Comparison == AlertComparison.Above ? ">" : "<")} {Threshold:0.####})");
}

/// <summary>Evaluates rules against one model version's metrics.</summary>
public static class AlertEvaluator
{
    /// <summary>Every rule whose metric is present in <paramref name="metrics"/> and crosses its threshold, in rule order.</summary>
    public static IReadOnlyList<Alert> Evaluate(IReadOnlyList<AlertRule> rules, IReadOnlyDictionary<string, double> metrics, string model, string version, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(metrics);
        return [.. rules
            .Where(r => metrics.TryGetValue(r.Metric, out var v) && r.Fires(v))
            .Select(r => new Alert(r.Name, r.Metric, metrics[r.Metric], r.Threshold, r.Comparison, r.Severity, model, version, now))];
    }
}
