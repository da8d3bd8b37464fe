using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text.Json;
using System.Text.RegularExpressions;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Bench;

/// <summary>
/// Model server throughput and latency under <c>wrk</c>, and in the same run the in-process prediction rate of the
/// same package on the same row (the ceiling: no HTTP, no JSON over the wire). Needs a home where the breast-cancer
/// model is deployed (bench/serving.sh makes one) and Debian's <c>wrk</c>.
/// </summary>
internal static partial class ServingBench
{
    internal const string Row = """{"rows": [{"mean_radius": 17.99, "mean_texture": 10.38, "mean_perimeter": 122.8, "mean_area": 1001.0, "mean_smoothness": 0.1184, "mean_compactness": 0.2776, "mean_concavity": 0.3001, "mean_concave_points": 0.1471, "mean_symmetry": 0.2419, "mean_fractal_dimension": 0.07871, "radius_error": 1.095, "texture_error": 0.9053, "perimeter_error": 8.589, "area_error": 153.4, "smoothness_error": 0.006399, "compactness_error": 0.04904, "concavity_error": 0.05373, "concave_points_error": 0.01587, "symmetry_error": 0.03003, "fractal_dimension_error": 0.006193, "worst_radius": 25.38, "worst_texture": 17.33, "worst_perimeter": 184.6, "worst_area": 2019.0, "worst_smoothness": 0.1622, "worst_compactness": 0.6656, "worst_concavity": 0.7119, "worst_concave_points": 0.2654, "worst_symmetry": 0.4601, "worst_fractal_dimension": 0.1189}]}""";

