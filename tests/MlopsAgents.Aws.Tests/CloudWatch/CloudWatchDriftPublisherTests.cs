using System.Text.Json.Nodes;
using MlopsAgents.Aws.CloudWatch;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Aws.Tests.CloudWatch;

public sealed class CloudWatchDriftPublisherTests
{
    private static FeatureDrift Feature(string column, double statistic, bool drifted) =>
        new(column, ColumnKind.Numeric, DriftMethod.Psi, statistic, null, 0.2, drifted, 500, 400, new Dictionary<string, double> { ["psi"] = statistic });

    [Fact]
    public async Task PublishAsync_Report_SendsVerdictShareAndFiniteFeatureStatistics()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok(string.Empty));
        using var clients = new StubClients(stub);
        var report = DriftReport.Create(500, 400, [Feature("age", 0.31, true), Feature("income", 0.05, false), Feature("empty", double.NaN, false)], [], 0.3);
        var clock = new FixedTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1700000000));

        await new CloudWatchDriftPublisher(new CloudWatchClient(clients.Client), clock).PublishAsync("churn", report);

        var body = JsonNode.Parse(Assert.Single(stub.Requests).Body)!;
        Assert.Equal("MlopsAgents", body["Namespace"]!.GetValue<string>());
        var data = body["MetricData"]!.AsArray();
        Assert.Equal(["DriftShare", "DriftedFeatures", "DatasetDrifted", "DriftStatistic", "DriftStatistic"], data.Select(d => d!["MetricName"]!.GetValue<string>()));
        Assert.Equal(1.0 / 3, data[0]!["Value"]!.GetValue<double>(), 9);
        Assert.Equal(1, data[2]!["Value"]!.GetValue<double>());
        Assert.Equal("age", data[3]!["Dimensions"]![0]!["Value"]!.GetValue<string>());
        Assert.Equal(1700000000, data[0]!["Timestamp"]!.GetValue<double>());
    }

    [Fact]
    public async Task EnsureAlarmAsync_Threshold_PutsAlarmOnDriftShare()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok(string.Empty));
        using var clients = new StubClients(stub);

        await new CloudWatchDriftPublisher(new CloudWatchClient(clients.Client)).EnsureAlarmAsync("churn", 0.3, ["arn:aws:sns:us-east-1:1:mlops-dev-alarms"]);

        var body = JsonNode.Parse(Assert.Single(stub.Requests).Body)!;
        Assert.Equal("mlops-churn-drift", body["AlarmName"]!.GetValue<string>());
        Assert.Equal("DriftShare", body["MetricName"]!.GetValue<string>());
        Assert.Equal(0.3, body["Threshold"]!.GetValue<double>());
        Assert.Contains("reached 0.3;", body["AlarmDescription"]!.GetValue<string>());
    }
}
