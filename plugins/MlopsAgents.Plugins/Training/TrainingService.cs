using System.Diagnostics;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.Training;

/// <summary>A trained model not yet registered: the output of phase 2, kept under <c>models/_candidates/{run_id}/</c>.</summary>
public sealed record CandidateModel(
    string RunId,
    string TrainingId,
    string Algorithm,
    IReadOnlyDictionary<string, object> Hyperparameters,
    ITrainedModel Model,
    double TrainSeconds,
    DateTimeOffset StartedAt)
{
    /// <summary>Where a candidate's model files live in the store.</summary>
    public static string Prefix(string runId) => $"models/_candidates/{runId}/";
}

/// <summary>
/// Phase 2: trains one algorithm on a run's prepared data, tracks the run in the registry and keeps the trained
/// model as a candidate for evaluation and packaging.
/// </summary>
public sealed class TrainingService(MlopsContext context)
{
    public async Task<CandidateModel> TrainAsync(
        PreparedData data,
        string runId,
        string algorithm,
        IReadOnlyDictionary<string, object> hyperparameters,
        int seed,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var effective = WithDefaults(algorithm, hyperparameters);
        var manifest = data.Manifest;
        context.Registry.SaveRun(new RunRecord(runId, manifest.DatasetId, manifest.DatasetVersion, algorithm, manifest.TaskType, "running", null,
            effective, new Dictionary<string, double>(), new Dictionary<string, string>(), new Dictionary<string, double>(), startedAt, null,
            runId == manifest.TrainingId ? null : manifest.TrainingId));

        var watch = Stopwatch.StartNew();
        var model = ModelTrainers.Get(algorithm).Train(data.Train, data.Validation, hyperparameters, seed, progress);
        var seconds = watch.Elapsed.TotalSeconds;

        var scratch = Directory.CreateTempSubdirectory("mlops-candidate-");
        try
        {
            model.Save(scratch.FullName);
            foreach (var file in Directory.GetFiles(scratch.FullName, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(scratch.FullName, file).Replace(Path.DirectorySeparatorChar, '/');
                await context.PutFileAsync(runId, $"candidate {relative}", CandidateModel.Prefix(runId) + relative, file, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        return new CandidateModel(runId, manifest.TrainingId, algorithm, effective, model, seconds, startedAt);
    }

    /// <summary>Reloads a candidate trained earlier (by this process or another).</summary>
    public async Task<CandidateModel> LoadCandidateAsync(string runId, CancellationToken cancellationToken = default)
    {
        var run = context.Registry.GetRun(runId) ?? throw new DataValidationException($"run_id: no run '{runId}' is recorded.");
        var prefix = CandidateModel.Prefix(runId);
        var keys = await context.Store.ListAsync(prefix, cancellationToken).ConfigureAwait(false);
        if (keys.Count == 0)
        {
            throw new DataValidationException($"run_id: run '{runId}' has no trained model; train it first.");
        }

        var scratch = Directory.CreateTempSubdirectory("mlops-candidate-");
        try
        {
            foreach (var key in keys)
            {
                var path = Path.Combine(scratch.FullName, key[prefix.Length..]);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using var source = await context.Store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
                await using var file = File.Create(path);
                await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            var model = ModelSerializer.Load(scratch.FullName);
            return new CandidateModel(runId, run.ParentTrainingId ?? runId, run.Algorithm, run.Parameters, model, run.TimingsSeconds.GetValueOrDefault("training"), run.StartedAt);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>Closes a run in the registry with its metrics, artifacts and the Judge's decision.</summary>
    public void CompleteRun(PreparedData data, CandidateModel candidate, IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, string> artifacts, double evaluationSeconds, string decision)
    {
        var manifest = data.Manifest;
        context.Registry.SaveRun(new RunRecord(candidate.RunId, manifest.DatasetId, manifest.DatasetVersion, candidate.Algorithm, manifest.TaskType,
            "finished", decision, candidate.Hyperparameters, metrics, artifacts,
            new Dictionary<string, double> { ["training"] = candidate.TrainSeconds, ["evaluation"] = evaluationSeconds },
            candidate.StartedAt, DateTimeOffset.UtcNow, candidate.RunId == manifest.TrainingId ? null : manifest.TrainingId));
    }

    /// <summary>The hyperparameters in force: the given values over the catalog defaults, for the records.</summary>
    public static Dictionary<string, object> WithDefaults(string algorithm, IReadOnlyDictionary<string, object> given)
    {
        var spec = AlgorithmCatalog.Find(algorithm) ?? throw new DataValidationException($"algorithm: unknown algorithm '{algorithm}'; allowed: {string.Join(", ", AlgorithmCatalog.All.Select(a => a.Name))}.");
        var effective = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var h in spec.Hyperparameters)
        {
            if (given.TryGetValue(h.Name, out var value) || (value = h.Default) is not null)
            {
                effective[h.Name] = value;
            }
        }

        return effective;
    }
}
