using System.Diagnostics;
using System.Globalization;
using MlopsAgents.McpServer.Hosting;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Storage;
using ModelContextProtocol.Client;

namespace MlopsAgents.Bench;

/// <summary>
/// Tool-call latency of a cheap read tool (list_deployments) over Streamable HTTP on 127.0.0.1, with N concurrent
/// clients each making M calls after a warm-up. The server runs in this process, so it shares the cores with the clients.
/// </summary>
internal static class McpLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        var clients = Option(args, "--clients", 16);
        var calls = Option(args, "--calls", 200);
        var home = Directory.CreateTempSubdirectory("mlops-bench-mcp-").FullName;
        try
        {
            var context = new MlopsContext(new MlopsHome(home), home);
            var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            await using var app = MlopsMcpServerSetup.BuildHttpApp(new MlopsMcpOptions { Transport = "http", Port = 0, Token = token }, context);
            await app.StartAsync();
            var endpoint = new Uri(app.Urls.First() + "/mcp");

            var connected = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = endpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
            }))));
            var empty = new Dictionary<string, object?>();
            foreach (var c in connected)
            {
                for (var i = 0; i < 10; i++)
                {
                    await c.CallToolAsync("list_deployments", empty);
                }
            }

            var wall = Stopwatch.StartNew();
            var samples = await Task.WhenAll(connected.Select(async c =>
            {
                var times = new double[calls];
                for (var i = 0; i < calls; i++)
                {
                    var t = Stopwatch.GetTimestamp();
                    var result = await c.CallToolAsync("list_deployments", empty);
                    times[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                    if (result.IsError == true)
                    {
                        throw new InvalidOperationException("list_deployments failed during the benchmark.");
                    }
                }

                return times;
            }));
            var elapsed = wall.Elapsed.TotalSeconds;
            foreach (var c in connected)
            {
                await c.DisposeAsync();
            }

            var all = samples.SelectMany(s => s).Order().ToArray();
            double P(double q) => all[(int)Math.Min(all.Length - 1, Math.Ceiling(q * all.Length) - 1)];
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine("| clients | calls | p50 (ms) | p99 (ms) | max (ms) | throughput (calls/s) |");
            Console.WriteLine("|---|---|---|---|---|---|");
            Console.WriteLine(string.Create(inv, $"| {clients} | {all.Length} | {P(0.50):0.00} | {P(0.99):0.00} | {all[^1]:0.00} | {all.Length / elapsed:0} |"));
            return 0;
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
    }
}
