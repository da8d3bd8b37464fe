using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MlopsAgents.Aws.Tests.Support;

/// <summary>
/// The real <c>mlops-mcp --transport http --allow-write</c> on 127.0.0.1 (a port the OS picks) with a bearer token and
/// its own MLOPS_HOME, started once per test class from the McpServer project's build output.
/// </summary>
public sealed partial class McpHttpServerFixture : IAsyncLifetime
{
    public const string Token = "forwarder-test-token-0123456789";

    private Process? _server;

    public string Root { get; } = Directory.CreateTempSubdirectory("mlops-forwarder-").FullName;

    public string Home => Path.Combine(Root, "home");

    public Uri Endpoint { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { RepositoryFiles.McpServerDll(), "--transport", "http", "--host", "127.0.0.1", "--port", "0", "--allow-write" })
        {
            start.ArgumentList.Add(a);
        }

        // The embedded local backends, whatever the machine running the tests has configured.
        foreach (var name in new[] { "MLOPS_ARTIFACT_STORE", "MLOPS_TRAINING_BACKEND", "MLOPS_WORKFLOW_BACKEND", "MLOPS_METRICS_BACKEND" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["MLOPS_MCP_TOKEN"] = Token;
        start.Environment["MLOPS_HOME"] = Home;
        start.Environment["MLOPS_DATA_ROOT"] = Root;
        _server = Process.Start(start) ?? throw new InvalidOperationException("Could not start mlops-mcp.");
        _server.OutputDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();

        // The server names its bound address on stderr once it listens; an exit before that ends the stream (null line).
        var seen = new List<string>();
        while (await _server.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } line)
        {
            seen.Add(line);
            if (ListeningLine().Match(line) is { Success: true } m)
            {
                Endpoint = new Uri(m.Groups[1].Value);
                _ = _server.StandardError.ReadToEndAsync();
                return;
            }
        }

        throw new InvalidOperationException("mlops-mcp exited before listening: " + string.Join('\n', seen));
    }

    public Task DisposeAsync()
    {
        if (_server is not null)
        {
            if (!_server.HasExited)
            {
                _server.Kill(entireProcessTree: true);
                _server.WaitForExit(TimeSpan.FromSeconds(10));
            }

            _server.Dispose();
        }

        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    [GeneratedRegex(@"Streamable HTTP at (http://\S+/mcp)", RegexOptions.CultureInvariant)]
    private static partial Regex ListeningLine();
}

/// <summary>Files of the source tree the tests run: the forwarder, and the MCP server's build output.</summary>
internal static class RepositoryFiles
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MlopsAgents.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("MlopsAgents.sln was not found above the test assembly.");
    }

    public static string Forwarder() => Path.Combine(Root(), "infra", "lambda", "task-forwarder", "index.js");

    /// <summary>mlops-mcp.dll of the same configuration (the project reference builds it).</summary>
    public static string McpServerDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var bin = Path.Combine(Root(), "McpServer", "MlopsAgents.McpServer", "bin", configuration);
        return (Directory.Exists(bin) ? Directory.GetFiles(bin, "mlops-mcp.dll", SearchOption.AllDirectories).FirstOrDefault() : null)
            ?? throw new FileNotFoundException($"mlops-mcp.dll is not built under {bin}: dotnet build McpServer/MlopsAgents.McpServer -c {configuration}.");
    }
}

/// <summary>Runs infra/lambda/task-forwarder/index.js with Node.js the way the Lambda runtime calls it.</summary>
internal static class ForwarderRunner
{
    public static JsonNode Invoke(Uri endpoint, string token, string functionName, JsonNode? @event) =>
        Invoke(functionName, @event, 1, new Dictionary<string, string> { ["MCP_URL"] = endpoint.ToString(), ["MCP_TOKEN"] = token });

    /// <summary>
    /// Invokes <paramref name="repeat"/> times in one warm process with exactly <paramref name="environment"/> as the
    /// function's settings; <paramref name="remainingMs"/> is the time Lambda's context says is left (default 900 s).
    /// </summary>
    public static JsonNode Invoke(string functionName, JsonNode? @event, int repeat, IReadOnlyDictionary<string, string> environment, int? remainingMs = null)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TestData", "forwarder", "invoke.js"));
        start.ArgumentList.Add(RepositoryFiles.Forwarder());
        foreach (var name in new[] { "MCP_URL", "MCP_TOKEN", "MCP_TOKEN_SECRET_ARN", "MLOPS_FORWARDER_DEADLINE_MS" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("The task forwarder tests need Node.js 20 or later as `node` on PATH (the functions run on nodejs24.x; the code needs Node 18+): " + e.Message, e);
        }

        using (process)
        {
            process.StandardInput.Write(new JsonObject { ["functionName"] = functionName, ["event"] = @event?.DeepClone(), ["repeat"] = repeat, ["remainingMs"] = remainingMs }.ToJsonString());
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "node did not finish within 30 s");
            Assert.True(process.ExitCode == 0, $"node exited {process.ExitCode}: {stderr.Result}");
            return JsonNode.Parse(stdout.Result) ?? throw new InvalidOperationException("node printed nothing: " + stderr.Result);
        }
    }
}
