using System.Text.Json;
using MlopsAgents.Aws.Configuration;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Cli.Commands;

/// <summary>Where the CLI keeps state and reads data, and how it prints.</summary>
internal static class CliEnvironment
{
    public const string DataRootVariable = "MLOPS_DATA_ROOT";

    /// <summary>Exit codes: 0 success, 1 unexpected failure, 2 invalid input, 3 the Judge did not pass the model.</summary>
    public const int Ok = 0;
    public const int InvalidInput = 2;
    public const int NotPassed = 3;

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static MlopsHome Home => MlopsHome.FromEnvironment().EnsureCreated();

    /// <summary>
    /// Home, data root and the configured artifact store: MLOPS_ARTIFACT_STORE=s3://bucket/prefix puts artifacts on S3
    /// (as mlops-mcp does); unset keeps the embedded local store. Throws <see cref="AwsConfigurationException"/> on bad settings.
    /// </summary>
    public static MlopsContext Context()
    {
        var home = Home;
        return new MlopsContext(home, DataRoot, AwsBackends.CreateArtifactStore(AwsBackendOptions.FromEnvironment(), home.ArtifactsRoot));
    }

    /// <summary>dataset_uri paths resolve under this root: MLOPS_DATA_ROOT, or the current directory.</summary>
    public static string DataRoot
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(DataRootVariable);
            return Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? Environment.CurrentDirectory : configured);
        }
    }

    /// <summary>Progress goes to stderr so that stdout carries only results (and the --json summary last).</summary>
    public static IProgress<string> Progress { get; } = new SynchronousProgress(line => Console.Error.WriteLine(line));

    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine("error: " + message);
        return code;
    }

    private sealed class SynchronousProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}

/// <summary>A failure the user can act on (a missing server, a refused setting): printed as one line, exit 1, no stack trace.</summary>
internal sealed class CliException(string message, Exception? inner = null) : Exception(message, inner);
