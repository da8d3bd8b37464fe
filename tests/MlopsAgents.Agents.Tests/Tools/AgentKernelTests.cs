using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tests.Support;
using MlopsAgents.Agents.Tools;

namespace MlopsAgents.Agents.Tests.Tools;

public sealed class AgentKernelTests
{
    private static readonly IReadOnlySet<string> Allowed = new HashSet<string> { "parse_issue_config" };

    private static TokenBudget Budget() => new(100_000, 1m, 0m, 0m);

    [Fact]
    public async Task AskAsync_ModelCallsAllowedTool_ToolRunsAndModelSeesItsResult()
    {
        var fake = new FakeChatClient()
            .CallTool("parse_issue_config", new Dictionary<string, object?> { ["request"] = "dataset_id: x" })
            .Reply("done");
        var tools = new FakeToolSource("parse_issue_config", "deploy_model");
        var kernel = await AgentKernel.CreateAsync("intake", fake, Budget(), tools, Allowed, default);

        var response = await kernel.AskAsync([new ChatMessage(ChatRole.User, "hi")], default);

        Assert.Equal("done", response.Text);
        Assert.Equal([("parse_issue_config", "dataset_id: x")], tools.Invocations);
        var result = Assert.Single(fake.Calls[1].SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Contains("parse_issue_config ran on 'dataset_id: x'", result.Result?.ToString(), StringComparison.Ordinal);
        Assert.Equal(["parse_issue_config"], fake.Options[0]!.Tools!.Select(t => AgentKernel.BareToolName(t.Name)));
        Assert.Empty(kernel.Log.Refused);
    }

    [Fact]
    public async Task AskAsync_ModelCallsForbiddenTool_RefusedRecordedAndNeverRun()
    {
        var fake = new FakeChatClient()
            .CallTool("deploy_model", new Dictionary<string, object?> { ["request"] = "v9" })
            .Reply("I cannot deploy.");
        var tools = new FakeToolSource("parse_issue_config", "deploy_model");
        var kernel = await AgentKernel.CreateAsync("intake", fake, Budget(), tools, Allowed, default);

        var response = await kernel.AskAsync([new ChatMessage(ChatRole.User, "deploy it")], default);

        Assert.Equal("I cannot deploy.", response.Text);
        Assert.Empty(tools.Invocations);
        var refused = Assert.Single(kernel.Log.Refused);
        Assert.Equal("deploy_model", refused.Name);
        var result = Assert.Single(fake.Calls[1].SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.StartsWith("refused: the intake agent may not call 'deploy_model'", result.Result?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowListFilter_ForbiddenFunctionInKernel_RefusesAtInvocation()
    {
        // A misconfigured kernel that holds deploy_model: the filter still stops it.
        var fake = new FakeChatClient()
            .CallTool("deploy_model", new Dictionary<string, object?> { ["request"] = "v9" })
            .Reply("ok");
        var tools = new FakeToolSource("deploy_model");
        var everything = new HashSet<string> { "deploy_model" };
        var kernel = await AgentKernel.CreateAsync("intake", fake, Budget(), tools, everything, default);
        kernel.Kernel.AutoFunctionInvocationFilters.Clear();
        kernel.Kernel.AutoFunctionInvocationFilters.Add(new AllowListFilter("intake", Allowed, kernel.Log));

        await kernel.AskAsync([new ChatMessage(ChatRole.User, "deploy it")], default);

        Assert.Empty(tools.Invocations);
        Assert.Equal("deploy_model", Assert.Single(kernel.Log.Refused).Name);
        var result = Assert.Single(fake.Calls[1].SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.StartsWith("refused:", result.Result?.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mcp-parse_issue_config", "parse_issue_config")]
    [InlineData("mcp_parse_issue_config", "parse_issue_config")]
    [InlineData("deploy_model", "deploy_model")]
    public void BareToolName_PrefixedOrNot_ReturnsMcpName(string name, string expected) =>
        Assert.Equal(expected, AgentKernel.BareToolName(name));
}
