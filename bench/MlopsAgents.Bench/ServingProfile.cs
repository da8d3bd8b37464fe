using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Bench;

/// <summary>
/// Where one prediction request's time goes, stage by stage, on one thread and without HTTP: parsing the body,
/// validating and preprocessing the row, scoring it, writing the answer, and recording it for the live monitor.
/// Each stage runs alone in a loop, so the numbers are per-call costs to compare, not a sum that equals a request.
/// </summary>
internal static class ServingProfile
{
    public static async Task<int> RunAsync(string[] args)
    {
        var home = args.SkipWhile(a => a != "--home").Skip(1).FirstOrDefault()
            ?? throw new ArgumentException("--home DIR is required (an MLOPS_HOME with the breast-cancer model deployed).");
        var mlopsHome = new MlopsHome(home);
        var deployer = new LocalDeployer(new SqliteRegistry(mlopsHome.RegistryDatabase), new LocalArtifactStore(mlopsHome.ArtifactsRoot), Path.Combine(home, "cache"));
        var package = (await deployer.LoadActiveAsync()).Single(p => p.Metadata.ModelName == "breast-cancer-classifier");
        var body = Encoding.UTF8.GetBytes(ServingBench.Row);
        using var document = JsonDocument.Parse(body);
        JsonElement[] input = [.. document.RootElement.GetProperty("rows").EnumerateArray()];
        var features = new double[1][];
        features[0] = package.Preprocessor.TryTransform(name => (true, input[0].GetProperty(name).GetRawText()), []) ?? throw new InvalidOperationException("The bench row does not transform.");
        var (predictions, _) = package.Predict(input);
        var monitor = new LiveMonitor(100_000, 5_000, new Dictionary<string, DriftBaseline>(StringComparer.Ordinal));
        long id = 0;
        var buffer = new ArrayBufferWriter<byte>(4096);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dotnet {Environment.Version}, load average {File.ReadAllText("/proc/loadavg").Trim()}; compiled trees: {package.Compiled is not null}"));
        Console.WriteLine();
        Console.WriteLine("| stage (1 row, 1 thread) | µs per call | bytes allocated per call |");
        Console.WriteLine("|---|---|---|");
        Row("parse body (JsonDocument) and list rows", () =>
        {
            using var d = JsonDocument.Parse(body);
            _ = d.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        });
        Row("ModelPackage.Predict (validate, preprocess, score, RowPrediction)", () => package.Predict(input));
        Row("preprocess only (FeaturePreprocessor.TryTransform)", () => package.Preprocessor.TryTransform(name => (true, input[0].GetProperty(name).GetRawText()), []));
        Row("score only, compiled trees", () => package.Compiled?.Predict(features));
        Row("score only, ML.NET", () => package.Model.Predict(features));
        Row("answer (JsonSerializer, anonymous object)", () =>
        {
            buffer.ResetWrittenCount();
            using var writer = new Utf8JsonWriter(buffer);
            JsonSerializer.Serialize(writer, new
            {
                model = package.Metadata.ModelName,
                version = package.Metadata.Version,
                request_id = "0123456789abcdef0123456789abcdef",
                predictions = predictions!.Select(p => new { prediction = p.Prediction, probabilities = p.Probabilities }),
            });
        });
        Row("answer (PredictionsResult, Utf8JsonWriter)", () =>
        {
            buffer.ResetWrittenCount();
            using var writer = new Utf8JsonWriter(buffer);
            new PredictionsResult(package.Metadata.ModelName, package.Metadata.Version, "0123456789abcdef0123456789abcdef", predictions!).Write(writer);
        });
        Row("request id (Guid N)", () => Guid.NewGuid().ToString("N"));
        Row("request id (RequestIds.Next)", () => RequestIds.Next());
        Row("live monitor record (100k kept for feedback)", () =>
        {
            var requestId = (id++).ToString(CultureInfo.InvariantCulture);
            monitor.RecordPrediction(new PredictionTrace(requestId, "m", "1", DateTimeOffset.UnixEpoch, ["M"], [0.9]), input);
        });
        var metrics = new ServingMetrics();
        Row("metrics record", () => metrics.For("breast-cancer-classifier", "1.0.0").Record(200, TimeSpan.FromTicks(1234)));
        return 0;
    }

    private static void Row(string stage, Action action)
    {
        // Warm up (JIT tiers) for a while, then time enough calls to last about a second.
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < 300)
        {
            action();
        }

        long calls = 0;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        watch.Restart();
        while (watch.ElapsedMilliseconds < 1000)
        {
            action();
            calls++;
        }

        var elapsed = watch.Elapsed;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {stage} | {elapsed.TotalMicroseconds / calls:0.00} | {allocated / calls:N0} |"));
    }
}
