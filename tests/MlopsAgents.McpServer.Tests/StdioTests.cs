using ModelContextProtocol.Client;

namespace MlopsAgents.McpServer.Tests;

public sealed class StdioTests
{
    [Fact]
    public async Task Stdio_LaunchedServer_ListsToolsAndAnswersReadOnlyCall()
    {
        var home = Directory.CreateTempSubdirectory("mlops-mcp-stdio-").FullName;
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "mlops-mcp",
            Command = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "mlops-mcp.dll"), "--transport", "stdio"],
            EnvironmentVariables = new Dictionary<string, string?> { ["MLOPS_HOME"] = home, ["MLOPS_DATA_ROOT"] = McpServerFixture.DataRoot },
        });
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = Plugins.McpProtocol.Version });

        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("list_deployments", new Dictionary<string, object?>());

        Assert.Equal("mlops-mcp", client.ServerInfo!.Name);
        Assert.Equal(55, tools.Count);
        Assert.Equal(0, result.StructuredContent!.Value.GetProperty("deployments").GetArrayLength());
    }
}
