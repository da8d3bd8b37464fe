using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Workflow.StateMachine;

/// <summary>The execution input of the training workflow; built by <see cref="WorkflowExecutionInput"/>, which the MCP server shares.</summary>
public static class WorkflowInput
{
    /// <summary>
    /// <c>{"request": {…}, "request_text": "…", "config": {"max_retry": N}, "retry": {"count": 0}}</c> plus
    /// <paramref name="extra"/> fields (the issue, for issue-driven runs).
    /// </summary>
    public static JsonObject Build(TrainingRequest request, string requestText, JsonObject? extra = null) =>
        WorkflowExecutionInput.Build(request, requestText, extra);
}
