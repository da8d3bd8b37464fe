using System.Globalization;
using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Aws.CloudWatch;

/// <summary>
/// Puts a drift check on CloudWatch: the dataset verdict and share as metrics of the MlopsAgents namespace (dimension
/// ModelName), each feature's statistic (dimensions ModelName, Feature), and an alarm on the share that the operator's
/// topic hears, so monitoring on AWS raises the same retraining signal as `mlops drift` does locally.
/// </summary>
public sealed class CloudWatchDriftPublisher(CloudWatchClient cloudWatch, TimeProvider? time = null)
{
    public const string Namespace = "MlopsAgents";

    public Task PublishAsync(string modelName, DriftReport report, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        ArgumentNullException.ThrowIfNull(report);
        var at = (time ?? TimeProvider.System).GetUtcNow();
        var model = new Dictionary<string, string> { ["ModelName"] = modelName };
        var points = new List<MetricPoint>
        {
            new("DriftShare", report.ShareDrifted, "None", model, at),
            new("DriftedFeatures", report.DriftedCount, "Count", model, at),
            new("DatasetDrifted", report.DatasetDrifted ? 1 : 0, "None", model, at),
        };

        // A statistic that could not be computed (NaN) is left out: CloudWatch refuses non-finite values.
        points.AddRange(report.Features
            .Where(f => double.IsFinite(f.Statistic))
            .Select(f => new MetricPoint("DriftStatistic", f.Statistic, "None", new Dictionary<string, string> { ["ModelName"] = modelName, ["Feature"] = f.Column }, at)));
        return cloudWatch.PutMetricDataAsync(Namespace, points, cancellationToken);
    }

    /// <summary>The alarm that fires when the share of drifted features reaches the threshold on a check.</summary>
    public Task EnsureAlarmAsync(string modelName, double shareThreshold, IReadOnlyList<string> alarmActions, CancellationToken cancellationToken = default) =>
        cloudWatch.PutMetricAlarmAsync(new MetricAlarm(
            $"mlops-{modelName}-drift",
            string.Create(CultureInfo.InvariantCulture, $"Share of drifted features for {modelName} reached {shareThreshold:0.##}; retraining is due."),
            Namespace, "DriftShare", new Dictionary<string, string> { ["ModelName"] = modelName },
            "Maximum", 3600, 1, shareThreshold, "GreaterThanOrEqualToThreshold", alarmActions), cancellationToken);
}
