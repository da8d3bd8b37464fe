using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Plugins.Alerts;

/// <summary>Collects the metrics alert rules read, per model version, from a live server or a drift report.</summary>
public static class AlertMetrics
{
    /// <summary>
    /// The metrics of every version that serves traffic: its system metrics (error_rate, p95_ms, p99_ms, requests)
    /// plus the model's live monitoring (drift_share, dataset_drifted, prediction_drift, estimated_accuracy,
    /// accuracy, concept_drift) and, once labels arrived, the version's own accuracy and accuracy_decay (its test
    /// accuracy minus its realised accuracy). A metric with no data yet is left out, so no rule fires on it.
    /// </summary>
    public static IReadOnlyList<(string Version, IReadOnlyDictionary<string, double> Metrics)> Collect(ModelServer server, string model)
    {
        ArgumentNullException.ThrowIfNull(server);
        var table = server.Router.TableFor(model) ?? throw new ArgumentException($"Model '{model}' is not served here.", nameof(model));
        var modelMetrics = FromHealth(server.Monitor.Health(model));
        var result = new List<(string, IReadOnlyDictionary<string, double>)>();
        foreach (var weight in table.Weights.Where(w => w.Weight > 0))
        {
            var m = VersionMetricsSnapshot.Capture(server.Metrics.For(model, weight.Version));
            var metrics = new Dictionary<string, double>(modelMetrics, StringComparer.Ordinal) { ["requests"] = m.RequestCount };
            if (m.RequestCount > 0)
            {
                metrics["error_rate"] = m.ErrorRate;
                metrics["p95_ms"] = m.Quantile(0.95) * 1000;
                metrics["p99_ms"] = m.Quantile(0.99) * 1000;
            }

            // Accuracy decay: how far the version's realised accuracy on posted labels fell below its test accuracy.
            var health = server.Monitor.Health(model);
            if (health.AccuracyByVersion.TryGetValue(weight.Version, out var realised)
                && server.PackageOf(model, weight.Version).Metadata.Metrics.TryGetValue("accuracy", out var trained))
            {
                metrics["accuracy"] = realised;
                metrics["accuracy_decay"] = trained - realised;
            }

            result.Add((weight.Version, metrics));
        }

        return result;
    }

    /// <summary>The monitoring metrics of a model's live health.</summary>
    public static Dictionary<string, double> FromHealth(ModelHealth health)
    {
        ArgumentNullException.ThrowIfNull(health);
        var metrics = health.DataDrift is { } drift ? FromDrift(drift) : new Dictionary<string, double>(StringComparer.Ordinal);
        if (health.PredictionDrift is { } pd)
        {
            metrics["prediction_drift"] = pd;
        }

        if (health.EstimatedAccuracy is { } ea)
        {
            metrics["estimated_accuracy"] = ea;
        }

        if (health.Accuracy is { } a)
        {
            metrics["accuracy"] = a;
            metrics["concept_drift"] = health.ConceptDrift ? 1 : 0;
        }

        return metrics;
    }

    /// <summary>drift_share and dataset_drifted (1 or 0) of a drift report.</summary>
    public static Dictionary<string, double> FromDrift(DriftReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["drift_share"] = report.ShareDrifted,
            ["dataset_drifted"] = report.DatasetDrifted ? 1 : 0,
        };
    }
}
