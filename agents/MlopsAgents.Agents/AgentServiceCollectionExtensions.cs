using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsAgents.Agents.Prompts;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tools;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Agents;

/// <summary>
/// Makes the <see cref="AgentContext"/> for an issue's event. With a <see cref="IssueUsageLedger"/> and an issue key the
/// budget is the issue's running total, so it holds across all its events; otherwise each context starts a fresh budget.
/// </summary>
public sealed class AgentContextFactory(
    IChatClient? provider, IAgentToolSource tools, PromptCatalog prompts, LlmProviderOptions options, RequestParseOptions parseOptions,
    ILoggerFactory? loggers = null, IssueUsageLedger? ledger = null)
{
    public LlmProviderOptions Options { get; } = options;

    /// <param name="issue">A stable key for the issue, e.g. "owner/repo#12"; null for work that belongs to no issue.</param>
    public AgentContext ForIssue(string? issue = null) =>
        new(provider, tools, prompts, Options, parseOptions, loggers?.CreateLogger("MlopsAgents.Agents"),
            ledger is not null && issue is not null ? ledger.BudgetFor(issue, Options) : null);
}

/// <summary>Registers the agents: validates the provider options and loads the prompts at start-up, so a bad setting stops the host with its message.</summary>
public static class AgentServiceCollectionExtensions
{
    /// <param name="converse">Bedrock Converse client builder from the AWS integration; null when this host has none.</param>
    public static IServiceCollection AddMlopsAgents(
        this IServiceCollection services,
        LlmProviderOptions options,
        RequestParseOptions parseOptions,
        IAgentToolSource tools,
        Func<LlmProviderOptions, IChatClient>? converse = null,
        string? promptsDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var provider = new ChatClientFactory(converse).Create(options);
        var prompts = PromptCatalog.Load(promptsDirectory);
        services.AddSingleton(options);
        services.AddSingleton(sp => new AgentContextFactory(provider, tools, prompts, options, parseOptions, sp.GetService<ILoggerFactory>()));
        return services;
    }
}
