using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using MlopsAgents.McpServer.Hosting;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Storage;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace MlopsAgents.McpServer.Tests;

/// <summary>
/// Two real servers over Streamable HTTP on 127.0.0.1, sharing one MLOPS_HOME: one started with --allow-write and one
/// read-only. Clients are the SDK's own.
/// </summary>
public sealed class McpServerFixture : IAsyncLifetime
{
    public const string Token = "test-token-0123456789abcdef";

    private WebApplication? _writable;
    private WebApplication? _readOnly;

    public string Home { get; } = Directory.CreateTempSubdirectory("mlops-mcp-test-").FullName;

    /// <summary>The data root: the bundled datasets copied next to the test assembly.</summary>
    public static string DataRoot => Path.Combine(AppContext.BaseDirectory, "data");

    public static string PromptsDirectory => Path.Combine(AppContext.BaseDirectory, "prompts");

    public MlopsContext Context { get; private set; } = null!;

    public McpClient Writable { get; private set; } = null!;

    public McpClient ReadOnly { get; private set; } = null!;

    public Uri WritableEndpoint { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Context = new MlopsContext(new MlopsHome(Home), DataRoot);
        (_writable, WritableEndpoint) = await StartAsync(allowWrite: true);
        (_readOnly, var readOnlyEndpoint) = await StartAsync(allowWrite: false);
        Writable = await ConnectAsync(WritableEndpoint, Token);
        ReadOnly = await ConnectAsync(readOnlyEndpoint, Token);
    }

    public async Task DisposeAsync()
    {
        await Writable.DisposeAsync();
        await ReadOnly.DisposeAsync();
        await _writable!.DisposeAsync();
        await _readOnly!.DisposeAsync();
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // A closing server may still hold a file for a moment; the temp folder is cleaned by the OS later.
        }
    }

    public static Task<McpClient> ConnectAsync(Uri endpoint, string? token) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = token is null ? null : new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        }));

    private async Task<(WebApplication App, Uri Endpoint)> StartAsync(bool allowWrite)
    {
        var options = new MlopsMcpOptions { Transport = "http", Port = 0, AllowWrite = allowWrite, Token = Token };
        var app = MlopsMcpServerSetup.BuildHttpApp(options, Context, PromptsDirectory);
        await app.StartAsync();
        return (app, new Uri(app.Urls.First() + "/mcp"));
    }
}

/// <summary>Reads a tool result's structured JSON, failing the test with the tool's own message on an error.</summary>
public static class ToolResults
{
    public static JsonElement Ok(this CallToolResult result)
    {
        Assert.False(result.IsError == true, "tool error: " + Text(result));
        Assert.NotNull(result.StructuredContent);
        return result.StructuredContent!.Value;
    }

    public static string Error(this CallToolResult result)
    {
        Assert.True(result.IsError == true, "expected a tool error, got: " + Text(result));
        return Text(result);
    }

    public static string Text(CallToolResult result) => string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    public static Dictionary<string, object?> Args(params (string Name, object? Value)[] args) => args.ToDictionary(a => a.Name, a => a.Value);
}
