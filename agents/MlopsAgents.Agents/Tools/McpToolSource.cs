using Microsoft.Extensions.AI;
using MlopsAgents.Plugins;
using ModelContextProtocol.Client;

namespace MlopsAgents.Agents.Tools;

/// <summary>The MLOps MCP server's tools, through the official MCP client: over stdio (running mlops-mcp) or Streamable HTTP.</summary>
public sealed class McpToolSource : IAgentToolSource, IAsyncDisposable
{
    private readonly McpClient _client;
    private readonly bool _ownsClient;

    public McpToolSource(McpClient client, bool ownsClient = false)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _ownsClient = ownsClient;
    }

    /// <summary>The protocol revision the agents request: <see cref="McpProtocol.Version"/>, which says why it is pinned.</summary>
    public const string ProtocolVersion = McpProtocol.Version;

    private static McpClientOptions ClientOptions => new() { ProtocolVersion = ProtocolVersion };

    /// <summary>Starts <paramref name="command"/> (e.g. the mlops-mcp binary) and talks MCP over its stdin/stdout.</summary>
    public static async Task<McpToolSource> ConnectStdioAsync(string command, IReadOnlyList<string> arguments, IDictionary<string, string?>? environment, CancellationToken cancellationToken)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "mlops-mcp",
            Command = command,
            Arguments = [.. arguments],
            EnvironmentVariables = environment,
        });
        return new McpToolSource(await McpClient.CreateAsync(transport, ClientOptions, cancellationToken: cancellationToken).ConfigureAwait(false), ownsClient: true);
    }

    /// <summary>Connects to a running server's Streamable HTTP endpoint (…/mcp) with its bearer token.</summary>
    public static async Task<McpToolSource> ConnectHttpAsync(Uri endpoint, string? bearerToken, CancellationToken cancellationToken)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = bearerToken is null ? null : new Dictionary<string, string> { ["Authorization"] = "Bearer " + bearerToken },
        });
        return new McpToolSource(await McpClient.CreateAsync(transport, ClientOptions, cancellationToken: cancellationToken).ConfigureAwait(false), ownsClient: true);
    }

    public async Task<IReadOnlyList<AIFunction>> ListToolsAsync(CancellationToken cancellationToken)
    {
        var tools = await _client.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. tools];
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsClient)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }
    }
}
