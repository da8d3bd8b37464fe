using System.Text.Json.Nodes;
using MlopsAgents.Aws.Http;

namespace MlopsAgents.Aws.CloudWatch;

/// <summary>One data point: a metric name, its dimensions, a value and a unit from CloudWatch's StandardUnit list.</summary>
public sealed record MetricPoint(string MetricName, double Value, string Unit, IReadOnlyDictionary<string, string> Dimensions, DateTimeOffset Timestamp);

/// <summary>A threshold alarm on one metric (PutMetricAlarm's single-metric form).</summary>
public sealed record MetricAlarm(
    string AlarmName,
    string Description,
    string Namespace,
    string MetricName,
    IReadOnlyDictionary<string, string> Dimensions,
    string Statistic,
    int PeriodSeconds,
    int EvaluationPeriods,
    double Threshold,
    string ComparisonOperator,
    IReadOnlyList<string> AlarmActions,
    string TreatMissingData = "notBreaching");

/// <summary>
/// CloudWatch metrics and alarms over its JSON protocol (awsJson1_0, X-Amz-Target
/// GraniteServiceVersion20100801.&lt;Operation&gt;), with PutMetricData and PutMetricAlarm shaped as the API reference documents.
/// </summary>
public sealed class CloudWatchClient(AwsJsonClient client)
{
    /// <summary>PutMetricData accepts up to 1000 metrics per call.</summary>
    public const int MaxPointsPerCall = 1000;

    private static readonly HashSet<string> Statistics = new(StringComparer.Ordinal) { "SampleCount", "Average", "Sum", "Minimum", "Maximum" };

    private static readonly HashSet<string> Comparisons = new(StringComparer.Ordinal)
    {
        "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold",
    };

    public async Task PutMetricDataAsync(string metricNamespace, IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(metricNamespace);
        ArgumentNullException.ThrowIfNull(points);
        foreach (var chunk in points.Chunk(MaxPointsPerCall))
        {
            var data = new JsonArray();
            foreach (var p in chunk)
            {
                if (!double.IsFinite(p.Value))
                {
                    throw new ArgumentException($"Metric {p.MetricName} value {p.Value} is not finite; CloudWatch rejects NaN and infinities.", nameof(points));
                }

                data.Add(new JsonObject
                {
                    ["MetricName"] = p.MetricName,
                    ["Dimensions"] = Dimensions(p.Dimensions),
                    ["Timestamp"] = p.Timestamp.ToUnixTimeMilliseconds() / 1000.0,
                    ["Value"] = p.Value,
                    ["Unit"] = p.Unit,
                });
            }

            await client.InvokeAsync(AwsService.CloudWatch, "PutMetricData", new JsonObject { ["Namespace"] = metricNamespace, ["MetricData"] = data }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>PutMetricAlarm: creates or replaces the alarm of that name.</summary>
    public Task PutMetricAlarmAsync(MetricAlarm alarm, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        if (!Statistics.Contains(alarm.Statistic))
        {
            throw new ArgumentException($"MetricAlarm.Statistic '{alarm.Statistic}' is not allowed; use one of {string.Join(", ", Statistics)}.", nameof(alarm));
        }

        if (!Comparisons.Contains(alarm.ComparisonOperator))
        {
            throw new ArgumentException($"MetricAlarm.ComparisonOperator '{alarm.ComparisonOperator}' is not allowed; use one of {string.Join(", ", Comparisons)}.", nameof(alarm));
        }

        if (alarm.PeriodSeconds < 10 || (alarm.PeriodSeconds >= 60 ? alarm.PeriodSeconds % 60 != 0 : alarm.PeriodSeconds is not (10 or 20 or 30)))
        {
            throw new ArgumentException($"MetricAlarm.PeriodSeconds {alarm.PeriodSeconds} is not allowed; use 10, 20, 30 or a multiple of 60.", nameof(alarm));
        }

        return client.InvokeAsync(AwsService.CloudWatch, "PutMetricAlarm", new JsonObject
        {
            ["AlarmName"] = alarm.AlarmName,
            ["AlarmDescription"] = alarm.Description,
            ["ActionsEnabled"] = true,
            ["AlarmActions"] = new JsonArray(alarm.AlarmActions.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
            ["MetricName"] = alarm.MetricName,
            ["Namespace"] = alarm.Namespace,
            ["Statistic"] = alarm.Statistic,
            ["Dimensions"] = Dimensions(alarm.Dimensions),
            ["Period"] = alarm.PeriodSeconds,
            ["EvaluationPeriods"] = alarm.EvaluationPeriods,
            ["Threshold"] = alarm.Threshold,
            ["ComparisonOperator"] = alarm.ComparisonOperator,
            ["TreatMissingData"] = alarm.TreatMissingData,
        }, cancellationToken);
    }

    private static JsonArray Dimensions(IReadOnlyDictionary<string, string> dimensions) =>
        new(dimensions.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => (JsonNode)new JsonObject { ["Name"] = d.Key, ["Value"] = d.Value }).ToArray());
}
