using System.Diagnostics;
using System.Globalization;
using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Bench;

/// <summary>
/// Drift computation time on a synthetic numeric table (default 1,000,000 rows × 50 features, reference and current
/// of the same size, half the features shifted): the full per-column work of <c>DriftDetector</c> (sort, KS with its
/// p-value, normalised Wasserstein, PSI) over all columns. Prints a Markdown table.
/// </summary>
internal static class DriftBench
{
    public static int Run(string[] args)
    {
        var rows = Option(args, "--rows", 1_000_000);
        var features = Option(args, "--features", 50);
        var repeat = Option(args, "--repeat", 3);
        var random = new Random(42);
        var names = Enumerable.Range(0, features).Select(i => string.Create(CultureInfo.InvariantCulture, $"f{i}")).ToArray();
        var reference = new double[features][];
        var current = new double[features][];
        for (var f = 0; f < features; f++)
        {
            reference[f] = Normal(random, rows, 0, 1);
            current[f] = Normal(random, rows, f % 2 == 0 ? 0.5 : 0, 1);
        }

        var detector = new DriftDetector();
        detector.CompareNumericColumns(names[..2], reference[..2].Select(r => r[..10_000]).ToArray(), current[..2].Select(c => c[..10_000]).ToArray());
        var seconds = new List<double>();
        var cpu = new List<double>();
        DriftReport? report = null;
        using var self = Process.GetCurrentProcess();
        for (var r = 0; r < repeat; r++)
        {
            GC.Collect();
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            report = detector.CompareNumericColumns(names, reference, current);
            seconds.Add(watch.Elapsed.TotalSeconds);
            self.Refresh();
            cpu.Add((self.TotalProcessorTime - cpuBefore).TotalSeconds);
        }

        seconds.Sort();
        cpu.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dotnet {Environment.Version}, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}"));
        Console.WriteLine();
        Console.WriteLine("| rows × features | runs | wall best (s) | wall median (s) | CPU median (s, all cores) | drifted features |");
        Console.WriteLine("|---|---|---|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {rows:N0} × {features} | {repeat} | {seconds[0]:0.00} | {seconds[seconds.Count / 2]:0.00} | {cpu[cpu.Count / 2]:0.00} | {report!.DriftedCount} of {features} |"));
        return 0;
    }

    private static double[] Normal(Random random, int n, double mean, double std)
    {
        var values = new double[n];
        for (var i = 0; i < n; i += 2)
        {
            // Box–Muller: two normals per pair of uniforms.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var radius = Math.Sqrt(-2.0 * Math.Log(u1));
            values[i] = mean + (std * radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < n)
            {
                values[i + 1] = mean + (std * radius * Math.Sin(2 * Math.PI * u2));
            }
        }

        return values;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
