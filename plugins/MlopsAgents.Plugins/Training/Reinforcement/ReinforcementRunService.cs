using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>A trained policy kept under <c>evaluations/{run_id}/policy/</c>, with its greedy evaluation.</summary>
public sealed record PolicyRun(
    string RunId,
    string Algorithm,
    string Environment,
    IReadOnlyDictionary<string, object> Hyperparameters,
    ReinforcementResult Result,
    IReadOnlyDictionary<string, string> Artifacts)
{
    public static string PolicyPrefix(string runId) => ArtifactKeys.Evaluation(runId, "policy/");
}

/// <summary>
/// Trains reinforcement-learning policies in the built-in environments, keeps them in the store, re-evaluates them,
/// and registers them as model versions. The CLI pipeline and the MCP tools share it.
/// </summary>
public sealed class ReinforcementRunService(MlopsContext context)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public async Task<PolicyRun> TrainAsync(string runId, string algorithm, string environment, IReadOnlyDictionary<string, object> hyperparameters, int seed, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var effective = TrainingService.WithDefaults(algorithm, hyperparameters);
        var result = new ReinforcementTrainer().Train(algorithm, environment, hyperparameters, seed, progress, cancellationToken);
        var artifacts = new Dictionary<string, string>();
        var scratch = Directory.CreateTempSubdirectory("mlops-policy-");
        try
        {
            result.Policy.Save(scratch.FullName);
            foreach (var file in Directory.GetFiles(scratch.FullName).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                artifacts["policy_" + Path.GetFileNameWithoutExtension(name)] = (await context.PutFileAsync(runId, name, PolicyRun.PolicyPrefix(runId) + name, file, cancellationToken).ConfigureAwait(false)).Location;
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        var curve = new JsonObject { ["episode_rewards"] = JsonSerializer.SerializeToNode(result.LearningCurve), ["timesteps"] = result.Timesteps };
        artifacts["learning_curve_data"] = (await context.PutTextAsync(runId, "learning_curve", ArtifactKeys.Evaluation(runId, "learning_curve.json"), curve.ToJsonString(JsonOptions), cancellationToken).ConfigureAwait(false)).Location;
        var metrics = result.Metrics.ToDictionary(kv => kv.Key, kv => kv.Value);
        context.Registry.SaveRun(new RunRecord(runId, environment, 0, algorithm, "control", "finished", "trained", effective, metrics, artifacts,
            new Dictionary<string, double> { ["training"] = result.TrainingTime.TotalSeconds }, startedAt, DateTimeOffset.UtcNow, null));
        return new PolicyRun(runId, algorithm, environment, effective, result, artifacts);
    }

    /// <summary>Re-evaluates a stored policy over fresh greedy episodes.</summary>
    public async Task<ReinforcementEvaluation> EvaluateAsync(string runId, int episodes, int seed, CancellationToken cancellationToken = default)
    {
        var directory = await DownloadPolicyAsync(runId, cancellationToken).ConfigureAwait(false);
        try
        {
            return ReinforcementTrainer.Evaluate(ReinforcementPolicy.Load(directory), episodes, seed, cancellationToken);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Registers a stored policy as a new version of <paramref name="modelName"/> and makes it champion.</summary>
    public async Task<PackagedModel> RegisterAsync(PolicyRun run, string modelName, string primaryMetric, CancellationToken cancellationToken = default)
    {
        var directory = await DownloadPolicyAsync(run.RunId, cancellationToken).ConfigureAwait(false);
        try
        {
            var metrics = run.Result.Metrics.ToDictionary(kv => kv.Key, kv => kv.Value);
            var schemaHash = PackagingService.HashOf(new { environment = run.Environment, task = "control" });
            var configHash = PackagingService.HashOf(new { run.Algorithm, run.Environment, hyperparameters = run.Hyperparameters.OrderBy(k => k.Key, StringComparer.Ordinal) });
            return await new PackagingService(context).PackageDirectoryAsync(modelName, run.RunId, directory, schemaHash, configHash, metrics,
                (version, files) => new ModelMetadata(modelName, version, run.RunId, run.Algorithm, $"{run.Algorithm} policy trained in MlopsAgents on {run.Environment}",
                    "control", "", [], [], [], run.Hyperparameters, metrics, primaryMetric, null, schemaHash, configHash, files, DateTimeOffset.UtcNow),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task<string> DownloadPolicyAsync(string runId, CancellationToken cancellationToken)
    {
        var prefix = PolicyRun.PolicyPrefix(runId);
        var keys = await context.Store.ListAsync(prefix, cancellationToken).ConfigureAwait(false);
        if (keys.Count == 0)
        {
            throw new DataPreparation.DataValidationException($"run_id: '{runId}' has no trained policy; train one with train_reinforcement first.");
        }

        var directory = Directory.CreateTempSubdirectory("mlops-policy-").FullName;
        foreach (var key in keys)
        {
            await using var source = await context.Store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
            await using var file = File.Create(Path.Combine(directory, key[prefix.Length..]));
            await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        return directory;
    }
}
