using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.Tests.StateMachine;

/// <summary>
/// A hand-written task handler that behaves like the real ones should: a repeated idempotency key returns the first
/// result without a second side effect. <see cref="Effects"/> is the outside world's log of effects.
/// </summary>
internal sealed class FakeTaskInvoker : ITaskInvoker
{
    private readonly ConcurrentDictionary<string, JsonNode?> _done = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Decides a Task's result from its tool name (the function name's suffix) and the call number for that tool.</summary>
    public Func<string, JsonNode?, int, JsonNode?> Behaviour { get; set; } = (_, _, _) => new JsonObject { ["ok"] = true };

    public List<string> Effects { get; } = [];

    public List<string> Calls { get; } = [];

    public ConcurrentQueue<string> Tokens { get; } = new();

    public async Task<JsonNode?> InvokeAsync(string resource, JsonNode? input, string? taskToken, string idempotencyKey, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var tool = ToolName(resource, input);
        int call;
        lock (_gate)
        {
            Calls.Add(tool);
            call = Calls.Count(c => c == tool);
        }

        if (_done.TryGetValue(idempotencyKey, out var earlier))
        {
            return earlier?.DeepClone();
        }

        var result = WithIds(tool, Behaviour(tool, input, call));
        lock (_gate)
        {
            Effects.Add(tool);
        }

        if (taskToken is not null)
        {
            Tokens.Enqueue(taskToken);
        }

        _done[idempotencyKey] = result?.DeepClone();
        return result;
    }

    // The ids the next states' Parameters select ($.data.training_id, $.training.run_id, $.package.name/version), as the real tools return them.
    private static JsonNode? WithIds(string tool, JsonNode? result)
    {
        if (result is not JsonObject o)
        {
            return result;
        }

        var ids = tool switch
        {
            "preprocess_supervised" => new JsonObject { ["training_id"] = "tr-1" },
            "train_supervised_classifier" => new JsonObject { ["run_id"] = "run-1" },
            "register_model" => new JsonObject { ["name"] = "iris-classifier", ["version"] = "1.0.0" },
            _ => [],
        };
        foreach (var (key, value) in ids)
        {
            o.TryAdd(key, value?.DeepClone());
        }

        return o;
    }

    public int EffectCount(string tool)
    {
        lock (_gate)
        {
            return Effects.Count(e => e == tool);
        }
    }

    private static string ToolName(string resource, JsonNode? input)
    {
        var function = resource.EndsWith(".waitForTaskToken", StringComparison.Ordinal) ? input!["FunctionName"]!.GetValue<string>() : resource;
        var name = function[(function.LastIndexOf(':') + 1)..];
        return name[(name.IndexOf('-', name.IndexOf('-', StringComparison.Ordinal) + 1) + 1)..];
    }
}
