using System.Text.Json.Nodes;
using MlopsAgents.Tests.Support;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace MlopsAgents.Aws.Tests.Support;

/// <summary>The real <c>mlops-mcp</c> over stdio, and the two ways a tool call is read: a result or a tool error.</summary>
public static class McpStdio
{
    public static async Task<McpClient> StartServerAsync(Dictionary<string, string?> env, bool allowWrite = true)
    {
        var arguments = new List<string> { RepositoryFiles.McpServerDll(), "--transport", "stdio" };
        if (allowWrite)
        {
            arguments.Add("--allow-write");
        }

        var transport = new StdioClientTransport(new StdioClientTransportOptions { Command = "dotnet", Arguments = arguments, EnvironmentVariables = env });
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = Plugins.McpProtocol.Version });
    }

    public static Dictionary<string, object?> Args(params (string Name, object? Value)[] values) => values.ToDictionary(v => v.Name, v => v.Value);

    /// <summary>The structured result of a call that must have succeeded; a tool error fails the test with its text.</summary>
    public static JsonObject Ok(CallToolResult result)
    {
        Assert.True(result.IsError != true, string.Join(" ", result.Content.OfType<TextContentBlock>().Select(c => c.Text)));
        return JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!.AsObject();
    }

    /// <summary>The text of a call that must have been refused.</summary>
    public static string Error(CallToolResult result)
    {
        Assert.True(result.IsError, "expected a tool error");
        return string.Join(" ", result.Content.OfType<TextContentBlock>().Select(c => c.Text));
    }
}
