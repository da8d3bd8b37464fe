using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Prompts;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tools;
using MlopsAgents.Plugins.Conversation;

namespace MlopsAgents.Agents.Conversation;

/// <summary>What a follow-up comment is.</summary>
public enum CommentIntent
{
    Question,
    Change,
    Command,
    Other,
}

/// <summary>
/// The Conversation agent's reading of a comment. A command or change is an intent only: the workflow, the Judge and
/// the commenter's permission check act on it (<see cref="RequiresPermission"/>); the agent never does.
/// </summary>
public sealed record ConversationResult(
    CommentIntent Intent,
    string Reply,
    CommentCommand? Command,
    IReadOnlyDictionary<string, object?> Patch,
    RequestPatchResult? PatchedRequest,
    bool UsedModel,
    string? FallbackReason,
    IReadOnlyList<ToolCallRecord> ToolCalls)
{
    public bool RequiresPermission => Command?.ChangesState == true || (Intent == CommentIntent.Change && Patch.Count > 0);
}

/// <summary>
/// Handles follow-up comments: slash commands through <see cref="CommentCommandParser"/> (always deterministic), and
/// questions and changes through the model when there is one, else through <see cref="ChangeRules"/>. A change is
/// applied to a copy of the request and validated; nothing runs.
/// </summary>
public sealed class ConversationAgent(AgentContext context)
{
    public const string Name = "conversation";

    /// <param name="requestYaml">The issue's current request, to validate a change against; null when there is none yet.</param>
    /// <param name="contextText">The latest results or status, for answering questions; data, not instructions.</param>
    public async Task<ConversationResult> RunAsync(string comment, string? requestYaml, string? contextText, CancellationToken cancellationToken)
    {
        var result = await RunCoreAsync(comment, requestYaml, contextText, cancellationToken).ConfigureAwait(false);
        context.LogOutcome(Name, result.UsedModel, result.ToolCalls, result.FallbackReason);
        return result;
    }

    private async Task<ConversationResult> RunCoreAsync(string comment, string? requestYaml, string? contextText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(comment);
        var parsed = CommentCommandParser.Parse(comment);
        if (parsed.IsCommand)
        {
            return FromCommand(parsed.Command!, usedModel: false, null, []);
        }

        if (parsed.IsError)
        {
            return new ConversationResult(CommentIntent.Command, parsed.Error!, null, Empty, null, false, null, []);
        }

        if (context.Provider is null)
        {
            return Deterministic(comment, requestYaml, context.NoModelNote, null);
        }

        AgentKernel? kernel = null;
        try
        {
            kernel = await context.KernelAsync(Name, ToolAllowLists.Conversation, cancellationToken).ConfigureAwait(false);
            var messages = new List<ChatMessage>
            {
                new(ChatRole.System, context.Prompts.Render(PromptCatalog.Conversation, new Dictionary<string, string>
                {
                    ["paths"] = string.Join(", ", RequestYamlPatch.AllowedPaths) + ", hyperparameters.<name>",
                    ["context"] = Untrusted.Wrap("context", $"request:\n{requestYaml ?? "(none yet)"}\n\nlatest:\n{contextText ?? "(nothing yet)"}"),
                })),
                new(ChatRole.User, Untrusted.Wrap("comment", comment)),
            };
            var response = await kernel.AskAsync(messages, cancellationToken).ConfigureAwait(false);
            context.LogModelText(Name, response.Text);
            return FromModel(response.Text, requestYaml, contextText, kernel.Log.Records)
                ?? Deterministic(comment, requestYaml, "The model's reply was not the JSON asked for, so the deterministic rules read this comment.", "the model's reply was not valid JSON") with { ToolCalls = kernel.Log.Records };
        }
        catch (LlmUnavailableException ex)
        {
            return Deterministic(comment, requestYaml, AgentContext.FallbackNote(ex), ex.Message) with { ToolCalls = kernel?.Log.Records ?? [] };
        }
    }

    private static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();

