using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace MlopsAgents.Agents.Tools;

/// <summary>A tool's answer read as JSON, or the tool's own error message.</summary>
public sealed record ToolOutcome(JsonObject? Json, string? Error);

/// <summary>Calls one tool directly (not through the model) and reads its result, whichever shape the source returns.</summary>
public static class ToolResults
{
    public static async Task<ToolOutcome> CallAsync(IAgentToolSource source, string name, IDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var tools = await source.ListToolsAsync(cancellationToken).ConfigureAwait(false);
        var tool = tools.FirstOrDefault(t => t.Name == name);
        if (tool is null)
        {
            return new ToolOutcome(null, $"the MCP server offers no tool '{name}'");
        }

        var result = await tool.InvokeAsync(new AIFunctionArguments(arguments), cancellationToken).ConfigureAwait(false);
        return Read(result);
    }

    /// <summary>Reads an MCP CallToolResult (structuredContent, or JSON text content) or a plain JSON result.</summary>
    public static ToolOutcome Read(object? result)
    {
        var node = result switch
        {
            null => null,
            JsonNode n => n,
            JsonElement e => JsonNode.Parse(e.GetRawText()),
            string s => TryParse(s),
            _ => JsonSerializer.SerializeToNode(result),
        };
        if (node is not JsonObject obj)
        {
            return new ToolOutcome(null, "the tool returned no JSON object");
        }

        var text = obj["content"] is JsonArray content
            ? string.Join("\n", content.OfType<JsonObject>().Select(c => c["text"]?.ToString()).Where(t => t is not null))
            : null;
        if (obj["isError"]?.GetValueKind() == JsonValueKind.True)
        {
            return new ToolOutcome(null, text ?? "the tool reported an error");
        }

        if (obj["structuredContent"] is JsonObject structured)
        {
            return new ToolOutcome(structured, null);
        }

        if (text is not null)
        {
            return TryParse(text) is JsonObject parsed ? new ToolOutcome(parsed, null) : new ToolOutcome(null, "the tool's text is not a JSON object: " + text);
        }

        return new ToolOutcome(obj, null);
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
