using System.Text.Json.Nodes;

namespace MlopsAgents.Workflow.StateMachine;

/// <summary>
/// Reads what a Task's Resource names: <c>…:function:mlops-mcp-&lt;tool&gt;</c> is an MCP tool, <c>…:function:mlops-agent-&lt;step&gt;</c>
/// an agent step; for <c>.waitForTaskToken</c> the function is in the effective input's FunctionName and the step's input is its Payload.
/// </summary>
public sealed record TaskResource(string Kind, string Name, JsonNode? Input)
{
    public const string McpKind = "mcp";
    public const string AgentKind = "agent";

    /// <summary>Parses a Resource; throws <see cref="TaskFailedException"/> (States.Runtime-like) naming a function this runner does not know.</summary>
    public static TaskResource Parse(string resource, JsonNode? input)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        var waits = resource.EndsWith(".waitForTaskToken", StringComparison.Ordinal);
        var function = waits ? input?["FunctionName"]?.GetValue<string>() ?? "" : resource;
        var name = function[(function.LastIndexOf(':') + 1)..];
        var payload = waits ? input?["Payload"]?.DeepClone() ?? input?.DeepClone() : input?.DeepClone();
        if (name.StartsWith("mlops-mcp-", StringComparison.Ordinal))
        {
            return new TaskResource(McpKind, name["mlops-mcp-".Length..], payload);
        }

        if (name.StartsWith("mlops-agent-", StringComparison.Ordinal))
        {
            return new TaskResource(AgentKind, name["mlops-agent-".Length..], payload);
        }

        throw new TaskFailedException(
            "Mlops.UnknownResource",
            $"Resource '{resource}' names function '{function}'; the local runner knows …:function:mlops-mcp-<tool> and …:function:mlops-agent-<step>.");
    }

    /// <summary>The execution id at the start of an idempotency key (execution/state/visit/attempt).</summary>
    public static string ExecutionIdOf(string idempotencyKey) =>
        idempotencyKey[..Math.Max(0, idempotencyKey.IndexOf('/', StringComparison.Ordinal))];
}
