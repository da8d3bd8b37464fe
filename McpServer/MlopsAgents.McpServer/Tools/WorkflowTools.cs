using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Storage;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>
/// The agent steps the workflow state machine names (…:function:mlops-agent-&lt;step&gt;). Each takes the execution's
/// state as <c>context</c> and returns what lands at the state's ResultPath. Issue-driven runs answer the notify and
/// request steps on the issue instead; these are what an execution with no issue gets.
/// </summary>
[McpServerToolType]
public sealed class WorkflowTools(MlopsContext mlops)
{
    [McpServerTool(Name = "optimize_workflow", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Workflow step OptimizeWorkflow: the optimization proposal for the execution's request (context.request_text), with the Markdown shown for approval.")]
    public async Task<JsonObject> OptimizeWorkflow(
        [Description("The execution state; needs request_text, the training request as written.")] JsonElement context,
        CancellationToken cancellationToken = default)
    {
        var request = Text(context, "request_text") ?? throw ToolErrors.Invalid("context.request_text", null, "the training request as written in the issue");
        var proposal = await new OptimizationTools(mlops).GenerateOptimizationProposal(request, cancellationToken).ConfigureAwait(false);
        return new JsonObject { ["proposal_markdown"] = proposal["markdown"]?.DeepClone(), ["proposal"] = proposal };
    }

    [McpServerTool(Name = "judge_results", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Workflow step JudgeResults: the deterministic Judge's pass / retrain / fail on context.evaluation.metrics against the request's primary metric and evaluation_threshold, given context.retry.count and context.config.max_retry.")]
    public JsonObject JudgeResults(
        [Description("The execution state; needs evaluation.metrics, request, retry.count and config.max_retry.")] JsonElement context) => ToolErrors.Run(() =>
    {
        var state = JsonNode.Parse(context.GetRawText());
        if (state?["evaluation"]?["metrics"] is not JsonObject metricsNode)
        {
            throw ToolErrors.Invalid("context.evaluation.metrics", null, "the metrics object an evaluate_* tool returned");
        }

        var metrics = metricsNode.Where(kv => kv.Value is JsonValue v && v.TryGetValue<double>(out _)).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>());
        var request = state["request"];
        var metric = request?["primary_metric"]?.GetValue<string>() ?? (request?["task_type"]?.GetValue<string>() == "regression" ? "r2" : "f1_score");
        var threshold = request?["evaluation_threshold"]?.GetValue<double>() ?? Judge.DefaultThresholdFor(metric) ?? Judge.DefaultThreshold;
        var retry = state["retry"]?["count"]?.GetValue<int>() ?? 0;
        var max = state["config"]?["max_retry"]?.GetValue<int>() ?? 0;
        return JsonSerializer.SerializeToNode(Judge.Decide(metrics, metric, threshold, retry, max))!.AsObject();
    });

    [McpServerTool(Name = "start_monitoring", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Workflow step StartMonitoring: records the deployed model version (context.package) under MLOPS_HOME/monitoring/<model>.json with its training data as the drift baseline, for detect_drift and the monitor to pick up.")]
    public async Task<JsonObject> StartMonitoring(
        [Description("The execution state; needs package.name and package.version.")] JsonElement context,
        [Description("When true, report what would be written, without writing.")] bool dry_run = false,
        CancellationToken cancellationToken = default)
    {
        var state = JsonNode.Parse(context.GetRawText());
        var model = state?["package"]?["name"]?.GetValue<string>() ?? throw ToolErrors.Invalid("context.package.name", null, "the model name register_model returned");
        var record = new JsonObject
        {
            ["model_name"] = model,
            ["version"] = state!["package"]!["version"]?.DeepClone(),
            ["baseline_training_id"] = state["package"]!["training_id"]?.DeepClone(),
            ["enabled"] = state["request"]?["monitoring_enabled"]?.GetValue<bool>() ?? true,
            ["retrain_triggers"] = state["request"]?["retrain_triggers"]?.DeepClone(),
        };
        var path = Path.Combine(mlops.Home.Root, "monitoring", model + ".json");
        if (dry_run)
        {
            record["dry_run"] = true;
            record["path"] = path;
            return record;
        }

        await AtomicFile.WriteAllTextAsync(path, record.ToJsonString(ToolJson.Options), cancellationToken).ConfigureAwait(false);
        record["path"] = path;
        return record;
    }

    [McpServerTool(Name = "write_history", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Workflow step WriteHistory: writes the execution's training history (request, attempts, metrics, the Judge's reason, model version and deployment) as Markdown to MLOPS_HOME/training_history/<execution>.md and returns file_name and content, which the issue flow commits to training_history/.")]
    public async Task<JsonObject> WriteHistory(
        [Description("The execution state.")] JsonElement context,
        [Description("The execution id, used as the file name.")] string execution_id,
        [Description("When true, report what would be written, without writing.")] bool dry_run = false,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(execution_id) || execution_id.IndexOfAny(['/', '\\', '.']) >= 0)
        {
            throw ToolErrors.Invalid("execution_id", execution_id, "an execution id without '/', '\\' or '.'");
        }

        var state = JsonNode.Parse(context.GetRawText());
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(inv, $"# Training history: {execution_id}\n\n");
        text.Append(inv, $"- dataset: {state?["request"]?["dataset_id"]}\n- algorithm: {state?["request"]?["algorithm"]}\n");
        text.Append(inv, $"- retrains: {state?["retry"]?["count"]} of at most {state?["config"]?["max_retry"]}\n");
        text.Append(inv, $"- decision: {state?["judge"]?["decision"]} ({state?["judge"]?["reason"]})\n");
        text.Append(inv, $"- model: {state?["package"]?["name"]} {state?["package"]?["version"]}\n");
        text.Append(inv, $"- deployment: {state?["deployment"]?["strategy"]} {state?["deployment"]?["status"]}\n\n## Metrics\n\n| metric | value |\n|---|---|\n");
        foreach (var (name, value) in state?["evaluation"]?["metrics"] as JsonObject ?? [])
        {
            text.Append(inv, $"| {name} | {value?.ToJsonString()} |\n");
        }

        var fileName = execution_id + ".md";
        var path = Path.Combine(mlops.Home.TrainingHistoryDirectory, fileName);
        if (!dry_run)
        {
            await AtomicFile.WriteAllTextAsync(path, text.ToString(), cancellationToken).ConfigureAwait(false);
        }

        return new JsonObject { ["file_name"] = fileName, ["path"] = path, ["content"] = text.ToString(), ["dry_run"] = dry_run };
    }

    [McpServerTool(Name = "rollback_deployment", ReadOnly = false, Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Workflow step RollbackModel: when this execution registered a version (context.package), makes the previous version champion and deploys it; when it registered nothing, there is nothing to undo and it says so.")]
    public JsonObject RollbackDeployment(
        [Description("The execution state; package.name is set when this execution registered a version.")] JsonElement context,
        [Description("When true, report what would be rolled back, without changing anything.")] bool dry_run = false) => ToolErrors.Run(() =>
    {
        var state = JsonNode.Parse(context.GetRawText());
        if (state?["package"]?["name"]?.GetValue<string>() is not { } model)
        {
            return new JsonObject { ["rolled_back"] = false, ["reason"] = "this execution registered no model version, so nothing was deployed to undo" };
        }

        var service = new RollbackService(mlops);
        var plan = service.Plan(model, toVersion: null);
        if (dry_run)
        {
            return new JsonObject { ["dry_run"] = true, ["model_name"] = model, ["from_version"] = plan.FromVersion, ["to_version"] = plan.ToVersion };
        }

        var deployment = service.Execute(plan);
        return new JsonObject
        {
            ["rolled_back"] = true,
            ["model_name"] = model,
            ["from_version"] = plan.FromVersion,
            ["to_version"] = plan.ToVersion,
            ["deployment"] = ToolJson.ToObject(deployment),
        };
    });

    [McpServerTool(Name = "notify_success", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Workflow step NotifySuccess: appends the success notice to MLOPS_HOME/notifications.jsonl.")]
    public Task<JsonObject> NotifySuccess(
        [Description("The execution state.")] JsonElement context,
        [Description("The execution id.")] string execution_id,
        [Description("When true, report what would be written, without writing.")] bool dry_run = false) =>
        NotifyAsync(dry_run, "success", execution_id, $"Model {Field(context, "package", "name")} {Field(context, "package", "version")} is deployed.");

    [McpServerTool(Name = "notify_operator", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Workflow step NotifyOperator: appends the retrain notice (the Judge's reason) to MLOPS_HOME/notifications.jsonl.")]
    public Task<JsonObject> NotifyOperator(
        [Description("The execution state.")] JsonElement context,
        [Description("The execution id.")] string execution_id,
        [Description("When true, report what would be written, without writing.")] bool dry_run = false) =>
        NotifyAsync(dry_run, "operator", execution_id, $"The Judge asks for retraining: {Field(context, "judge", "reason")}");

    [McpServerTool(Name = "notify_failure", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Workflow step NotifyFailure: appends the failure notice with its reason (context.error, else the Judge's) to MLOPS_HOME/notifications.jsonl.")]
    public Task<JsonObject> NotifyFailure(
        [Description("The execution state.")] JsonElement context,
        [Description("The execution id.")] string execution_id,
        [Description("When true, report what would be written, without writing.")] bool dry_run = false) =>
        NotifyAsync(dry_run, "failure", execution_id, Field(context, "error", "Cause") is { Length: > 0 } cause ? $"{Field(context, "error", "Error")}: {cause}" : $"The Judge decided {Field(context, "judge", "decision")}: {Field(context, "judge", "reason")}");

    [McpServerTool(Name = "request_approval", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Workflow step WaitForOptimizationApproval: records the pending approval with its task token in MLOPS_HOME/notifications.jsonl; the run waits until `mlops approve` or `mlops reject` answers the token.")]
    public Task<JsonObject> RequestApproval(
        [Description("The execution id.")] string execution_id,
        [Description("The task token to answer.")] string task_token,
        [Description("The waiting state's name.")] string? state = null,
        [Description("When true, report what would be written, without writing.")] bool dry_run = false) =>
        NotifyAsync(dry_run, "approval", execution_id, $"Approval needed at {state}: mlops approve {execution_id}", task_token);

    [McpServerTool(Name = "request_operator_input", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Workflow step WaitForOperatorInput: records the pending retrain question with its task token in MLOPS_HOME/notifications.jsonl; `mlops approve` retrains, `mlops reject` stops.")]
    public Task<JsonObject> RequestOperatorInput(
        [Description("The execution id.")] string execution_id,
        [Description("The task token to answer.")] string task_token,
        [Description("The waiting state's name.")] string? state = null,
        [Description("When true, report what would be written, without writing.")] bool dry_run = false) =>
        NotifyAsync(dry_run, "operator_input", execution_id, $"Retrain decision needed at {state}: mlops approve {execution_id} to retrain, mlops reject {execution_id} to stop", task_token);

    private async Task<JsonObject> NotifyAsync(bool dryRun, string kind, string executionId, string message, string? taskToken = null)
    {
        if (dryRun)
        {
            return new JsonObject { ["dry_run"] = true, ["kind"] = kind, ["message"] = message };
        }

        var entry = new JsonObject
        {
            ["at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["kind"] = kind,
            ["execution_id"] = executionId,
            ["message"] = message,
            ["task_token"] = taskToken,
        };

        // One whole line per append: readers of the log never see half an entry.
        await File.AppendAllTextAsync(Path.Combine(mlops.Home.Root, "notifications.jsonl"), entry.ToJsonString() + "\n").ConfigureAwait(false);
        return new JsonObject { ["notified"] = true, ["kind"] = kind, ["message"] = message };
    }

    private static string? Text(JsonElement context, string name) =>
        context.ValueKind == JsonValueKind.Object && context.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Field(JsonElement context, string outer, string inner) =>
        JsonNode.Parse(context.GetRawText())?[outer]?[inner]?.ToString() ?? "";
}
