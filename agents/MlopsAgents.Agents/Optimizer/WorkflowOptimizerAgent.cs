using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Explainer;
using MlopsAgents.Agents.Prompts;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tools;

namespace MlopsAgents.Agents.Optimizer;

/// <summary>A value the model would set differently from the rules; shown to people, never applied.</summary>
public sealed record OptimizerSuggestion(string Path, string Value, string Reason);

/// <summary>The Workflow Optimizer's output: the deterministic proposal JSON (unchanged) and the comment.</summary>
public sealed record OptimizerResult(
    JsonObject? Proposal,
    string Comment,
    string? Summary,
    IReadOnlyList<OptimizerSuggestion> Suggestions,
    bool UsedModel,
    string? FallbackReason,
    string? Error,
    IReadOnlyList<ToolCallRecord> ToolCalls);

/// <summary>
/// The Workflow Optimizer agent. The proposal (characteristics, rules, impact from run history) comes from the MCP tool
/// generate_optimization_proposal, which runs the deterministic optimizer; the model only words a summary. Numbers in
/// the summary must match the proposal, and values the model would change are listed as suggestions, never applied.
/// </summary>
public sealed class WorkflowOptimizerAgent(AgentContext context)
{
    public const string Name = "workflow_optimizer";
    public const string ProposalTool = "generate_optimization_proposal";

    public async Task<OptimizerResult> RunAsync(string requestBody, CancellationToken cancellationToken)
    {
        var result = await RunCoreAsync(requestBody, cancellationToken).ConfigureAwait(false);
        context.LogOutcome(Name, result.UsedModel, result.ToolCalls, result.FallbackReason);
        return result;
    }

    private async Task<OptimizerResult> RunCoreAsync(string requestBody, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestBody);
        var outcome = await ToolResults.CallAsync(context.Tools, ProposalTool, new Dictionary<string, object?> { ["request"] = requestBody }, cancellationToken).ConfigureAwait(false);
        if (outcome.Json is null)
        {
            var error = $"The optimization proposal could not be made: {outcome.Error}";
            return new OptimizerResult(null, error, null, [], false, null, outcome.Error, []);
        }

        var proposal = outcome.Json;
        var markdown = proposal["markdown"]?.ToString() ?? "";
        if (context.Provider is null)
        {
            return new OptimizerResult(proposal, markdown, null, [], false, null, null, []);
        }

        AgentKernel? kernel = null;
        try
        {
            kernel = await context.KernelAsync(Name, ToolAllowLists.WorkflowOptimizer, cancellationToken).ConfigureAwait(false);
            var forModel = (JsonObject)proposal.DeepClone();
            forModel.Remove("markdown");
            var messages = new List<ChatMessage>
            {
                new(ChatRole.System, context.Prompts.Render(PromptCatalog.WorkflowOptimizer, new Dictionary<string, string> { ["proposal"] = forModel.ToJsonString() })),
                new(ChatRole.User, Untrusted.Wrap("request", requestBody)),
            };
            var response = await kernel.AskAsync(messages, cancellationToken).ConfigureAwait(false);
            context.LogModelText(Name, response.Text);
            var json = Untrusted.ParseJsonObject(response.Text, out var jsonError);
            if (json is null)
            {
                return new OptimizerResult(proposal, markdown, null, [], false, $"the model's reply was not the JSON asked for ({jsonError}); the rules' comment is used", null, kernel.Log.Records);
            }

            var summary = Untrusted.String(json, "summary")?.Trim();
            string? note = null;
            if (summary is { Length: > 0 } && NumberFaithfulness.Check(summary, forModel) is { IsFaithful: false } report)
            {
                note = $"the model's summary had numbers not in the proposal ({string.Join(", ", report.Unmatched)}), so it is left out";
                summary = null;
            }

            var suggestions = Suggestions(json, forModel);
            return new OptimizerResult(proposal, Compose(summary, markdown, suggestions), summary, suggestions, summary is not null, note, null, kernel.Log.Records);
        }
        catch (LlmUnavailableException ex)
        {
            return new OptimizerResult(proposal, markdown, null, [], false, AgentContext.FallbackNote(ex), null, kernel?.Log.Records ?? []);
        }
    }

    /// <summary>The model's suggested values that differ from every config patch of the proposal.</summary>
    private static List<OptimizerSuggestion> Suggestions(JsonObject json, JsonObject proposal)
    {
        var proposed = (proposal["phases"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .SelectMany(p => (p["optimizations"] as JsonArray ?? []).OfType<JsonObject>())
            .SelectMany(o => (o["config_patch"] as JsonObject ?? []).Select(kv => (kv.Key, Value: kv.Value?.ToJsonString() ?? "null")))
            .ToHashSet();
        return json["suggestions"] is JsonArray items
            ? [.. items.OfType<JsonObject>()
                .Select(s => (Path: Untrusted.String(s, "path") ?? "", Value: s["value"]?.ToJsonString() ?? "null", Reason: Untrusted.String(s, "reason") ?? ""))
                .Where(s => s.Path.Length > 0 && !proposed.Contains((s.Path, s.Value)))
                .Select(s => new OptimizerSuggestion(s.Path, s.Value, s.Reason))]
            : [];
    }

    private static string Compose(string? summary, string markdown, IReadOnlyList<OptimizerSuggestion> suggestions)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (summary is not null)
        {
            sb.AppendLine(summary);
            sb.AppendLine();
        }

        sb.Append(markdown.TrimEnd());
        if (suggestions.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine();
            sb.AppendLine("### Suggestions outside the rules (not applied)");
            sb.AppendLine();
            sb.AppendLine("The assistant would set these differently from the proposal. They are not part of it; edit the request to use one.");
            sb.AppendLine();
            foreach (var s in suggestions)
            {
                sb.AppendLine(inv, $"- `{s.Path}: {s.Value}`{(s.Reason.Length > 0 ? " — " + s.Reason : "")}");
            }
        }

        return sb.ToString().TrimEnd();
    }
}
