using MlopsAgents.Agents.Conversation;
using MlopsAgents.Agents.Tests.Support;
using MlopsAgents.Agents.Tools;

namespace MlopsAgents.Agents.Tests.Tools;

public sealed class McpStdioTests
{
    [Fact]
    public async Task ConnectStdioAsync_LaunchedMlopsMcp_AgentSeesOnlyItsAllowList()
    {
        var home = Directory.CreateTempSubdirectory("mlops-agents-stdio-").FullName;
        try
        {
            await using var tools = await McpToolSource.ConnectStdioAsync(
                "dotnet",
                [Path.Combine(AppContext.BaseDirectory, "mlops-mcp.dll"), "--transport", "stdio"],
                new Dictionary<string, string?> { ["MLOPS_HOME"] = home, ["MLOPS_DATA_ROOT"] = Support.Agents.DataRoot },
                default);
            var fake = new FakeChatClient()
                .CallTool("list_deployments", new Dictionary<string, object?>(), "c1")
                .Reply("""{"intent": "question", "reply": "No deployments yet."}""");

            var all = await tools.ListToolsAsync(default);
            var result = await new ConversationAgent(Support.Agents.Context(fake, tools)).RunAsync("is anything deployed?", null, null, default);

            Assert.Contains(all, t => t.Name == "deploy_model");
            Assert.Equal(ToolAllowLists.Conversation.Order(StringComparer.Ordinal), fake.Options[0]!.Tools!.Select(t => AgentKernel.BareToolName(t.Name)).Order(StringComparer.Ordinal));
            Assert.Equal("No deployments yet.", result.Reply);
            var toolResult = fake.Calls[1].SelectMany(m => m.Contents).OfType<Microsoft.Extensions.AI.FunctionResultContent>().Single();
            Assert.Contains("deployments", toolResult.Result?.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
