using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.GitHub.Tests.Support;

/// <summary>Stands in for the MCP tools behind the issue steps: returns what <see cref="Behaviour"/> says, once per idempotency key.</summary>
internal sealed class FakeInnerInvoker : ITaskInvoker
{
    private readonly ConcurrentDictionary<string, JsonNode?> _done = new(StringComparer.Ordinal);

    public Func<string, int, JsonNode?> Behaviour { get; set; } = (step, call) => step switch
    {
        "judge_results" => new JsonObject { ["decision"] = "pass", ["reason"] = "f1 0.91 ≥ 0.85" },
        "write_history" => new JsonObject { ["file_name"] = "run.json", ["content"] = "{\"ok\":true}" },
        "preprocess_supervised" => new JsonObject { ["training_id"] = "tr-1" },
        "train_supervised_classifier" => new JsonObject { ["run_id"] = "run-" + call.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        "register_model" => new JsonObject { ["name"] = "wine-classifier", ["version"] = "1.0.0" },
        _ => new JsonObject { ["ok"] = true },
    };

    public ConcurrentQueue<string> Steps { get; } = new();

    /// <summary>What the default behaviour returns; a custom one returns null to fall back to it.</summary>
    public static JsonNode? Default(string step, int call) => new FakeInnerInvoker().Behaviour(step, call);

    public Task<JsonNode?> InvokeAsync(string resource, JsonNode? input, string? taskToken, string idempotencyKey, CancellationToken cancellationToken)
    {
        var step = TaskResource.Parse(resource, input).Name;
        if (_done.TryGetValue(idempotencyKey, out var earlier))
        {
            return Task.FromResult(earlier?.DeepClone());
        }

        Steps.Enqueue(step);
        var call = Steps.Count(s => s == step);
        var result = Behaviour(step, call) ?? Default(step, call);
        _done[idempotencyKey] = result?.DeepClone();
        return Task.FromResult(result);
    }
}
