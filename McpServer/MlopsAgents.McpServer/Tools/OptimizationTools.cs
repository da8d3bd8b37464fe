using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Optimization;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>Workflow optimization: the deterministic characteristics, proposal rules and impact estimates from this store's history.</summary>
[McpServerToolType]
public sealed class OptimizationTools(MlopsContext context)
{
    [McpServerTool(Name = "analyze_model_characteristics", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Analyses a training request and its data: learning type, task, dataset size class (under 10,000 / 10,000–100,000 / over 100,000 rows), feature count, class-imbalance ratio, missing and outlier shares, sensitive-looking columns, and similar past runs from this store.")]
    public Task<JsonObject> AnalyzeModelCharacteristics(
        [Description("The training request: an issue body with a ```yaml block, or plain YAML or JSON.")] string request,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var (r, characteristics, _) = await AnalyzeAsync(request, cancellationToken).ConfigureAwait(false);
        var result = JsonSerializer.SerializeToNode(characteristics, OptimizationProposal.JsonOptions)!.AsObject();
        result["algorithm"] ??= r.Algorithm;
        return result;
    });

    [McpServerTool(Name = "generate_optimization_proposal", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Produces the optimization proposal for a training request: optimizations for phases 1–7 with config patches and reasons, the performance profile, and the estimated impact from this store's run history (or 'not enough history'), as JSON plus the Markdown comment for the issue. Writes nothing.")]
    public Task<JsonObject> GenerateOptimizationProposal(
        [Description("The training request: an issue body with a ```yaml block, or plain YAML or JSON.")] string request,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var (r, characteristics, history) = await AnalyzeAsync(request, cancellationToken).ConfigureAwait(false);
        var proposal = WorkflowOptimizer.Propose(r, characteristics, history);
        var result = JsonNode.Parse(proposal.ToJson())!.AsObject();
        result["markdown"] = ProposalMarkdown.Render(proposal);
        return result;
    });

    [McpServerTool(Name = "estimate_optimization_impact", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Estimates one proposed optimization's effect on the primary metric and the run time from this store's own past runs with and without it; says 'not enough history' with the counts rather than inventing a figure.")]
    public Task<JsonObject> EstimateOptimizationImpact(
        [Description("The training request: an issue body with a ```yaml block, or plain YAML or JSON.")] string request,
        [Description("The id of an optimization from generate_optimization_proposal.")] string optimization_id,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var (r, characteristics, history) = await AnalyzeAsync(request, cancellationToken).ConfigureAwait(false);
        var proposal = WorkflowOptimizer.Propose(r, characteristics, history);
        var optimizations = proposal.Phases.SelectMany(p => p.Optimizations).ToList();
        var chosen = optimizations.FirstOrDefault(o => o.Id == optimization_id)
            ?? throw ToolErrors.Invalid("optimization_id", optimization_id, "an id from the proposal: " + string.Join(", ", optimizations.Select(o => o.Id)));
        return JsonSerializer.SerializeToNode(ImpactEstimator.Estimate(chosen, r, history), OptimizationProposal.JsonOptions)!.AsObject();
    });

    [McpServerTool(Name = "apply_optimization_to_config", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Returns the training request with the accepted optimizations' config patches applied (only the fields they name), re-validated by the request parser. Writes nothing; the caller runs the returned request.")]
    public Task<JsonObject> ApplyOptimizationToConfig(
        [Description("The training request: an issue body with a ```yaml block, or plain YAML or JSON.")] string request,
        [Description("Ids of the accepted optimizations.")] string[] accepted_ids,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var (r, characteristics, history) = await AnalyzeAsync(request, cancellationToken).ConfigureAwait(false);
        var proposal = WorkflowOptimizer.Propose(r, characteristics, history);
        var patched = RequestPatcher.ApplyToRequest(r, proposal, accepted_ids);
        if (patched.Request is null)
        {
            throw new ModelContextProtocol.McpException(string.Join("\n", patched.Errors));
        }

        return new JsonObject
        {
            ["applied"] = new JsonArray([.. accepted_ids.Select(id => (JsonNode?)id)]),
            ["request"] = JsonSerializer.SerializeToNode(patched.Request, ToolJson.Options),
        };
    });

    [McpServerTool(Name = "track_optimization_history", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Records a proposal and the decision on it (approved with the accepted ids, or rejected) under optimizations/{optimization_id}/ in the store, so later proposals and impact estimates can learn from it.")]
    public Task<JsonObject> TrackOptimizationHistory(
        [Description("The training request the proposal was made for.")] string request,
        [Description("approved or rejected.")] string decision,
        [Description("Ids of the accepted optimizations (for approved).")] string[]? accepted_ids = null,
        [Description("When true, report what would be recorded, without writing.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        if (decision is not ("approved" or "rejected"))
        {
            throw ToolErrors.Invalid("decision", decision, "approved or rejected");
        }

        var (r, characteristics, history) = await AnalyzeAsync(request, cancellationToken).ConfigureAwait(false);
        var proposal = WorkflowOptimizer.Propose(r, characteristics, history);
        var id = $"opt-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var record = new JsonObject
        {
            ["optimization_id"] = id,
            ["decision"] = decision,
            ["accepted_ids"] = new JsonArray([.. (accepted_ids ?? []).Select(a => (JsonNode?)a)]),
            ["recorded_at"] = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["proposal"] = JsonNode.Parse(proposal.ToJson()),
        };
        if (!dry_run)
        {
            var stored = await context.PutTextAsync(null, "optimization", ArtifactKeys.Optimization(id, "proposal.json"), record.ToJsonString(OptimizationProposal.JsonOptions), cancellationToken).ConfigureAwait(false);
            record["location"] = stored.Location;
        }
        else
        {
            record["dry_run"] = true;
        }

        return record;
    });

    private async Task<(TrainingRequest Request, ModelCharacteristics Characteristics, RunHistory History)> AnalyzeAsync(string body, CancellationToken ct)
    {
        var parsed = TrainingRequestParser.Parse(body, new RequestParseOptions { DataRoot = context.DataRoot });
        if (!parsed.IsValid)
        {
            throw new RequestValidationException(parsed.Errors);
        }

        var request = parsed.Request!;
        DataSummary? data = null;
        if (request.LearningType != LearningTypes.Reinforcement)
        {
            var (dataset, frame, target) = await new PreparationService(context).LoadAndCheckAsync(request, ct).ConfigureAwait(false);
            var report = DataQualityReport.Build(dataset.DatasetId, dataset.Version, frame, target ?? "", request.TaskType == TaskTypes.Classification);
            data = DataSummary.FromReport(report, request);
        }

        var history = RunHistory.FromRegistry(context.Registry, request.ModelName);
        return (request, ModelCharacteristics.Analyze(request, data, history), history);
    }
}
