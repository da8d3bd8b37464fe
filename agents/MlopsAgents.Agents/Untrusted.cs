using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlopsAgents.Agents;

/// <summary>Helpers for text that crosses the trust boundary: issue text going to the model, and model text coming back.</summary>
public static class Untrusted
{
    /// <summary>
    /// Wraps untrusted text in a named tag the prompts refer to. A closing tag inside the text is defused so the text
    /// cannot end the block early and pose as instructions.
    /// </summary>
    public static string Wrap(string tag, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var open = $"<untrusted_{tag}>";
        var close = $"</untrusted_{tag}>";
        var safe = text.Replace(close, $"</ untrusted_{tag}>", StringComparison.OrdinalIgnoreCase)
            .Replace(open, $"< untrusted_{tag}>", StringComparison.OrdinalIgnoreCase);
        return $"{open}\n{safe}\n{close}";
    }

    /// <summary>
    /// Reads the one JSON object a model was asked for: the whole reply, a ```json fence, or the outermost braces.
    /// Returns null with the reason when there is none.
    /// </summary>
    public static JsonObject? ParseJsonObject(string? reply, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(reply))
        {
            error = "the reply was empty";
            return null;
        }

        var start = reply.IndexOf('{', StringComparison.Ordinal);
        var end = reply.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            error = "the reply holds no JSON object";
            return null;
        }

        try
        {
            if (JsonNode.Parse(reply[start..(end + 1)]) is JsonObject obj)
            {
                return obj;
            }

            error = "the reply's JSON is not an object";
            return null;
        }
        catch (JsonException ex)
        {
            error = "the reply's JSON does not parse: " + ex.Message;
            return null;
        }
    }

    /// <summary>A string property, or null when absent or not a string.</summary>
    public static string? String(JsonObject obj, string name) =>
        obj.TryGetPropertyValue(name, out var node) && node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
