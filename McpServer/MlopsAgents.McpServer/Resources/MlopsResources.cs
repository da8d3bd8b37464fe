using System.ComponentModel;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Storage;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Resources;

/// <summary>Training histories, evaluation results and model cards as MCP resources.</summary>
[McpServerResourceType]
public sealed class MlopsResources(MlopsContext context)
{
    [McpServerResource(UriTemplate = "mlops://training-history/{training_id}", Name = "training_history", MimeType = "text/markdown")]
    [Description("The training history report of a run: basic information, dataset, hyperparameters, evaluation, model and status.")]
    public Task<string> TrainingHistory([Description("The run's training id.")] string training_id, CancellationToken cancellationToken) =>
        Read(ArtifactKeys.Log(training_id, "training_history.md"), $"no training history for '{training_id}'", cancellationToken);

    [McpServerResource(UriTemplate = "mlops://evaluations/{run_id}/results", Name = "evaluation_results", MimeType = "application/json")]
    [Description("results.json of a run: metrics, per-class metrics, confusion matrix, the Judge's verdict and artifact paths.")]
    public Task<string> EvaluationResults([Description("The run id (a training id, or its retry).")] string run_id, CancellationToken cancellationToken) =>
        Read(ArtifactKeys.Evaluation(run_id, "results.json"), $"no evaluation results for '{run_id}'", cancellationToken);

    [McpServerResource(UriTemplate = "mlops://models/{model_name}/{version}/card", Name = "model_card", MimeType = "text/markdown")]
    [Description("The model card of a registered version (the version may be an alias such as champion).")]
    public async Task<string> ModelCardResource([Description("Registered model name.")] string model_name, [Description("Version or alias.")] string version, CancellationToken cancellationToken)
    {
        var resolved = context.Registry.GetAlias(model_name, version) ?? version;
        var record = context.Registry.GetModelVersion(model_name, resolved);
        if (record is null || record.Pruned)
        {
            throw new McpException($"no model card for {model_name} {version}: the version is not registered or its files were pruned");
        }

        var metadata = ModelMetadata.FromJson(await context.Store.ReadTextAsync(record.ArtifactPrefix + ModelMetadata.FileName, cancellationToken).ConfigureAwait(false));
        return ModelCard.Render(metadata, context.Registry.GetAliases(model_name));
    }

    private async Task<string> Read(string key, string missing, CancellationToken cancellationToken)
    {
        if (!await context.Store.ExistsAsync(key, cancellationToken).ConfigureAwait(false))
        {
            throw new McpException(missing);
        }

        return await context.Store.ReadTextAsync(key, cancellationToken).ConfigureAwait(false);
    }
}