    private ConversationResult? FromModel(string reply, string? requestYaml, string? contextText, IReadOnlyList<ToolCallRecord> calls)
    {
        var json = Untrusted.ParseJsonObject(reply, out _);
        if (json is null || !Enum.TryParse<CommentIntent>(Untrusted.String(json, "intent"), ignoreCase: true, out var intent) || !Enum.IsDefined(intent))
        {
            return null;
        }

        var text = Untrusted.String(json, "reply") ?? "";
        switch (intent)
        {
            case CommentIntent.Command:
                // The model's command goes through the same parser as a typed one; a wrong one is refused, not guessed.
                var command = CommentCommandParser.Parse(Untrusted.String(json, "command"));
                return command.IsCommand
                    ? FromCommand(command.Command!, usedModel: true, null, calls)
                    : new ConversationResult(CommentIntent.Other, "I could not tell which command you mean. " + Commands(), null, Empty, null, true, null, calls);
            case CommentIntent.Change:
                var patch = json["patch"] is JsonObject p ? p.ToDictionary(kv => kv.Key, kv => Value(kv.Value), StringComparer.Ordinal) : [];
                return FromChange(patch, requestYaml, text, usedModel: true, null, calls);
            default:
                // An answer may only quote numbers the request or the context holds, as the Explainer's may.
                var facts = new JsonObject { ["request"] = requestYaml ?? "", ["context"] = contextText ?? "" };
                if (text.Length > 0 && Explainer.NumberFaithfulness.Check(text, facts) is { IsFaithful: false } report)
                {
                    return new ConversationResult(intent, $"I could not answer with numbers I can verify ({string.Join(", ", report.Unmatched)} appear in no result). `/status` shows the workflow's state and the results comment lists the metrics.",
                        null, Empty, null, false, "the model's answer quoted numbers not in the context", calls);
                }

                return new ConversationResult(intent, text.Length > 0 ? text : Commands(), null, Empty, null, true, null, calls);
        }
    }

    private ConversationResult Deterministic(string comment, string? requestYaml, string note, string? fallback)
    {
        var patch = ChangeRules.ReadChanges(comment);
        if (ChangeRules.IsQuestion(comment))
        {
            var reply = $"{note} I can only answer questions in words with an LLM provider; meanwhile `/status` shows the workflow's state and the results comment lists the metrics.".Trim();
            return new ConversationResult(CommentIntent.Question, reply, null, Empty, null, false, fallback, []);
        }

        if (patch.Count > 0)
        {
            return FromChange(patch, requestYaml, note, usedModel: false, fallback, []);
        }

        return new ConversationResult(CommentIntent.Other, $"{note} I found no command or change in this comment. {Commands()}".Trim(), null, Empty, null, false, fallback, []);
    }

    private ConversationResult FromChange(IReadOnlyDictionary<string, object?> patch, string? requestYaml, string lead, bool usedModel, string? fallback, IReadOnlyList<ToolCallRecord> calls)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (lead.Length > 0)
        {
            sb.AppendLine(lead);
            sb.AppendLine();
        }

        if (patch.Count == 0)
        {
            sb.Append("I could not tell which field to change. " + Commands());
            return new ConversationResult(CommentIntent.Change, sb.ToString(), null, Empty, null, usedModel, fallback, calls);
        }

        sb.AppendLine("Requested change: " + string.Join(", ", patch.Select(kv => string.Create(inv, $"`{kv.Key}: {Show(kv.Value)}`"))) + ".");
        RequestPatchResult? patched = null;
        if (requestYaml is not null)
        {
            patched = RequestYamlPatch.Apply(requestYaml, patch, context.ParseOptions);
            if (patched.Succeeded)
            {
                foreach (var assumption in patched.Assumptions)
                {
                    sb.AppendLine("Assumption: " + assumption + ".");
                }

                sb.Append("The changed request passes the validator. It runs after the workflow's permission check: comment `/retrain` (or `/approve`) to run it.");
            }
            else
            {
                sb.AppendLine("The changed request does not pass the validator, so nothing changes:");
                foreach (var error in patched.Errors)
                {
                    sb.AppendLine("- " + error);
                }
            }
        }
        else
        {
            var refused = patch.Keys.Where(k => !RequestYamlPatch.IsAllowed(k)).ToList();
            sb.Append(refused.Count == 0
                ? "There is no request on this issue yet to apply it to."
                : $"These fields cannot be changed from a comment: {string.Join(", ", refused)}.");
        }

        return new ConversationResult(CommentIntent.Change, sb.ToString().TrimEnd(), null, patch, patched, usedModel, fallback, calls);
    }

    private static ConversationResult FromCommand(CommentCommand command, bool usedModel, string? fallback, IReadOnlyList<ToolCallRecord> calls)
    {
        var reply = command.ChangesState
            ? $"Received `{command}`. It changes state, so the workflow checks your permission (and the Judge's verdict) before acting; this agent does not act on it."
            : $"Received `{command}`; the workflow replies with the current state.";
        return new ConversationResult(CommentIntent.Command, reply, command, Empty, null, usedModel, fallback, calls);
    }

    private static string Commands() => "Commands: " + string.Join(", ", CommentCommandParser.Allowed) + "; or ask for a change, e.g. \"use bayesian search with 30 trials\".";

    private static object? Value(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        null => null,
        _ => node.ToJsonString(),
    };

    private static string Show(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
