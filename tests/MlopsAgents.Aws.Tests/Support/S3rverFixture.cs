using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using MlopsAgents.Aws.Configuration;

namespace MlopsAgents.Aws.Tests.Support;

/// <summary>
/// npm s3rver, a local S3-compatible server, started once per test class on 127.0.0.1 with a port the OS picks. It needs
/// `npm ci` in tests/MlopsAgents.Aws.Tests/s3rver (CI does that); without it the fixture fails with that instruction.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private Process? _node;
    private string? _dataDirectory;

    public Uri Endpoint { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var folder = typeof(S3rverFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "S3rverDirectory").Value!;
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "s3rver")))
        {
            throw new InvalidOperationException($"s3rver is not installed: run `npm ci` in {folder} (Node.js 18+ needed).");
        }

        _dataDirectory = Directory.CreateTempSubdirectory("mlops-s3rver-").FullName;
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("start.js");
        start.ArgumentList.Add(_dataDirectory);
        _node = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for s3rver.");

        // The first stdout line is the bound port; a start failure ends the process, which ends the stream (null line).
        var line = await _node.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (line is null)
        {
            throw new InvalidOperationException("s3rver exited before listening: " + await _node.StandardError.ReadToEndAsync());
        }

        var port = JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>A client for s3rver; s3rver accepts its fixed S3RVER/S3RVER keys.</summary>
    public IAmazonS3 CreateClient() => AwsBackends.CreateS3Client("us-east-1", Endpoint, new BasicAWSCredentials("S3RVER", "S3RVER"));

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            _node.StandardInput.Close();
            if (!_node.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _node.Kill(entireProcessTree: true);
            }

            _node.Dispose();
        }

        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }

        await Task.CompletedTask;
    }
}
