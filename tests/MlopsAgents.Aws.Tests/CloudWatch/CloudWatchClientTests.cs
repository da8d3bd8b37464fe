using System.Text.Json.Nodes;
using MlopsAgents.Aws.CloudWatch;
using MlopsAgents.Aws.Tests.Support;

namespace MlopsAgents.Aws.Tests.CloudWatch;

public sealed class CloudWatchClientTests
{
    private static readonly Dictionary<string, string> Endpoint = new() { ["EndpointName"] = "churn", ["VariantName"] = "AllTraffic" };

    [Fact]
    public async Task PutMetricDataAsync_Points_SendsJsonProtocolRequest()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok(string.Empty));
        using var clients = new StubClients(stub);
        var at = DateTimeOffset.FromUnixTimeSeconds(1700000000);

        await new CloudWatchClient(clients.Client).PutMetricDataAsync("MlopsAgents", [new MetricPoint("DriftScore", 0.125, "None", Endpoint, at)]);

        var request = Assert.Single(stub.Requests);
        Assert.Null(request.SignatureProblem);
        Assert.Equal("GraniteServiceVersion20100801.PutMetricData", request.Header("X-Amz-Target"));
        Assert.Equal("application/x-amz-json-1.0", request.Header("Content-Type"));
        Assert.Contains("/us-east-1/monitoring/aws4_request", request.Header("Authorization"));
        Assert.Equal(
            """{"Namespace":"MlopsAgents","MetricData":[{"MetricName":"DriftScore","Dimensions":[{"Name":"EndpointName","Value":"churn"},{"Name":"VariantName","Value":"AllTraffic"}],"Timestamp":1700000000,"Value":0.125,"Unit":"None"}]}""",
            request.Body);
    }

    [Fact]
    public async Task PutMetricDataAsync_NaN_IsRefusedBeforeAnyCall()
    {
        await using var stub = await AwsStub.StartAsync();
        using var clients = new StubClients(stub);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => new CloudWatchClient(clients.Client).PutMetricDataAsync("N", [new MetricPoint("Latency", double.NaN, "Milliseconds", Endpoint, DateTimeOffset.UnixEpoch)]));

        Assert.Contains("Latency", e.Message);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task PutMetricAlarmAsync_Alarm_SendsDocumentedFields()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok(string.Empty));
        using var clients = new StubClients(stub);
        var alarm = new MetricAlarm("churn-5xx", "Invocation 5xx errors on churn", "AWS/SageMaker", "Invocation5XXErrors", Endpoint, "Sum", 60, 2, 5, "GreaterThanOrEqualToThreshold", ["arn:aws:sns:us-east-1:1:mlops-alerts"]);

        await new CloudWatchClient(clients.Client).PutMetricAlarmAsync(alarm);

        var request = Assert.Single(stub.Requests);
        Assert.Equal("GraniteServiceVersion20100801.PutMetricAlarm", request.Header("X-Amz-Target"));
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("churn-5xx", body["AlarmName"]!.GetValue<string>());
        Assert.Equal("Sum", body["Statistic"]!.GetValue<string>());
        Assert.Equal(60, body["Period"]!.GetValue<int>());
        Assert.Equal(2, body["EvaluationPeriods"]!.GetValue<int>());
        Assert.Equal(5, body["Threshold"]!.GetValue<double>());
        Assert.Equal("GreaterThanOrEqualToThreshold", body["ComparisonOperator"]!.GetValue<string>());
        Assert.Equal("arn:aws:sns:us-east-1:1:mlops-alerts", body["AlarmActions"]![0]!.GetValue<string>());
        Assert.Equal("notBreaching", body["TreatMissingData"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Median", 60, "Statistic 'Median'")]
    [InlineData("Sum", 45, "PeriodSeconds 45")]
    public void PutMetricAlarmAsync_InvalidField_NamesFieldAndAllowedValues(string statistic, int period, string expected)
    {
        using var http = new HttpClient();
        var client = new CloudWatchClient(new MlopsAgents.Aws.Http.AwsJsonClient(http, new() { Region = "us-east-1" }, new MlopsAgents.Aws.Http.StaticCredentialsSource("a", "b")));
        var alarm = new MetricAlarm("a", "d", "N", "M", Endpoint, statistic, period, 1, 1, "GreaterThanThreshold", []);

        var e = Assert.Throws<ArgumentException>(() => client.PutMetricAlarmAsync(alarm).GetAwaiter().GetResult());

        Assert.Contains(expected, e.Message);
    }
}
