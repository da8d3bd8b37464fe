using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Tests.Support;
using SkiaSharp;

namespace MlopsAgents.Tests.Deployment;

/// <summary>
/// The live dashboard on a real server with real traffic, checked through its JSON endpoint and rendered in headless
/// Chromium (Debian's <c>chromium</c>): the main elements show live data and the screenshot is not blank.
/// </summary>
public sealed class DashboardTests(TwoVersionFixture fixture) : IClassFixture<TwoVersionFixture>, IAsyncLifetime
{
    private const string Model = TwoVersionFixture.Model;

    private readonly TempDirectory _dir = new();
    private ModelServer? _server;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        var options = new ModelServerOptions
        {
            Baselines = new Dictionary<string, DriftBaseline>(StringComparer.Ordinal) { [Model] = DriftBaseline.FromJson(fixture.BaselineJson) },
        };
        var routing = new Dictionary<string, RoutingTable>(StringComparer.Ordinal)
        {
            [Model] = new(new Dictionary<string, int>(StringComparer.Ordinal) { ["1.0.0"] = 70, ["1.1.0"] = 30 }),
        };
        _server = await ModelServer.StartAsync(fixture.Packages, port: 0, routing, options);
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
        await _server.DeploymentLog.RecordAsync(new DeploymentEvent(DateTimeOffset.UnixEpoch, Model, "canary", "promote", _server.Router.TableFor(Model)!.Weights, "step 10% baked; shifted to 30%"));

        // Incomes far above anything in training, so the income feature shows as drifted.
        for (var i = 0; i < 60; i++)
        {
            var income = (500_000 + (i * 1000)).ToString(CultureInfo.InvariantCulture);
            using var response = await _http.PostAsync("/predict", new StringContent(
                $$"""{"rows": [{"age": {{30 + (i % 30)}}, "income": {{income}}, "employment": "salaried", "region": "west", "sex": "male", "loan_amount": 20000, "credit_score": 720, "debt_ratio": 0.2}]}""",
                Encoding.UTF8,
                "application/json"));
            response.EnsureSuccessStatusCode();
        }
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
    public async Task DashboardData_AfterTraffic_HasSplitMetricsDriftAndLog()
    {
        var data = (await _http!.GetFromJsonAsync<JsonObject>("/dashboard/data"))!;

        var model = data["models"]!.AsArray().Single()!;
        var versions = model["versions"]!.AsArray();
        Assert.Equal([70, 30], versions.Select(v => (int)v!["weight"]!));
        Assert.Equal(60, versions.Sum(v => (long)v!["requests"]!));
        Assert.NotNull(versions[0]!["p95_ms"]);
        Assert.Equal(60, (int)model["window_rows"]!);
        Assert.NotNull(model["estimated_accuracy"]);
        var income = model["drift"]!.AsArray().Single(f => (string)f!["column"]! == "income")!;
        Assert.True((bool)income["drifted"]!);
        Assert.Equal("promote", (string)data["log"]!.AsArray().Single()!["action"]!);
    }

    [Fact]
    public async Task Dashboard_HeadlessChromium_RendersLiveDataAndANonBlankScreenshot()
    {
        var dom = await ChromiumAsync("--dump-dom");
        var requests = _server!.Metrics.Versions.Sum(v => v.RequestCount);

        Assert.Contains($"data-model=\"{Model}\"", dom, StringComparison.Ordinal);
        Assert.Contains("class=\"bar split\"", dom, StringComparison.Ordinal);
        Assert.Contains("1.0.0 70%", dom, StringComparison.Ordinal);
        Assert.Contains("1.1.0 30%", dom, StringComparison.Ordinal);
        Assert.Contains("<polyline class=\"series\" data-version=\"1.0.0\"", dom, StringComparison.Ordinal);
        Assert.Contains("id=\"latency-0\"", dom, StringComparison.Ordinal);
        Assert.Contains("id=\"errors-0\"", dom, StringComparison.Ordinal);
        Assert.Contains("<tr data-feature=\"income\">", dom, StringComparison.Ordinal);
        Assert.Contains("class=\"drifted\">yes<", dom, StringComparison.Ordinal);
        Assert.Contains("<li class=\"event promote\">", dom, StringComparison.Ordinal);
        Assert.Equal(60, requests);
        Assert.DoesNotContain("<span id=\"polls\">0</span>", dom, StringComparison.Ordinal);

        var png = _dir.Combine("dashboard.png");
        await ChromiumAsync($"--screenshot={png}");
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        var colours = new HashSet<uint>();
        var nonBackground = 0;
        for (var y = 0; y < bitmap.Height; y += 2)
        {
            for (var x = 0; x < bitmap.Width; x += 2)
            {
                var c = bitmap.GetPixel(x, y);
                colours.Add((uint)c);
                if (c.Red < 200 || c.Green < 200 || c.Blue < 200)
                {
                    nonBackground++;
                }
            }
        }

        Assert.True(colours.Count > 20, $"the screenshot has only {colours.Count} colours");
        Assert.True(nonBackground > bitmap.Width * bitmap.Height / 4 / 100, $"only {nonBackground} sampled pixels are not background");
    }

    private async Task<string> ChromiumAsync(string mode)
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Headless Chromium is needed for the dashboard test: apt-get install -y chromium");
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", $"--user-data-dir={_dir.Combine("chromium-" + Guid.NewGuid().ToString("N"))}",
            "--window-size=1280,1800",

            // Virtual time lets the page's polling run (fetch, render, next poll) without the test waiting on a clock.
            "--virtual-time-budget=5000", mode, new Uri(_server!.BaseAddress, "dashboard").ToString(),
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium {mode} did not finish in 90 s: {await stderr}");
        }

        Assert.True(process.ExitCode == 0, $"chromium {mode} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
