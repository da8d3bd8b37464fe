using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Prompts;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tools;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Reinforcement;
using MlopsAgents.Plugins.Training.Search;
using MlopsAgents.Plugins.Training.Unsupervised;

namespace MlopsAgents.Agents.Intake;

/// <summary>
/// The Intake agent (the design's Issue Detector): issue in, a request that passes <see cref="TrainingRequestParser"/>
/// out. A YAML request is validated as written, with no model. Plain language goes to the model; whatever it writes is
/// validated again, and repaired at most <see cref="LlmProviderOptions.MaxRepairs"/> times from the validator's own
/// messages before the agent asks the requester, naming the exact problems.
/// </summary>
public sealed partial class IntakeAgent(AgentContext context)
{
    public const string Name = "intake";

    public async Task<IntakeResult> RunAsync(string issueBody, CancellationToken cancellationToken)
    {
        var result = await RunCoreAsync(issueBody, cancellationToken).ConfigureAwait(false);
        context.LogOutcome(Name, result.UsedModel, result.ToolCalls, result.FallbackReason);
        return result;
    }

    private async Task<IntakeResult> RunCoreAsync(string issueBody, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issueBody);
        var parsed = TrainingRequestParser.Parse(issueBody, context.ParseOptions);
        if (parsed.IsValid)
        {
            return Accepted(parsed.Request!, YamlOf(issueBody), [], usedModel: false, null, 0, []);
        }

        // A request written as YAML is the requester's own words: report its problems instead of letting a model rewrite it.
        var writtenAsYaml = YamlFence().IsMatch(issueBody) || LooksLikeYamlRequest(parsed);
        if (writtenAsYaml || context.Provider is null)
        {
            return Clarify(Problems(parsed.Errors), writtenAsYaml ? null : context.NoModelNote, usedModel: false, null, 0, []);
        }

