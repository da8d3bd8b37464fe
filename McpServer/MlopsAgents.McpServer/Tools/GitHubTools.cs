using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Requests;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>GitHub Integration: the parts that need no GitHub connection.</summary>
[McpServerToolType]
public sealed class GitHubTools(MlopsContext context)
{
    [McpServerTool(Name = "parse_issue_config", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Parses and validates a training request from a GitHub issue body (a ```yaml block, or the whole body as YAML). Returns the validated request, or every problem with its field path, the bad value and what is allowed.")]
    public JsonObject ParseIssueConfig(
        [Description("The issue body, Markdown with a ```yaml block or plain YAML; at most 64 KiB.")] string issue_body)
    {
        var parsed = TrainingRequestParser.Parse(issue_body, new RequestParseOptions { DataRoot = context.DataRoot });
        return new JsonObject
        {
            ["valid"] = parsed.IsValid,
            ["request"] = parsed.Request is null ? null : JsonSerializer.SerializeToNode(parsed.Request, ToolJson.Options),
            ["errors"] = new JsonArray([.. parsed.Errors.Select(e => (JsonNode?)new JsonObject
            {
                ["path"] = e.Path,
                ["value"] = e.Value,
                ["message"] = e.Message,
                ["text"] = e.ToString(),
            })]),
        };
    }
}
