using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>Model Registry: register, look up, roll back and trace model versions; deploy them locally.</summary>
[McpServerToolType]
public sealed class RegistryTools(MlopsContext context)
{
    [McpServerTool(Name = "register_model", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Packages an evaluated run as a new semantic version of a model (minor bump for the same feature schema, major for a changed one): model files, preprocessing, model_metadata.json and an OpenAPI document. The new version becomes champion; the previous champion is archived; the last 5 generations are kept.")]
    public Task<JsonObject> RegisterModel(
        [Description("run_id of an evaluated training run.")] string run_id,
        [Description("Model name; omit for '{dataset_id}-{algorithm}'.")] string? model_name = null,
        [Description("The metric recorded as the model's primary metric; default f1_score for classifiers, r2 for regressors.")] string? primary_metric = null,
        [Description("When true, report the version it would get, without writing.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var run = context.Registry.GetRun(run_id) ?? throw ToolErrors.Invalid("run_id", run_id, "a recorded run id");
        if (run.Metrics.Count == 0)
        {
            throw ToolErrors.Invalid("run_id", run_id, "an evaluated run; call evaluate_classifier or evaluate_regressor first");
        }

        var candidate = await new TrainingService(context).LoadCandidateAsync(run_id, cancellationToken).ConfigureAwait(false);
        var data = await new PreparationService(context).LoadAsync(candidate.TrainingId, cancellationToken).ConfigureAwait(false);
        var name = model_name ?? PackagingService.DefaultModelName(data.Manifest.DatasetId, candidate.Algorithm);
        if (!DatasetService.DatasetIdPattern().IsMatch(name))
        {
            throw ToolErrors.Invalid("model_name", name, "letters, digits, '.', '_' and '-', starting with a letter or digit");
        }

        var metric = primary_metric ?? (data.Manifest.TaskType == "regression" ? "r2" : "f1_score");
        if (dry_run)
        {
            var models = context.Registry.ListModelVersions(name);
            return new JsonObject { ["dry_run"] = true, ["model_name"] = name, ["latest_version"] = models.FirstOrDefault()?.Version, ["metrics"] = JsonSerializer.SerializeToNode(run.Metrics) };
        }

        var packaged = await new PackagingService(context).PackageAsync(data, candidate, run.Metrics, name, metric, cancellationToken: cancellationToken).ConfigureAwait(false);
        var result = ToolJson.ToObject(packaged.Model);
        result["pruned_versions"] = new JsonArray([.. packaged.Pruned.Select(v => (JsonNode?)v)]);
        result["aliases"] = JsonSerializer.SerializeToNode(context.Registry.GetAliases(name));
        return result;
    });

    [McpServerTool(Name = "get_model_version", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Returns a registered model version's metadata (algorithm, inputs, metrics, dataset, hashes) and the model's aliases. The version may be a number such as 1.2.0 or an alias: champion, challenger or archived.")]
    public Task<JsonObject> GetModelVersion(
        [Description("Registered model name.")] string model_name,
        [Description("Version such as 1.2.0, or an alias (champion, challenger, archived).")] string version = ModelAliases.Champion,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var record = Resolve(model_name, version);
        var result = ToolJson.ToObject(record);
        result["aliases"] = JsonSerializer.SerializeToNode(context.Registry.GetAliases(model_name));
        if (!record.Pruned)
        {
            var metadata = await context.Store.ReadTextAsync(record.ArtifactPrefix + ModelMetadata.FileName, cancellationToken).ConfigureAwait(false);
            result["metadata"] = JsonNode.Parse(metadata);
        }

        return result;
    });

    [McpServerTool(Name = "rollback_model", ReadOnly = false, Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Rolls a model back to an earlier registered version: that version becomes champion (the current one is archived) and is deployed to the local endpoint in place of the current deployment.")]
    public JsonObject RollbackModel(
        [Description("Registered model name.")] string model_name,
        [Description("The version to return to, e.g. 1.1.0.")] string version,
        [Description("When true, report what would change, without changing it.")] bool dry_run = false) => ToolErrors.Run(() =>
    {
        var rollback = new RollbackService(context);
        var plan = rollback.Plan(model_name, version);
        if (dry_run)
        {
            return new JsonObject { ["dry_run"] = true, ["model_name"] = model_name, ["from_version"] = plan.FromVersion, ["to_version"] = plan.ToVersion };
        }

        var deployment = rollback.Execute(plan);
        return new JsonObject
        {
            ["model_name"] = model_name,
            ["from_version"] = plan.FromVersion,
            ["to_version"] = plan.ToVersion,
            ["deployment"] = ToolJson.ToObject(deployment),
        };
    });

    [McpServerTool(Name = "track_model_lineage", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Traces a model version back to the run and dataset version it came from, and forward to its deployments.")]
    public JsonObject TrackModelLineage(
        [Description("Registered model name.")] string model_name,
        [Description("Version such as 1.2.0, or an alias (champion, challenger, archived).")] string version = ModelAliases.Champion) => ToolErrors.Run(() =>
    {
        var record = Resolve(model_name, version);
        return ToolJson.ToObject(context.Registry.GetLineage(model_name, record.Version)!);
    });

    [McpServerTool(Name = "deploy_model", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Deploys a registered model version to the local endpoint (served by `mlops serve`), replacing the model's current deployment, and records the strategy requested.")]
    public JsonObject DeployModel(
        [Description("Registered model name.")] string model_name,
        [Description("Version such as 1.2.0, or an alias (champion, challenger, archived).")] string version = ModelAliases.Champion,
        [Description("Deployment strategy: direct, canary, blue_green, ab_test or shadow.")] string strategy = "direct",
        [Description("When true, report what would be deployed, without deploying.")] bool dry_run = false) => ToolErrors.Run(() =>
    {
        if (!Plugins.Requests.DeploymentStrategies.All.Contains(strategy))
        {
            throw ToolErrors.Invalid("strategy", strategy, "one of " + string.Join(", ", Plugins.Requests.DeploymentStrategies.All));
        }

        var record = Resolve(model_name, version);
        if (dry_run)
        {
            return new JsonObject { ["dry_run"] = true, ["model_name"] = model_name, ["version"] = record.Version, ["strategy"] = strategy };
        }

        return ToolJson.ToObject(new LocalDeployer(context.Registry, context.Store, context.CacheDirectory).Deploy(model_name, record.Version, strategy));
    });

    [McpServerTool(Name = "list_deployments", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists the active deployment of every model on the local endpoint, most recent first.")]
    public JsonObject ListDeployments() =>
        new() { ["deployments"] = new JsonArray([.. context.Registry.ListActiveDeployments().Select(d => (JsonNode?)ToolJson.ToObject(d))]) };

    private ModelVersionRecord Resolve(string modelName, string version)
    {
        var versions = context.Registry.ListModelVersions(modelName);
        if (versions.Count == 0)
        {
            throw ToolErrors.Invalid("model_name", modelName, "a registered model name");
        }

        var resolved = context.Registry.GetAlias(modelName, version) ?? version;
        return versions.FirstOrDefault(m => m.Version == resolved)
            ?? throw ToolErrors.Invalid("version", version, $"a version of {modelName} ({string.Join(", ", versions.Select(m => m.Version))}) or one of its aliases ({string.Join(", ", context.Registry.GetAliases(modelName).Keys)})");
    }
}
