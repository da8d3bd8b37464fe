using Microsoft.Extensions.AI;

namespace MlopsAgents.Agents.Tools;

/// <summary>Where the agents' tools come from: the MCP server in production, a hand-written fake in some tests.</summary>
public interface IAgentToolSource
{
    /// <summary>Every tool the source offers; the agent keeps only those on its allow-list.</summary>
    Task<IReadOnlyList<AIFunction>> ListToolsAsync(CancellationToken cancellationToken);
}

/// <summary>A source with no tools: agents still run, and any tool the model names is refused and recorded.</summary>
public sealed class NoTools : IAgentToolSource
{
    public static readonly NoTools Instance = new();

    public Task<IReadOnlyList<AIFunction>> ListToolsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<AIFunction>>([]);
}