    public static async Task<int> RunAsync(string[] args)
    {
        var home = Text(args, "--home") ?? throw new ArgumentException("--home DIR is required (an MLOPS_HOME with the breast-cancer model deployed).");
        var seconds = int.Parse(Text(args, "--seconds") ?? "15", CultureInfo.InvariantCulture);
        var connections = int.Parse(Text(args, "--connections") ?? "32", CultureInfo.InvariantCulture);
        var threads = int.Parse(Text(args, "--threads") ?? "2", CultureInfo.InvariantCulture);
        var mlopsHome = new MlopsHome(home);
        var deployer = new LocalDeployer(new SqliteRegistry(mlopsHome.RegistryDatabase), new LocalArtifactStore(mlopsHome.ArtifactsRoot), Path.Combine(home, "cache"));
        var packages = await deployer.LoadActiveAsync();
        var package = packages.Single(p => p.Metadata.ModelName == "breast-cancer-classifier");

        // ---- the ceiling: in-process predictions of the same row, one per call, on every core ----
        using var document = JsonDocument.Parse(Row);
        JsonElement[] input = [.. document.RootElement.GetProperty("rows").EnumerateArray()];
        for (var i = 0; i < 2_000; i++)
        {
            package.Predict(input);
        }

        var inProcessSeconds = 5.0;
        long calls = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Run(() =>
        {
            long local = 0;
            while (watch.Elapsed.TotalSeconds < inProcessSeconds)
            {
                package.Predict(input);
                local++;
            }

            Interlocked.Add(ref calls, local);
        })));
        var inProcessRate = calls / watch.Elapsed.TotalSeconds;

        // The same row 32 times per call: how much of a call's cost is per call rather than per row.
        var batch = Enumerable.Repeat(input[0], 32).ToArray();
        long batchCalls = 0;
        watch.Restart();
        while (watch.Elapsed.TotalSeconds < 2)
        {
            package.Predict(batch);
            batchCalls++;
        }

        var batchRowRate = batchCalls * batch.Length / watch.Elapsed.TotalSeconds;

        // ---- over HTTP: wrk against the real server on 127.0.0.1 ----
        // --feedback-capacity N: how many predictions the server keeps for /feedback (default 100,000), to see what
        // keeping them costs in GC.
        var options = Text(args, "--feedback-capacity") is { } capacity
            ? ModelServerOptions.Default with { FeedbackCapacity = int.Parse(capacity, CultureInfo.InvariantCulture) }
            : ModelServerOptions.Default;
        await using var server = await ModelServer.StartAsync(packages, port: 0, new Dictionary<string, RoutingTable>(StringComparer.Ordinal), options);
        var script = Path.Combine(Path.GetTempPath(), $"mlops-wrk-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, $"wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [[{Row}]]\n");
        try
        {
            var url = new Uri(server.BaseAddress, "models/breast-cancer-classifier/predict").ToString();
            await WrkAsync(script, url, threads, connections, 3); // warm-up: JIT, connection pools
            var gcBefore = (Gen0: GC.CollectionCount(0), Gen1: GC.CollectionCount(1), Gen2: GC.CollectionCount(2), Pause: GC.GetTotalPauseDuration(), Allocated: GC.GetTotalAllocatedBytes());
            var output = await WrkAsync(script, url, threads, connections, seconds);
            var gc = (Gen0: GC.CollectionCount(0) - gcBefore.Gen0, Gen1: GC.CollectionCount(1) - gcBefore.Gen1, Gen2: GC.CollectionCount(2) - gcBefore.Gen2,
                Pause: GC.GetTotalPauseDuration() - gcBefore.Pause, Allocated: GC.GetTotalAllocatedBytes() - gcBefore.Allocated);
            var rate = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var p50 = Latency(output, "50%");
            var p99 = Latency(output, "99%");
            var errors = NonOk().Match(output) is { Success: true } m ? m.Groups[1].Value : "0";
            var served = server.Metrics.For("breast-cancer-classifier", package.Metadata.Version);

            // The same server without a model behind it: what Kestrel and wrk alone reach on this machine right now.
            var healthOutput = await WrkAsync(null, new Uri(server.BaseAddress, "health").ToString(), threads, connections, seconds);
            var healthRate = double.Parse(RequestsPerSecond().Match(healthOutput).Groups[1].Value, CultureInfo.InvariantCulture);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dotnet {Environment.Version}, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}; {package.Metadata.ModelName} {package.Metadata.Version} ({package.Metadata.Algorithm})"));
            Console.WriteLine();
            Console.WriteLine("| path | predictions/s | p50 | p99 | non-2xx |");
            Console.WriteLine("|---|---|---|---|---|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| in process, {Environment.ProcessorCount} threads, 1 row per call | {inProcessRate:N0} | – | – | – |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| in process, 1 thread, 32 rows per call (ceiling of one core with batching) | {batchRowRate:N0} rows/s | – | – | – |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| HTTP POST /predict, wrk -t{threads} -c{connections} -d{seconds}s, 1 row per request | {rate:N0} | {p50} | {p99} | {errors} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| HTTP GET /health, same wrk settings (Kestrel and wrk alone, no model) | {healthRate:N0} req/s | {Latency(healthOutput, "50%")} | {Latency(healthOutput, "99%")} | – |"));
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server-side: {served.RequestCount:N0} requests, p50 {served.P50 * 1000:0.00} ms, p99 {served.P99 * 1000:0.00} ms (histogram estimate, handler only)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GC during the /predict run ({(GCSettings.IsServerGC ? "server" : "workstation")}, {GCSettings.LatencyMode}): gen0 {gc.Gen0}, gen1 {gc.Gen1}, gen2 {gc.Gen2}, paused {gc.Pause.TotalMilliseconds:N0} ms in all, {gc.Allocated / (double)Math.Max(1, served.RequestCount) / 1024:N1} KiB allocated per request"));
            return 0;
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static async Task<string> WrkAsync(string? script, string url, int threads, int connections, int seconds)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] scriptArgs = script is null ? [] : ["-s", script];
        foreach (var arg in (string[])[$"-t{threads}", $"-c{connections}", $"-d{seconds}s", "--latency", .. scriptArgs, url])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start; apt-get install -y wrk");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk exited {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
        }

        return output;
    }

    private static string Latency(string output, string percentile) =>
        Regex.Match(output, $@"^\s*{Regex.Escape(percentile)}\s+(\S+)", RegexOptions.Multiline).Groups[1].Value;

    private static string? Text(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonOk();
}
