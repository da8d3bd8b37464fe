using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Prompts;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tools;

namespace MlopsAgents.Agents.Explainer;

/// <summary>The Explainer's output: the results comment, the history narrative, and whether the model's text was used.</summary>
public sealed record ExplainerResult(
    string Comment,
    string Narrative,
    bool UsedModel,
    string? FallbackReason,
    IReadOnlyList<string> UnmatchedNumbers,
    IReadOnlyList<ToolCallRecord> ToolCalls);

/// <summary>
/// The Explainer: writes the results comment and history narrative from results.json. The model's text is used only
/// when every number in it matches the results (<see cref="NumberFaithfulness"/>); otherwise the template is.
/// </summary>
public sealed class ExplainerAgent(AgentContext context)
{
    public const string Name = "explainer";

    public async Task<ExplainerResult> RunAsync(string resultsJson, string audience, CancellationToken cancellationToken)
    {
        var result = await RunCoreAsync(resultsJson, audience, cancellationToken).ConfigureAwait(false);
        context.LogOutcome(Name, result.UsedModel, result.ToolCalls, result.FallbackReason);
        return result;
    }

    private async Task<ExplainerResult> RunCoreAsync(string resultsJson, string audience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resultsJson);
        JsonObject results;
        try
        {
            results = JsonNode.Parse(resultsJson) as JsonObject ?? throw new ArgumentException("results.json must hold a JSON object", nameof(resultsJson));
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("results.json does not parse: " + ex.Message, nameof(resultsJson), ex);
        }

        var template = ResultsTemplate.Comment(results);
        var narrative = ResultsTemplate.Narrative(results);
        if (context.Provider is null)
        {
            return new ExplainerResult(template, narrative, false, null, [], []);
        }

        AgentKernel? kernel = null;
        try
        {
            kernel = await context.KernelAsync(Name, ToolAllowLists.Explainer, cancellationToken).ConfigureAwait(false);
            var messages = new List<ChatMessage>
            {
                new(ChatRole.System, context.Prompts.Render(PromptCatalog.Explainer, new Dictionary<string, string>
                {
                    ["results"] = Compact(results),
                    ["audience"] = string.IsNullOrWhiteSpace(audience) ? "ML engineers" : audience,
                })),
                new(ChatRole.User, "Write the results comment and the narrative now, as the JSON object asked for."),
            };
            var response = await kernel.AskAsync(messages, cancellationToken).ConfigureAwait(false);
            var reply = response.Text.Trim();
            context.LogModelText(Name, reply);

            // The JSON form carries the narrative too; a model that answers with plain Markdown still gets its comment checked.
            var json = Untrusted.ParseJsonObject(reply, out _);
            var text = (json is null ? reply : Untrusted.String(json, "comment") ?? "").Trim();
            var modelNarrative = json is null ? null : Untrusted.String(json, "narrative")?.Trim();
            if (modelNarrative is { Length: > 0 } && NumberFaithfulness.Check(modelNarrative, results).IsFaithful)
            {
                narrative = modelNarrative;
            }

            if (text.Length == 0)
            {
                return new ExplainerResult(template, narrative, false, "the model returned no comment; the template is used", [], kernel.Log.Records);
            }

            var report = NumberFaithfulness.Check(text, results);
            return report.IsFaithful
                ? new ExplainerResult(text, narrative, true, null, [], kernel.Log.Records)
                : new ExplainerResult(template, narrative, false,
                    $"the model's text has numbers not in results.json ({string.Join(", ", report.Unmatched)}); the template is used", report.Unmatched, kernel.Log.Records);
        }
        catch (LlmUnavailableException ex)
        {
            return new ExplainerResult(template, narrative, false, AgentContext.FallbackNote(ex), [], kernel?.Log.Records ?? []);
        }
    }

    // Artifact paths and plots' data add tokens and no facts a reader needs.
    private static string Compact(JsonObject results)
    {
        var copy = (JsonObject)results.DeepClone();
        copy.Remove("artifacts");
        copy.Remove("insights");
        return copy.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
