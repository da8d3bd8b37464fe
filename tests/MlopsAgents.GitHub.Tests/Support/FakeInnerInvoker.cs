using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.GitHub.Tests.Support;

/// <summary>Stands in for the MCP tools behind the issue steps: returns what <see cref="Behaviour"/> says, once per idempotency key.</summary>
internal sealed class FakeInnerInvoker : ITaskInvoker
{
    private readonly ConcurrentDictionary<string, JsonNode?> _done = new(StringComparer.Ordinal);

    public Func<string, int, JsonNode?> Behaviour { get; set; } = (step, _) => step switch
    {
        "judge_results" => new JsonObject { ["decision"] = "pass", ["reason"] = "f1 0.91 ≥ 0.85" },
        "write_history" => new JsonObject { ["file_name"] = "run.json", ["content"] = "{\"ok\":true}" },
        _ => new JsonObject { ["ok"] = true },
    };

    public ConcurrentQueue<string> Steps { get; } = new();

    public Task<JsonNode?> InvokeAsync(string resource, JsonNode? input, string? taskToken, string idempotencyKey, CancellationToken cancellationToken)
    {
        var step = TaskResource.Parse(resource, input).Name;
        if (_done.TryGetValue(idempotencyKey, out var earlier))
        {
            return Task.FromResult(earlier?.DeepClone());
        }

        Steps.Enqueue(step);
        var result = Behaviour(step, Steps.Count(s => s == step));
        _done[idempotencyKey] = result?.DeepClone();
        return Task.FromResult(result);
    }
}
