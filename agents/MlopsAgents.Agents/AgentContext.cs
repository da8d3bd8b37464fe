using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MlopsAgents.Agents.Prompts;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tools;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Agents;

/// <summary>
/// What the agents share while handling one issue: the provider (null for provider none), the MCP tools, the prompts,
/// the token budget, and the request validator's options.
/// </summary>
public sealed class AgentContext
{
    /// <param name="budget">The budget (see <see cref="IssueUsageLedger"/>); null starts a fresh one.</param>
    public AgentContext(IChatClient? provider, IAgentToolSource tools, PromptCatalog prompts, LlmProviderOptions options, RequestParseOptions parseOptions, ILogger? logger = null, TokenBudget? budget = null)
    {
        Logger = logger ?? NullLogger.Instance;
        ArgumentNullException.ThrowIfNull(options);
        Provider = provider;
        Tools = tools ?? throw new ArgumentNullException(nameof(tools));
        Prompts = prompts ?? throw new ArgumentNullException(nameof(prompts));
        Options = options;
        ParseOptions = parseOptions ?? throw new ArgumentNullException(nameof(parseOptions));
        Budget = budget ?? TokenBudget.From(options);
    }

    public IChatClient? Provider { get; }
    public IAgentToolSource Tools { get; }
    public PromptCatalog Prompts { get; }
    public LlmProviderOptions Options { get; }
    public RequestParseOptions ParseOptions { get; }
    public TokenBudget Budget { get; }
    public ILogger Logger { get; }

    /// <summary>Logs how an agent run ended: refused tool calls, a fallback, and the totals.</summary>
    public void LogOutcome(string agent, bool usedModel, IReadOnlyList<ToolCallRecord> calls, string? fallback)
    {
        foreach (var refused in calls.Where(c => c.Refused))
        {
            AgentLog.ToolRefused(Logger, agent, refused.Name);
        }

        if (fallback is not null)
        {
            AgentLog.FellBack(Logger, agent, fallback);
        }

        AgentLog.Finished(Logger, agent, usedModel, calls.Count, Budget.TotalTokens);
    }

    internal void LogModelText(string agent, string text) => AgentLog.ModelText(Logger, agent, text);

    /// <summary>The sentence a reply carries when it was made without a model.</summary>
    public string NoModelNote => Provider is null
        ? "No LLM provider is configured (provider none), so this reply comes from the deterministic rules."
        : "";

    public Task<AgentKernel> KernelAsync(string agent, IReadOnlySet<string> allowed, CancellationToken cancellationToken) =>
        AgentKernel.CreateAsync(agent, Provider ?? throw new InvalidOperationException("no provider: check Provider before building a kernel"), Budget, Tools, allowed, cancellationToken);

    /// <summary>Why a reply fell back to the deterministic behaviour after a model failure.</summary>
    public static string FallbackNote(LlmUnavailableException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return $"The LLM could not be used ({ex.Message}), so this reply comes from the deterministic rules.";
    }
}
