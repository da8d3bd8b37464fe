using MlopsAgents.Aws.Configuration;
using MlopsAgents.McpServer.Hosting;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Storage;

var (options, errors) = MlopsMcpOptions.Parse(args, Environment.GetEnvironmentVariable);
if (options is null)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine("error: " + error);
    }

    Console.Error.WriteLine(MlopsMcpOptions.Usage);
    return 2;
}

var dataRoot = Environment.GetEnvironmentVariable("MLOPS_DATA_ROOT") is { Length: > 0 } root ? root : Environment.CurrentDirectory;
MlopsContext context;
try
{
    // MLOPS_ARTIFACT_STORE=s3://… puts artifacts on S3; unset keeps the embedded local store.
    var home = MlopsHome.FromEnvironment();
    context = new MlopsContext(home, dataRoot, AwsBackends.CreateArtifactStore(AwsBackendOptions.FromEnvironment(), home.ArtifactsRoot));
}
catch (AwsConfigurationException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 2;
}

if (options.Transport == "stdio")
{
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders();
    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddMlopsMcpServer(options, context).WithStdioServerTransport();
    await builder.Build().RunAsync();
    return 0;
}

var app = MlopsMcpServerSetup.BuildHttpApp(options, context);
await app.StartAsync();
Console.Error.WriteLine($"mlops-mcp: Streamable HTTP at {app.Urls.First()}/mcp ({(options.AllowWrite ? "read-write" : "read-only")}); state in {context.Home.Root}");
await app.WaitForShutdownAsync();
return 0;
