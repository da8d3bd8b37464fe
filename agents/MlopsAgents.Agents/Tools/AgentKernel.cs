using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using MlopsAgents.Agents.Providers;

namespace MlopsAgents.Agents.Tools;

/// <summary>
/// One agent's Semantic Kernel for one issue: the provider behind the budget and the tool auditor, SK's function-calling
/// loop on top, the allow-listed MCP tools as kernel functions, and the allow-list filter at invocation.
/// </summary>
public sealed class AgentKernel
{
    /// <summary>The plugin the MCP tools live in; SK shows them to the model as mcp-&lt;tool&gt; or mcp_&lt;tool&gt;.</summary>
    public const string PluginName = "mcp";

    private AgentKernel(Kernel kernel, IChatClient chat, ToolCallLog log, IReadOnlyList<string> tools)
    {
        Kernel = kernel;
        Chat = chat;
        Log = log;
        Tools = tools;
    }

    public Kernel Kernel { get; }

    /// <summary>The kernel's chat client: calling it runs the whole function-calling loop.</summary>
    public IChatClient Chat { get; }

    public ToolCallLog Log { get; }

    /// <summary>The tools advertised to the model (bare MCP names).</summary>
    public IReadOnlyList<string> Tools { get; }

    /// <summary>Builds the kernel. Tools outside <paramref name="allowed"/> are dropped before the model ever sees them.</summary>
    public static async Task<AgentKernel> CreateAsync(string agent, IChatClient provider, TokenBudget budget, IAgentToolSource tools, IReadOnlySet<string> allowed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(allowed);
        var log = new ToolCallLog();
        var available = await tools.ListToolsAsync(cancellationToken).ConfigureAwait(false);
        var kept = available.Where(t => allowed.Contains(t.Name)).ToList();

        var builder = Kernel.CreateBuilder();
        var guarded = new ToolCallAuditor(new BudgetChatClient(provider, budget), agent, allowed, log);
        builder.Services.AddChatClient(guarded).UseKernelFunctionInvocation();
        var kernel = builder.Build();
        if (kept.Count > 0)
        {
            kernel.Plugins.AddFromFunctions(PluginName, kept.Select(t => t.AsKernelFunction()));
        }

        kernel.AutoFunctionInvocationFilters.Add(new AllowListFilter(agent, allowed, log));
        return new AgentKernel(kernel, kernel.GetRequiredService<IChatClient>(), log, [.. kept.Select(t => t.Name)]);
    }

    /// <summary>Sends the conversation with the kernel's functions on automatic choice; tool calls run inside.</summary>
    public async Task<ChatResponse> AskAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        var settings = new PromptExecutionSettings
        {
            FunctionChoiceBehavior = FunctionChoiceBehavior.Auto(),
        };
        var options = settings.ToChatOptions(Kernel);
        return await Chat.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A tool's MCP name from the name the model used (with or without SK's plugin prefix).</summary>
    public static string BareToolName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var separator in new[] { "-", "_", "." })
        {
            var prefix = PluginName + separator;
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return name[prefix.Length..];
            }
        }

        return name;
    }
}
