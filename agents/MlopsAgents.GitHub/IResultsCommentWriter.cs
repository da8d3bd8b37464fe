using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MlopsAgents.GitHub;

/// <summary>Writes the results comment a finished run posts on its issue. The default is a fixed template; the Explainer agent plugs in here.</summary>
public interface IResultsCommentWriter
{
    /// <param name="context">The execution's state at notify_success: request, evaluation, judge, package.</param>
    Task<string> WriteAsync(string executionId, JsonNode? context, CancellationToken cancellationToken);
}

/// <summary>Words the optimization proposal a run asks approval for. The default is the optimizer's own Markdown; the Workflow Optimizer agent plugs in here.</summary>
public interface IProposalWriter
{
    /// <param name="context">The execution's state at request_approval: request_text and optimization (with proposal_markdown).</param>
    Task<string> WriteAsync(JsonNode? context, CancellationToken cancellationToken);
}

/// <summary>The proposal as the deterministic optimizer wrote it.</summary>
public sealed class OptimizerMarkdownProposalWriter : IProposalWriter
{
    public Task<string> WriteAsync(JsonNode? context, CancellationToken cancellationToken) => Task.FromResult(Markdown(context));

    public static string Markdown(JsonNode? context) =>
        context?["optimization"]?["proposal_markdown"]?.GetValue<string>() ?? "The optimizer proposed no changes; the request runs as written.";
}

/// <summary>The results comment without an LLM: model, Judge verdict and the metrics table.</summary>
public sealed class TemplateResultsCommentWriter : IResultsCommentWriter
{
    public Task<string> WriteAsync(string executionId, JsonNode? context, CancellationToken cancellationToken)
    {
        var text = new StringBuilder("### ✅ Training complete\n\n");
        if (context?["package"] is JsonObject package)
        {
            text.Append(CultureInfo.InvariantCulture, $"**Model:** `{package["model_name"]?.ToString() ?? package["name"]?.ToString()}` version `{package["version"]}`\n\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"**Judge:** {context?["judge"]?["decision"]} — {IssueTaskInvoker.Reason(context)}\n\n");
        if (context?["evaluation"]?["metrics"] is JsonObject metrics)
        {
            text.Append("| metric | value |\n|---|---|\n");
            foreach (var (name, value) in metrics)
            {
                text.Append(CultureInfo.InvariantCulture, $"| {name} | {value?.ToJsonString()} |\n");
            }
        }

        return Task.FromResult(text.ToString());
    }
}
