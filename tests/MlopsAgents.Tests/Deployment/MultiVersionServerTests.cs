using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.Support;
using MlopsAgents.Tests.Workflow;

namespace MlopsAgents.Tests.Deployment;

/// <summary>
/// Trains one model once and serves it as two versions, 1.0.0 and a copy relabelled 1.1.0, so that routing can be
/// observed on a real Kestrel server without training twice.
/// </summary>
public sealed class TwoVersionFixture : IAsyncLifetime
{
    public const string Model = "dataset-loans-001-logistic-regression";

    private readonly TempDirectory _dir = new();

    public IReadOnlyList<ModelPackage> Packages { get; private set; } = [];

    /// <summary>The drift baseline the pipeline saved next to version 1.0.0.</summary>
    public string BaselineJson { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var pipeline = await LocalPipelineTests.PipelineWithDatasetAsync(_dir, "loans.csv", "dataset-loans-001", "default");
        var summary = await pipeline.RunIssueFileAsync(Examples.Issue("loans-logistic.md"));
        Assert.True(summary.Passed, summary.Reason);
        var source = Path.Combine(((LocalArtifactStore)pipeline.Store).Root, ArtifactKeys.ModelPrefix(Model, "1.0.0"));
        var copy = _dir.Combine("copy", Model, "1.1.0");
        CopyDirectory(source, copy);
        var metadataPath = Path.Combine(copy, ModelMetadata.FileName);
        var metadata = JsonNode.Parse(await File.ReadAllTextAsync(metadataPath))!.AsObject();
        metadata["version"] = "1.1.0";
        await File.WriteAllTextAsync(metadataPath, metadata.ToJsonString());
        Packages = [ModelPackage.LoadFromDirectory(source), ModelPackage.LoadFromDirectory(copy)];
        BaselineJson = await File.ReadAllTextAsync(Path.Combine(source, "drift_baseline.json"));
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

/// <summary>Two live versions of one model behind the real server: routing, version headers, shadowing and /metrics.</summary>
public sealed class MultiVersionServerTests(TwoVersionFixture fixture) : IClassFixture<TwoVersionFixture>, IAsyncLifetime
{
    private const string Row = """{"rows": [{"age": 45, "income": 52000, "employment": "salaried", "region": "west", "sex": "male", "loan_amount": 20000, "credit_score": 720, "debt_ratio": 0.2}]}""";

    private ModelServer? _server;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        var routing = new Dictionary<string, RoutingTable>(StringComparer.Ordinal)
        {
            [TwoVersionFixture.Model] = new(new Dictionary<string, int>(StringComparer.Ordinal) { ["1.0.0"] = 50, ["1.1.0"] = 50 }),
        };
        _server = await ModelServer.StartAsync(fixture.Packages, port: 0, routing);
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Predict_FiftyFifty_BothVersionsServeAndNameThemselves()
    {
        var served = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            served.Add(await PredictAsync("/predict", key: null));
        }

        Assert.InRange(served.Count(v => v == "1.0.0"), 18, 22);
        Assert.InRange(served.Count(v => v == "1.1.0"), 18, 22);
    }

    [Fact]
    public async Task Predict_SameRoutingKey_AlwaysSameVersion()
    {
        var byKey = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        for (var round = 0; round < 3; round++)
        {
            for (var k = 0; k < 20; k++)
            {
                var key = "customer-" + k.ToString(CultureInfo.InvariantCulture);
                var viaHeader = await PredictAsync($"/models/{TwoVersionFixture.Model}/predict", key);
                var viaQuery = await PredictAsync($"/predict?routing_key={key}", key: null);
                byKey.TryAdd(key, []);
                byKey[key].Add(viaHeader);
                byKey[key].Add(viaQuery);
            }
        }

        Assert.All(byKey.Values, versions => Assert.Single(versions));
        Assert.Equal(2, byKey.Values.Select(v => v.Single()).Distinct().Count());
    }

    [Fact]
    public async Task Metrics_AfterTraffic_ParsesAndCountsRequestsPerVersion()
    {
        for (var i = 0; i < 10; i++)
        {
            await PredictAsync("/predict", key: null);
        }

        var bad = await _http!.PostAsync("/predict", Json("{\"rows\": []}"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badVersion = bad.Headers.GetValues(ModelServer.VersionHeader).Single();

        var response = await _http.GetAsync("/metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        var samples = ParsePrometheus(await response.Content.ReadAsStringAsync());

        double Sample(string name, params string[] labels) => samples.Single(s => s.Name == name && labels.All(s.Labels.Contains)).Value;
        var ok = new[] { "1.0.0", "1.1.0" }.Sum(v => samples.Where(s => s.Name == "mlops_requests_total" && s.Labels.Contains($"version=\"{v}\"") && s.Labels.Contains("status=\"200\"")).Sum(s => s.Value));
        Assert.Equal(10, ok);
        Assert.Equal(1, Sample("mlops_requests_total", $"version=\"{badVersion}\"", "status=\"400\""));
        foreach (var version in new[] { "1.0.0", "1.1.0" })
        {
            var requests = samples.Where(s => s.Name == "mlops_requests_total" && s.Labels.Contains($"version=\"{version}\"")).Sum(s => s.Value);
            Assert.True(requests > 0, $"version {version} served nothing");
            Assert.Equal(requests, Sample("mlops_request_duration_seconds_count", $"version=\"{version}\""));
            Assert.Equal(requests, Sample("mlops_request_duration_seconds_bucket", $"version=\"{version}\"", "le=\"+Inf\""));
            Assert.True(Sample("mlops_request_duration_seconds_sum", $"version=\"{version}\"") > 0);
        }
    }

    [Fact]
    public async Task UpdateRouting_Shadow_ShadowSeesEveryRequestButPrimaryAnswers()
    {
        _server!.UpdateRouting(TwoVersionFixture.Model, RoutingTable.Shadowed("1.0.0", "1.1.0"));

        for (var i = 0; i < 15; i++)
        {
            Assert.Equal("1.0.0", await PredictAsync("/predict", key: i % 2 == 0 ? "k" + i.ToString(CultureInfo.InvariantCulture) : null));
        }

        var shadow = _server.Metrics.ShadowFor(TwoVersionFixture.Model, "1.0.0", "1.1.0");
        Assert.Equal(15, shadow.Requests);
        Assert.Equal(0, shadow.FailedRequests);
        Assert.Equal(1.0, shadow.AgreementRate);
        Assert.Equal(15, _server.Metrics.For(TwoVersionFixture.Model, "1.0.0").RequestCount);
        Assert.Equal(0, _server.Metrics.For(TwoVersionFixture.Model, "1.1.0").RequestCount);
        Assert.Contains("mlops_shadow_requests_total{model=\"" + TwoVersionFixture.Model + "\",primary=\"1.0.0\",shadow=\"1.1.0\"} 15", await _http!.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public void UpdateRouting_UndeployedVersion_ThrowsNamingDeployedOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => _server!.UpdateRouting(TwoVersionFixture.Model, RoutingTable.Single("9.9.9")));

        Assert.Contains("9.9.9", error.Message, StringComparison.Ordinal);
        Assert.Contains("1.1.0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NoRouting_FirstVersionServesEverything()
    {
        await using var server = await ModelServer.StartAsync(fixture.Packages, port: 0);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        for (var i = 0; i < 10; i++)
        {
            var response = await http.PostAsync("/predict", Json(Row));
            Assert.Equal("1.0.0", response.Headers.GetValues(ModelServer.VersionHeader).Single());
        }
    }

    private async Task<string> PredictAsync(string path, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(Row) };
        if (key is not null)
        {
            request.Headers.Add(ModelServer.RoutingKeyHeader, key);
        }

        using var response = await _http!.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var header = response.Headers.GetValues(ModelServer.VersionHeader).Single();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(header, body.RootElement.GetProperty("version").GetString());
        return header;
    }

    private static List<(string Name, string Labels, double Value)> ParsePrometheus(string text)
    {
        var samples = new List<(string, string, double)>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(@"^# (HELP|TYPE) [a-z_]+ .+$", line);
                continue;
            }

            var match = System.Text.RegularExpressions.Regex.Match(line, @"^([a-z_]+)\{([^}]*)\} (\S+)$");
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            samples.Add((match.Groups[1].Value, match.Groups[2].Value, double.Parse(match.Groups[3].Value.Replace("+Inf", "Infinity", StringComparison.Ordinal), CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
