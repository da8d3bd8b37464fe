using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MlopsAgents.Plugins.Alerts;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Deployment;

/// <summary>
/// The four rollout strategies on a real Kestrel server on 127.0.0.1 with real HTTP traffic: canary progression,
/// automatic rollback under injected errors and latency, a blue/green switch under concurrent load, A/B with a
/// significance test on posted labels, and shadow comparison. Bake and keep periods run on a fake clock.
/// </summary>
public sealed class RolloutStrategyTests(TwoVersionFixture fixture) : IClassFixture<TwoVersionFixture>, IAsyncLifetime
{
    private const string Model = TwoVersionFixture.Model;
    private const string Row = """{"rows": [{"age": 45, "income": 52000, "employment": "salaried", "region": "west", "sex": "male", "loan_amount": 20000, "credit_score": 720, "debt_ratio": 0.2}]}""";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FaultInjector _faults = new();
    private readonly TempDirectory _dir = new();
    private ModelServer? _server;
    private HttpClient? _http;
    private RolloutRunner? _runner;

    public async Task InitializeAsync()
    {
        var routing = new Dictionary<string, RoutingTable>(StringComparer.Ordinal) { [Model] = RoutingTable.Single("1.0.0") };
        var options = new ModelServerOptions
        {
            Interceptor = _faults,
            TimeProvider = _time,
            WorkersPerVersion = 2,
            InferenceSampleRate = 1.0,
            InferenceStore = new LocalArtifactStore(_dir.Combine("store")),
            InferenceChunkRows = 10,
            DeploymentLog = new DeploymentLog(_dir.Combine("deployments.jsonl")),
        };
        _server = await ModelServer.StartAsync(fixture.Packages, port: 0, routing, options);
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
        _runner = new RolloutRunner(_server, _http, _time);
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task Canary_HealthyCanary_ProgressesTenFiftyHundredAfterEachBake()
    {
        var rollout = await _runner!.StartCanaryAsync(new CanaryPlan(Model, "1.0.0", "1.1.0", null, TimeSpan.FromMinutes(5), minRequestsPerStep: 5));
        Assert.Equal(10, rollout.Controller.CanaryPercent);

        var first = await SendAsync(100);
        Assert.InRange(first.Count(v => v == "1.1.0"), 8, 12);
        Assert.Equal(CanaryAction.Hold, (await rollout.TickAsync()).Action);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(CanaryAction.Promote, (await rollout.TickAsync()).Action);
        var second = await SendAsync(100);
        Assert.InRange(second.Count(v => v == "1.1.0"), 45, 55);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(CanaryAction.Complete, (await rollout.TickAsync()).Action);
        Assert.All(await SendAsync(20), v => Assert.Equal("1.1.0", v));

        var events = DeploymentLog.Read(_dir.Combine("deployments.jsonl"));
        Assert.Equal(["promote", "promote", "complete"], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Contains("health check passed", e.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Canary_InjectedServerErrors_RollsBackDuringBake()
    {
        _faults.FailWith("1.1.0", 500);
        var rollout = await _runner!.StartCanaryAsync(new CanaryPlan(Model, "1.0.0", "1.1.0", null, TimeSpan.FromMinutes(5), minRequestsPerStep: 5));

        var served = await SendAsync(100, expectSuccess: false);
        var decision = await rollout.TickAsync();

        Assert.Contains("1.1.0", served);
        Assert.Equal(CanaryAction.Rollback, decision.Action);
        Assert.Contains("error rate", decision.Reason, StringComparison.Ordinal);
        Assert.All(await SendAsync(20), v => Assert.Equal("1.0.0", v));
        Assert.Equal("rollback", _server!.DeploymentLog.Events[^1].Action);
    }

    [Fact]
    public async Task Canary_InjectedLatency_RollsBackOnP95()
    {
        _faults.SlowDown("1.1.0", TimeSpan.FromMilliseconds(150));
        var rollout = await _runner!.StartCanaryAsync(new CanaryPlan(Model, "1.0.0", "1.1.0", null, TimeSpan.FromMinutes(5), minRequestsPerStep: 5));

        await SendAsync(60, parallel: 6);
        var decision = await rollout.TickAsync();

        Assert.Equal(CanaryAction.Rollback, decision.Action);
        Assert.Contains("p95", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(RoutingTable.Single("1.0.0").Weights, _server!.Router.TableFor(Model)!.Weights);
    }

    [Fact]
    public async Task Canary_UnhealthyCanary_NeverGetsTraffic()
    {
        _faults.MarkUnhealthy("1.1.0");
        var rollout = await _runner!.StartCanaryAsync(new CanaryPlan(Model, "1.0.0", "1.1.0", null, TimeSpan.FromMinutes(5)));

        Assert.True(rollout.IsFinished);
        Assert.All(await SendAsync(20), v => Assert.Equal("1.0.0", v));
        Assert.Contains("health check failed", _server!.DeploymentLog.Events[^1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlueGreen_SwitchUnderConcurrentTraffic_NoFailedRequestAndBlueRetiredAfterKeep()
    {
        var failures = new ConcurrentBag<string>();
        var served = new ConcurrentQueue<string>();
        var afterSwitch = 0;
        var switched = 0;
        using var stop = new CancellationTokenSource();

        async Task ClientAsync()
        {
            // Each client keeps sending until 50 requests have completed after the switch, so the switch surely
            // happens in the middle of traffic; the count, not a timer, ends the load.
            while (Volatile.Read(ref afterSwitch) < 50)
            {
                var wasSwitched = Volatile.Read(ref switched) == 1;
                using var response = await _http!.PostAsync("/predict", Json(Row));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                served.Enqueue(response.Headers.GetValues(ModelServer.VersionHeader).Single());
                if (wasSwitched)
                {
                    Interlocked.Increment(ref afterSwitch);
                }
            }
        }

        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(ClientAsync)).ToArray();
        while (served.Count < 40)
        {
            await Task.Yield();
        }

        var result = await _runner!.SwitchBlueGreenAsync(Model, "1.1.0", Row, warmupRequests: 5, keepOldFor: TimeSpan.FromMinutes(30));
        Volatile.Write(ref switched, 1);
        await Task.WhenAll(clients);

        Assert.True(result.Switched);
        Assert.Empty(failures);
        Assert.Contains("1.0.0", served);
        Assert.Contains("1.1.0", served);
        Assert.All(await SendAsync(10), v => Assert.Equal("1.1.0", v));
        Assert.Contains("1.0.0", _server!.VersionsOf(Model));

        _time.Advance(TimeSpan.FromMinutes(30));

        Assert.True(result.BlueRetired);
        Assert.DoesNotContain("1.0.0", _server.VersionsOf(Model));
        Assert.Equal(["switch", "retire"], _server.DeploymentLog.Events.Select(e => e.Action));
    }

    [Fact]
    public async Task BlueGreen_UnhealthyGreen_TrafficStaysOnBlue()
    {
        _faults.MarkUnhealthy("1.1.0");

        var result = await _runner!.SwitchBlueGreenAsync(Model, "1.1.0", Row, warmupRequests: 2, keepOldFor: TimeSpan.FromMinutes(1));

        Assert.False(result.Switched);
        Assert.All(await SendAsync(10), v => Assert.Equal("1.0.0", v));
        Assert.Equal("abort", _server!.DeploymentLog.Events.Single().Action);
    }

    [Fact]
    public async Task BlueGreen_RollbackWhileKept_ReturnsToBlue()
    {
        var result = await _runner!.SwitchBlueGreenAsync(Model, "1.1.0", Row, warmupRequests: 1, keepOldFor: TimeSpan.FromMinutes(10));

        await result.RollbackAsync("operator asked");

        Assert.All(await SendAsync(10), v => Assert.Equal("1.0.0", v));
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(result.BlueRetired);
        Assert.Contains("1.1.0", _server!.VersionsOf(Model));
    }

    [Fact]
    public async Task AbTest_LabelsFavourA_ReportsSignificantTwoProportionZ()
    {
        Assert.True(await _runner!.StartAbTestAsync(Model, "1.0.0", "1.1.0", percentB: 50));
        var feedback = new List<object>();
        for (var i = 0; i < 80; i++)
        {
            using var response = await _http!.PostAsync("/predict", Json(Row));
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var version = body.RootElement.GetProperty("version").GetString();
            var prediction = body.RootElement.GetProperty("predictions")[0];
            var predicted = prediction.GetProperty("prediction").ToString();
            var other = prediction.GetProperty("probabilities").EnumerateObject().Select(p => p.Name).First(n => n != predicted);

            // A is always right, B is right one time in five.
            var label = version == "1.0.0" || i % 5 == 0 ? predicted : other;
            feedback.Add(new { request_id = body.RootElement.GetProperty("request_id").GetString(), row = 0, label });
        }

        using var posted = await _http!.PostAsJsonAsync("/feedback", new { feedback });
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var report = _runner.AnalyzeAbTest(Model, "1.0.0", "1.1.0");

        Assert.Equal(1.0, report.Variants[0].MetricValue);
        Assert.True(report.Variants[1].MetricValue < 0.5);
        Assert.NotNull(report.Test);
        Assert.True(report.Test!.PValue < 0.001, $"p = {report.Test.PValue}");
        Assert.Contains("p-value", report.ToMarkdown(), StringComparison.Ordinal);
        Assert.Equal("split", _server!.DeploymentLog.Events.Single().Action);
        var metrics = AlertMetrics.Collect(_server, Model).ToDictionary(v => v.Version, v => v.Metrics);
        Assert.Equal(1.0, metrics["1.0.0"]["accuracy"]);
        Assert.True(metrics["1.1.0"]["accuracy_decay"] > 0.3, $"decay {metrics["1.1.0"]["accuracy_decay"]}");
        var alerts = AlertEvaluator.Evaluate(AlertRule.Defaults, metrics["1.1.0"], Model, "1.1.0", DateTimeOffset.UnixEpoch);
        Assert.Contains(alerts, a => a.Rule == "accuracy-decay");
    }

    [Fact]
    public async Task Shadow_MirroredTraffic_IdenticalChallengerAgreesOnEveryRow()
    {
        Assert.True(await _runner!.StartShadowAsync(Model, "1.0.0", "1.1.0"));

        Assert.All(await SendAsync(25), v => Assert.Equal("1.0.0", v));
        var report = _runner.ShadowReportFor(Model, "1.0.0", "1.1.0");

        Assert.Equal(25, report.MirroredRequests);
        Assert.Equal(0, report.ShadowFailures);
        Assert.Equal(25, report.ComparedRows);
        Assert.Equal(1.0, report.AgreementRate);
    }

    [Fact]
    public async Task Shadow_UnhealthyChallenger_NothingIsMirrored()
    {
        _faults.MarkUnhealthy("1.1.0");

        Assert.False(await _runner!.StartShadowAsync(Model, "1.0.0", "1.1.0"));
        Assert.Null(_server!.Router.TableFor(Model)!.ShadowVersion);
    }

    [Fact]
    public async Task Workers_TwoPerVersionConfigured_AtMostTwoPredictionsRunAtOnce()
    {
        _faults.SlowDown("1.0.0", TimeSpan.FromMilliseconds(20));

        await SendAsync(24, parallel: 8);

        Assert.Equal(2, _faults.MaxConcurrent);
    }

    [Fact]
    public async Task Batching_BadRowsAmongConcurrentRequests_FailOnlyTheirOwnRequests()
    {
        const string Bad = """{"rows": [{"age": 45, "income": 52000, "employment": "salaried", "region": "west", "sex": "male", "loan_amount": 20000, "credit_score": 720, "debt_ratio": 0.2, "colour": "red"}]}""";
        _faults.SlowDown("1.0.0", TimeSpan.FromMilliseconds(5));

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            using var response = await _http!.PostAsync("/predict", Json(i % 4 == 0 ? Bad : Row));
            return (Bad: i % 4 == 0, response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        Assert.All(responses.Where(r => r.Bad), r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.All(responses.Where(r => r.Bad), r => Assert.Contains("'colour' is not an input", r.Body, StringComparison.Ordinal));
        Assert.All(responses.Where(r => !r.Bad), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(responses.Where(r => !r.Bad).Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("predictions").GetRawText()).Distinct());
    }

    [Fact]
    public async Task RunAsync_BlueGreenWithTypicalRowWarmup_SwitchesAndLogs()
    {
        var warmup = ServingArtifacts.TypicalRowBody(DriftBaseline.FromJson(fixture.BaselineJson));
        var request = new RolloutRequest { Model = Model, Version = "1.1.0", Strategy = RolloutStrategy.BlueGreen, WarmupRequests = 3 };

        var outcome = await _runner!.RunAsync(request, warmup);

        Assert.Contains("blue-green switch", outcome, StringComparison.Ordinal);
        Assert.Equal(3, _server!.Metrics.For(Model, "1.1.0").RequestCount);
        Assert.All(await SendAsync(5), v => Assert.Equal("1.1.0", v));
    }

    [Fact]
    public async Task RunAsync_CanaryWithUnhealthyVersion_EndsAtOnceWithRollback()
    {
        _faults.MarkUnhealthy("1.1.0");

        var outcome = await _runner!.RunAsync(new RolloutRequest { Model = Model, Version = "1.1.0" }, null);

        Assert.Contains("canary rollback", outcome, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("canary", RolloutStrategy.Canary)]
    [InlineData("ab", RolloutStrategy.AB)]
    [InlineData("blue-green", RolloutStrategy.BlueGreen)]
    [InlineData("shadow", RolloutStrategy.Shadow)]
    public void ParseStrategy_KnownNames_Parse(string name, RolloutStrategy expected) =>
        Assert.Equal(expected, RolloutRequest.ParseStrategy(name));

    [Fact]
    public void RolloutRequest_BadStepsAndSplit_NameTheOption()
    {
        Assert.Equal("--strategy: 'rolling' is not a strategy; allowed: canary, ab, blue-green, shadow.", Assert.Throws<ArgumentException>(() => RolloutRequest.ParseStrategy("rolling")).Message);
        Assert.Contains("--steps: 'ten'", Assert.Throws<ArgumentException>(() => RolloutRequest.ParseSteps("ten,100")).Message, StringComparison.Ordinal);
        Assert.Contains("--ab-percent: 100", Assert.Throws<ArgumentException>(() => new RolloutRequest { Model = Model, Version = "1.1.0", AbPercent = 100 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("strictly increasing", Assert.Throws<ArgumentException>(() => new RolloutRequest { Model = Model, Version = "1.1.0", Steps = [50, 10, 100] }.Validate()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertMonitor_InjectedErrors_NotifiesSlackOnceWhileTheIncidentFires()
    {
        await using var slack = await Alerts.RecordingHttpServer.StartAsync(_ => (200, "text/plain", "ok"));
        using var slackHttp = new HttpClient();
        var monitor = new AlertMonitor(_server!, AlertRule.Defaults, new AlertDispatcher([new SlackWebhookNotifier(slackHttp, new Uri(slack.BaseAddress, "hook"))]), _time);
        _faults.FailWith("1.0.0", 503);
        await SendAsync(10, expectSuccess: false);

        var first = await monitor.EvaluateOnceAsync();
        var again = await monitor.EvaluateOnceAsync();

        Assert.Contains(first, a => a.Rule == "high-error-rate" && a.Version == "1.0.0");
        Assert.Empty(again);
        Assert.Single(slack.Requests, r => r.Body.Contains("high-error-rate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Feedback_UnknownRequestAndBadBody_AreRejectedWithReasons()
    {
        using var unknown = await _http!.PostAsJsonAsync("/feedback", new { feedback = new[] { new { request_id = "nope", row = 0, label = "yes" } } });
        using var bad = await _http!.PostAsync("/feedback", Json("{\"labels\": []}"));

        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Contains("request_id 'nope' is unknown", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("feedback", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InferenceLog_FullSampleRate_WritesEveryRequestWithItsIdToTheStore()
    {
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            using var response = await _http!.PostAsync("/predict", Json(Row));
            ids.Add(response.Headers.GetValues(ModelServer.RequestIdHeader).Single());
        }

        await _server!.FlushInferenceLogAsync();
        var store = new LocalArtifactStore(_dir.Combine("store"));
        var lines = new List<string>();
        foreach (var key in await store.ListAsync(InferenceLog.PredictionsPrefix))
        {
            lines.AddRange((await store.ReadTextAsync(key)).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        var logged = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("request_id").GetString()!).ToHashSet();
        Assert.Equal(ids.ToHashSet(), logged);
    }

    private async Task<List<string>> SendAsync(int count, bool expectSuccess = true, int parallel = 1)
    {
        var served = new ConcurrentQueue<string>();
        var next = -1;
        async Task WorkAsync()
        {
            while (Interlocked.Increment(ref next) < count)
            {
                using var response = await _http!.PostAsync("/predict", Json(Row));
                if (expectSuccess)
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }

                served.Enqueue(response.Headers.GetValues(ModelServer.VersionHeader).Single());
            }
        }

        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => WorkAsync()));
        return [.. served];
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
