using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Tools;

namespace MlopsAgents.Agents.Tests.Support;

/// <summary>A hand-written tool source: named tools that record each invocation and answer with a fixed text.</summary>
public sealed class FakeToolSource(params string[] names) : IAgentToolSource
{
    public List<(string Name, string Arguments)> Invocations { get; } = [];

    public Task<IReadOnlyList<AIFunction>> ListToolsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AIFunction>>([.. names.Select(Tool)]);

    private AIFunction Tool(string name) => AIFunctionFactory.Create(
        (string request) =>
        {
            Invocations.Add((name, request));
            return $"{name} ran on '{request}'";
        },
        name,
        $"fake {name}");
}
