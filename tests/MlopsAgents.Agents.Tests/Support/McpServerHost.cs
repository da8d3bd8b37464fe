using Microsoft.AspNetCore.Builder;
using MlopsAgents.McpServer.Hosting;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Agents.Tests.Support;

/// <summary>The real MLOps MCP server over Streamable HTTP on 127.0.0.1 (read-write, so a forbidden write would succeed if it got through).</summary>
public sealed class McpServerHost : IAsyncLifetime
{
    public const string Token = "agents-test-token-0123456789";

    private WebApplication? _app;

    public string Home { get; } = Directory.CreateTempSubdirectory("mlops-agents-test-").FullName;

    public Uri Endpoint { get; private set; } = null!;

    public MlopsContext Context { get; private set; } = null!;

    public string AuditDirectory => MlopsMcpServerSetup.AuditDirectory(Context);

    public async Task InitializeAsync()
    {
        Context = new MlopsContext(new MlopsHome(Home), Agents.DataRoot);
        var options = new MlopsMcpOptions { Transport = "http", Port = 0, AllowWrite = true, Token = Token };
        _app = MlopsMcpServerSetup.BuildHttpApp(options, Context, Path.Combine(AppContext.BaseDirectory, "prompts"));
        await _app.StartAsync();
        Endpoint = new Uri(_app.Urls.First() + "/mcp");
    }

    public async Task DisposeAsync()
    {
        await _app!.DisposeAsync();
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // A closing server may still hold a file for a moment; the OS cleans the temp folder later.
        }
    }
}