        try
        {
            return await WithModelAsync(issueBody, cancellationToken).ConfigureAwait(false);
        }
        catch (LlmUnavailableException ex)
        {
            var note = AgentContext.FallbackNote(ex);
            return Clarify(Problems(parsed.Errors), note, usedModel: false, ex.Message, 0, []);
        }
    }

    private async Task<IntakeResult> WithModelAsync(string issueBody, CancellationToken cancellationToken)
    {
        var kernel = await context.KernelAsync(Name, ToolAllowLists.Intake, cancellationToken).ConfigureAwait(false);
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, context.Prompts.Render(PromptCatalog.Intake, new Dictionary<string, string> { ["fields"] = FieldGuide() })),
            new(ChatRole.User, Untrusted.Wrap("issue", issueBody)),
        };
        IReadOnlyList<string> problems = [];
        for (var attempt = 0; attempt <= context.Options.MaxRepairs; attempt++)
        {
            var response = await kernel.AskAsync(messages, cancellationToken).ConfigureAwait(false);
            var reply = response.Text;
            context.LogModelText(Name, reply);
            var json = Untrusted.ParseJsonObject(reply, out var jsonError);
            var yaml = json is null ? null : Untrusted.String(json, "request_yaml");
            var missing = json?["missing"] is JsonArray m ? m.Select(x => x?.ToString() ?? "").Where(x => x.Length > 0).ToList() : [];
            if (json is null || yaml is null)
            {
                problems = [jsonError ?? "the reply has no \"request_yaml\" string"];
            }
            else
            {
                var parsed = TrainingRequestParser.Parse(yaml, context.ParseOptions);
                if (parsed.IsValid && missing.Count == 0)
                {
                    return Accepted(parsed.Request!, yaml.Trim(), Assumptions(json), usedModel: true, null, attempt, kernel.Log.Records);
                }

                problems = [.. Problems(parsed.Errors), .. missing.Select(f => $"{f}: the issue does not say; please add it")];
                if (missing.Count > 0)
                {
                    // Repairing cannot supply what the requester never wrote; ask now rather than spend tokens.
                    return Clarify(problems.Distinct().ToList(), null, usedModel: true, null, attempt, kernel.Log.Records);
                }
            }

            AgentLog.Repair(context.Logger, attempt + 1, problems.Count);
            messages.Add(new ChatMessage(ChatRole.Assistant, reply));
            messages.Add(new ChatMessage(ChatRole.User,
                "The validator rejected that reply. Fix exactly these problems and answer again with the same JSON object:\n- " + string.Join("\n- ", problems)));
        }

        return Clarify(problems, null, usedModel: true, null, context.Options.MaxRepairs, kernel.Log.Records);
    }

    /// <summary>The request fields and their allowed values, for the prompt; built from the same constants the validator uses.</summary>
    public static string FieldGuide()
    {
        static string L(IEnumerable<string> values) => string.Join(" | ", values);
        var sb = new StringBuilder();
        sb.AppendLine("- dataset_id: a registered dataset id, e.g. dataset-bc-001 (required unless learning_type is reinforcement)");
        sb.AppendLine("- target: the column to predict");
        sb.AppendLine("- learning_type: " + L(LearningTypes.All));
        sb.AppendLine("- task_type (required): " + L(TaskTypes.ByLearningType.SelectMany(kv => kv.Value)));
        sb.AppendLine("- algorithm (required): " + string.Join("; ", AlgorithmCatalog.All.Concat(UnsupervisedAlgorithms.Specs).Select(a => $"{a.Name} ({string.Join("/", a.Tasks)})"))
                      + $"; {ReinforcementAlgorithms.Ppo} | {ReinforcementAlgorithms.Dqn} | {ReinforcementAlgorithms.A3c} (control)");
        sb.AppendLine("- environment (reinforcement only, instead of a dataset): " + L(ReinforcementAlgorithms.Environments));
        sb.AppendLine("- primary_metric: classification " + L(Metrics.Classification) + "; regression " + L(Metrics.Regression));
        sb.AppendLine("- evaluation_threshold: a number, the Judge's bar for primary_metric (e.g. 0.85)");
        sb.AppendLine("- deployment_strategy: " + L(DeploymentStrategies.All));
        sb.AppendLine("- model_name: lowercase letters, digits and dashes");
        sb.AppendLine("- monitoring_enabled, auto_retrain_enabled: true | false; retrain_triggers: list of " + L(RetrainTriggers.All));
        sb.AppendLine("- data_preprocessing: {handle_missing: " + L(MissingValueStrategies.All) + ", normalize: bool, standardize: bool, encode_categorical: " + L(CategoricalEncodings.All) +
                      ", class_imbalance: " + L(ImbalanceStrategies.All) + ", outlier_removal: " + L(OutlierStrategies.All) + "}");
        sb.AppendLine("- hpo: {method: " + L(SearchMethods.All) + ", max_trials: int}");
        sb.AppendLine("- test_size: number in (0, 1); random_seed: int");
        sb.Append("- workflow_optimization: {enabled: bool, performance_profile: " + L(PerformanceProfiles.All) + "}");
        return sb.ToString();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[ \t]*```[ \t]*(yaml|yml)[ \t]*\r?\n(?<yaml>.*?)^[ \t]*```", System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.Singleline | System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex YamlFence();

    private static string YamlOf(string body) => YamlFence().Match(body) is { Success: true } m ? m.Groups["yaml"].Value.Trim() : body.Trim();

    private static bool LooksLikeYamlRequest(RequestParseResult parsed) =>
        // The parser reaches field-level errors only when the body was a YAML mapping with request fields.
        parsed.Errors.Any(e => e.Path != "body");

    private static List<string> Problems(IEnumerable<RequestError> errors) => [.. errors.Select(e => e.ToString())];

    private static List<IntakeAssumption> Assumptions(JsonObject json) =>
        json["assumptions"] is JsonArray items
            ? [.. items.OfType<JsonObject>()
                .Select(a => new IntakeAssumption(Untrusted.String(a, "field") ?? "", a["value"]?.ToString() ?? "", Untrusted.String(a, "reason") ?? ""))
                .Where(a => a.Field.Length > 0)]
            : [];

    private static IntakeResult Accepted(TrainingRequest request, string yaml, IReadOnlyList<IntakeAssumption> assumptions, bool usedModel, string? fallback, int repairs, IReadOnlyList<ToolCallRecord> calls)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("### Training request accepted");
        sb.AppendLine();
        sb.AppendLine(usedModel ? "I read your issue as this request, and it passes the validator:" : "Your request passes the validator:");
        sb.AppendLine();
        sb.AppendLine("```yaml");
        sb.AppendLine(yaml);
        sb.AppendLine("```");
        if (assumptions.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("**Assumptions** (fields I inferred; edit the issue to change any of them):");
            sb.AppendLine();
            foreach (var a in assumptions)
            {
                sb.AppendLine(inv, $"- `{a.Field}: {a.Value}`{(a.Reason.Length > 0 ? " — " + a.Reason : "")}");
            }
        }

        return new IntakeResult(IntakeOutcome.Accepted, request, yaml, assumptions, [], sb.ToString().TrimEnd(), usedModel, fallback, repairs, calls);
    }

    private static IntakeResult Clarify(IReadOnlyList<string> problems, string? note, bool usedModel, string? fallback, int repairs, IReadOnlyList<ToolCallRecord> calls)
    {
        var sb = new StringBuilder();
        sb.AppendLine("### I need a little more to start training");
        sb.AppendLine();
        if (!string.IsNullOrEmpty(note))
        {
            sb.AppendLine(note);
            sb.AppendLine();
        }

        sb.AppendLine("The request does not pass the validator yet:");
        sb.AppendLine();
        foreach (var problem in problems)
        {
            sb.AppendLine("- " + problem);
        }

        sb.AppendLine();
        sb.Append("Please edit the issue with a ```yaml block, e.g. `dataset_id: dataset-bc-001`, `task_type: classification`, `algorithm: xgboost`.");
        return new IntakeResult(IntakeOutcome.NeedsClarification, null, null, [], problems, sb.ToString(), usedModel, fallback, repairs, calls);
    }
}
