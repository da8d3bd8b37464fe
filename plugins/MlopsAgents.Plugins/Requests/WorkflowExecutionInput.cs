using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlopsAgents.Plugins.Requests;

/// <summary>
/// The execution input of the training workflow: the parsed request (snake_case), the text as written, retry state.
/// It lives here, beside the request, so the local executor, the CLI and the MCP server's Step Functions tools build
/// the same input without the server depending on the workflow project.
/// </summary>
public static class WorkflowExecutionInput
{
    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// <c>{"request": {…}, "request_text": "…", "config": {"max_retry": N}, "retry": {"count": 0}}</c> plus
    /// <paramref name="extra"/> fields (the issue, for issue-driven runs).
    /// </summary>
    public static JsonObject Build(TrainingRequest request, string requestText, JsonObject? extra = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var input = new JsonObject
        {
            ["request"] = JsonSerializer.SerializeToNode(request, RequestJson),
            ["request_text"] = requestText,
            ["config"] = new JsonObject { ["max_retry"] = request.MaxRetry },
            ["retry"] = new JsonObject { ["count"] = 0 },
        };
        foreach (var (key, value) in extra ?? [])
        {
            input[key] = value?.DeepClone();
        }

        return input;
    }
}
