using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MlopsAgents.McpServer.Hosting;

/// <summary>One audited tool call.</summary>
public sealed record AuditEntry(DateTimeOffset At, string Tool, string Caller, JsonObject Arguments, string Status, double DurationMs, string? Error);

/// <summary>
/// Append-only audit of every tool call, one JSON line per call, in the store's <c>logs/mcp/</c> folder.
/// Arguments whose names look like secrets are redacted before they are written.
/// </summary>
public sealed partial class AuditLog(string directory)
{
    private static readonly Lock Gate = new();

    public string Directory { get; } = directory;

    public string CurrentFile => Path.Combine(Directory, $"audit-{DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.jsonl");

    [GeneratedRegex("token|secret|password|passwd|api[_-]?key|authorization|credential", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    public void Append(AuditEntry entry)
    {
        var line = new JsonObject
        {
            ["at"] = entry.At.ToString("O", CultureInfo.InvariantCulture),
            ["tool"] = entry.Tool,
            ["caller"] = entry.Caller,
            ["arguments"] = Redact(entry.Arguments),
            ["status"] = entry.Status,
            ["duration_ms"] = Math.Round(entry.DurationMs, 2),
            ["error"] = entry.Error,
        }.ToJsonString() + "\n";
        lock (Gate)
        {
            System.IO.Directory.CreateDirectory(Directory);
            using var stream = new FileStream(CurrentFile, FileMode.Append, FileAccess.Write, FileShare.Read);
            var bytes = Encoding.UTF8.GetBytes(line);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>Replaces the value of every secret-looking argument, at any depth, with "***".</summary>
    public static JsonObject Redact(JsonObject arguments)
    {
        var copy = arguments.DeepClone().AsObject();
        RedactNode(copy);
        return copy;
    }

    private static void RedactNode(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (SecretName().IsMatch(key))
                    {
                        obj[key] = "***";
                    }
                    else
                    {
                        RedactNode(obj[key]);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    RedactNode(item);
                }

                break;
        }
    }

    public static JsonObject ToJsonObject(IDictionary<string, JsonElement>? arguments)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in arguments ?? new Dictionary<string, JsonElement>())
        {
            obj[key] = JsonNode.Parse(value.GetRawText());
        }

        return obj;
    }
}
