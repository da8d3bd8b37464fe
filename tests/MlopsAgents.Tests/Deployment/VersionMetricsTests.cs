using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Packaging;

namespace MlopsAgents.Tests.Deployment;

public sealed class VersionMetricsTests
{
    [Fact]
    public void Quantiles_SyntheticLatencies_InterpolateInsideBuckets()
    {
        var metrics = new VersionMetrics("m", "1.0.0");

        // 90 requests at 0.8 ms (bucket 0.5–1 ms), 9 at 20 ms (10–25 ms), 1 at 3 s (2.5–5 s).
        Record(metrics, 90, 0.0008);
        Record(metrics, 9, 0.020);
        Record(metrics, 1, 3.0);

        Assert.Equal(0.0005 + (0.0005 * 50 / 90), metrics.P50, 12);
        Assert.Equal(0.010 + (0.015 * 5 / 9), metrics.P95, 12);
        Assert.Equal(0.025, metrics.P99, 12);
        Assert.Equal(2.5 + (2.5 * 1.0 / 1), metrics.Quantile(1.0), 12);
        Assert.Equal((90 * 0.0008) + (9 * 0.020) + 3.0, metrics.LatencySumSeconds, 9);
    }

    [Fact]
    public void Quantile_BeyondLastBound_ReportsLastBound()
    {
        var metrics = new VersionMetrics("m", "1.0.0");

        Record(metrics, 10, 60);

        Assert.Equal(10, metrics.P99);
        Assert.Equal(10, metrics.CumulativeBuckets()[^1]);
        Assert.Equal(0, metrics.CumulativeBuckets()[^2]);
    }

    [Fact]
    public void Quantile_NothingRecorded_IsNaN()
    {
        Assert.True(double.IsNaN(new VersionMetrics("m", "1.0.0").P50));
    }

    [Fact]
    public void Record_StatusCodes_CountsClientAndServerErrors()
    {
        var metrics = new VersionMetrics("m", "1.0.0");

        foreach (var status in new[] { 200, 200, 400, 404, 500, 503, 200 })
        {
            metrics.Record(status, TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(7, metrics.RequestCount);
        Assert.Equal(2, metrics.ClientErrorCount);
        Assert.Equal(2, metrics.ServerErrorCount);
        Assert.Equal([(200, 3L), (400, 1L), (404, 1L), (500, 1L), (503, 1L)], metrics.StatusCounts());
    }

    [Fact]
    public void Record_ManyThreads_LosesNoUpdate()
    {
        var metrics = new VersionMetrics("m", "1.0.0");

        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                metrics.Record(200, TimeSpan.FromTicks(10));
            }
        });

        Assert.Equal(80_000, metrics.RequestCount);
        Assert.Equal(80_000, metrics.CumulativeBuckets()[0]);
        Assert.Equal(80_000 * 10 / (double)TimeSpan.TicksPerSecond, metrics.LatencySumSeconds, 12);
    }

    [Fact]
    public void ToPrometheusText_OneVersion_WritesCounterAndCumulativeHistogram()
    {
        var metrics = new ServingMetrics();
        var v = metrics.For("m\"x", "1.0.0");
        v.Record(200, TimeSpan.FromMilliseconds(0.3));
        v.Record(400, TimeSpan.FromMilliseconds(7));

        var lines = metrics.ToPrometheusText().Split('\n');

        Assert.Contains("# TYPE mlops_requests_total counter", lines);
        Assert.Contains("mlops_requests_total{model=\"m\\\"x\",version=\"1.0.0\",status=\"200\"} 1", lines);
        Assert.Contains("mlops_requests_total{model=\"m\\\"x\",version=\"1.0.0\",status=\"400\"} 1", lines);
        Assert.Contains("# TYPE mlops_request_duration_seconds histogram", lines);
        Assert.Contains("mlops_request_duration_seconds_bucket{model=\"m\\\"x\",version=\"1.0.0\",le=\"0.0005\"} 1", lines);
        Assert.Contains("mlops_request_duration_seconds_bucket{model=\"m\\\"x\",version=\"1.0.0\",le=\"0.005\"} 1", lines);
        Assert.Contains("mlops_request_duration_seconds_bucket{model=\"m\\\"x\",version=\"1.0.0\",le=\"0.01\"} 2", lines);
        Assert.Contains("mlops_request_duration_seconds_bucket{model=\"m\\\"x\",version=\"1.0.0\",le=\"+Inf\"} 2", lines);
        Assert.Contains("mlops_request_duration_seconds_count{model=\"m\\\"x\",version=\"1.0.0\"} 2", lines);
        Assert.Contains("mlops_request_duration_seconds_sum{model=\"m\\\"x\",version=\"1.0.0\"} 0.0073", lines);
    }

    [Fact]
    public void ShadowComparison_Record_CountsRequestsAgreementAndFailures()
    {
        var shadow = new ShadowComparison("m", "1.0.0", "2.0.0");

        shadow.Record(Predictions("0", "1", "1"), Predictions("0", "1", "0"));
        shadow.Record(Predictions("1"), Predictions("1"));
        shadow.Record(Predictions("1"), null);

        Assert.Equal(3, shadow.Requests);
        Assert.Equal(1, shadow.FailedRequests);
        Assert.Equal(4, shadow.ComparedRows);
        Assert.Equal(0.75, shadow.AgreementRate, 12);
    }

    private static RowPrediction[] Predictions(params string[] classes) => [.. classes.Select(c => new RowPrediction(c, null))];

    private static void Record(VersionMetrics metrics, int times, double seconds)
    {
        for (var i = 0; i < times; i++)
        {
            metrics.Record(200, TimeSpan.FromSeconds(seconds));
        }
    }
}
