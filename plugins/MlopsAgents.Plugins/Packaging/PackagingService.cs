using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Packaging;

/// <summary>The outcome of packaging: the registered version and any old versions whose files were pruned.</summary>
public sealed record PackagedModel(ModelVersionRecord Model, IReadOnlyList<string> Pruned);

/// <summary>
/// Phase 5's packaging half: copies a candidate into <c>models/{name}/{version}/</c> with its preprocessing,
/// <c>model_metadata.json</c> and an OpenAPI document, registers the new semantic version and makes it champion.
/// </summary>
public sealed class PackagingService(MlopsContext context)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>The default model name when a request gives none: dataset id and algorithm.</summary>
    public static string DefaultModelName(string datasetId, string algorithm) => $"{datasetId}-{algorithm}".Replace('_', '-');

    public async Task<PackagedModel> PackageAsync(
        PreparedData data,
        CandidateModel candidate,
        IReadOnlyDictionary<string, double> metrics,
        string modelName,
        string primaryMetric,
        IReadOnlyDictionary<string, string>? extraFiles = null,
        CancellationToken cancellationToken = default)
    {
        var preprocessor = data.Preprocessor;
        var manifest = data.Manifest;
        var schemaHash = Sha256Hex(JsonSerializer.Serialize(new { columns = preprocessor.Columns, features = preprocessor.FeatureNames, classes = preprocessor.ClassNames, task = preprocessor.Task }, JsonOptions));
        var configHash = Sha256Hex(JsonSerializer.Serialize(new
        {
            candidate.Algorithm,
            manifest.TaskType,
            hyperparameters = candidate.Hyperparameters.OrderBy(k => k.Key, StringComparer.Ordinal),
            manifest.Preprocessing,
        }, JsonOptions));
        var models = new ModelRegistryService(context.Registry, context.Store);
        var version = models.NextVersion(modelName, schemaHash).ToString();
        var prefix = ArtifactKeys.ModelPrefix(modelName, version);
        var trainingId = manifest.TrainingId;

        var fileHashes = new Dictionary<string, string>();
        var candidatePrefix = CandidateModel.Prefix(candidate.RunId);
        foreach (var key in await context.Store.ListAsync(candidatePrefix, cancellationToken).ConfigureAwait(false))
        {
            var relative = ModelPackage.ModelSubdirectory + "/" + key[candidatePrefix.Length..];
            await using var source = await context.Store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
            var stored = await context.Store.PutAsync(prefix + relative, source, cancellationToken).ConfigureAwait(false);
            context.Registry.RecordArtifact(trainingId, $"model {modelName} {version} {relative}", stored);
            fileHashes[relative] = stored.Sha256;
        }

        var preprocessorRef = await context.PutTextAsync(trainingId, $"model {modelName} {version} preprocessor", prefix + FeaturePreprocessor.FileName, preprocessor.ToJson(), cancellationToken).ConfigureAwait(false);
        fileHashes[FeaturePreprocessor.FileName] = preprocessorRef.Sha256;
        foreach (var (fileName, text) in extraFiles ?? new Dictionary<string, string>())
        {
            fileHashes[fileName] = (await context.PutTextAsync(trainingId, $"model {modelName} {version} {fileName}", prefix + fileName, text, cancellationToken).ConfigureAwait(false)).Sha256;
        }

        var metadata = new ModelMetadata(modelName, version, trainingId, candidate.Algorithm, Implementation(candidate.Algorithm), manifest.TaskType,
            preprocessor.Target, preprocessor.ClassNames, preprocessor.Columns, preprocessor.FeatureNames, candidate.Hyperparameters, metrics, primaryMetric,
            new DatasetReference(manifest.DatasetId, manifest.DatasetVersion, manifest.DatasetSha256), schemaHash, configHash, fileHashes, DateTimeOffset.UtcNow);
        await context.PutTextAsync(trainingId, $"model {modelName} {version} openapi", prefix + OpenApiDocument.FileName, OpenApiDocument.Build(metadata).ToJsonString(JsonOptions), cancellationToken).ConfigureAwait(false);

        // The metadata goes last: a version folder with model_metadata.json is complete.
        var metadataRef = await context.PutTextAsync(trainingId, $"model {modelName} {version} metadata", prefix + ModelMetadata.FileName, metadata.ToJson(), cancellationToken).ConfigureAwait(false);
        // The registry links the version to the run that trained it (a training id, or one of its retries), for lineage.
        var record = new ModelVersionRecord(modelName, version, candidate.RunId, prefix, metadataRef.Sha256, schemaHash, configHash, metrics, DateTimeOffset.UtcNow, false);
        var pruned = await models.RegisterAsync(record, cancellationToken).ConfigureAwait(false);
        models.Promote(modelName, version);
        return new PackagedModel(record, pruned);
    }

    /// <summary>
    /// Registers a model whose files are in a local folder (unsupervised models, reinforcement-learning policies): the
    /// files go to <c>models/{name}/{version}/model/</c>, then <paramref name="extraFiles"/>, then the metadata, which
    /// <paramref name="metadataFor"/> builds for the assigned version and the files' hashes.
    /// </summary>
    public async Task<PackagedModel> PackageDirectoryAsync(
        string modelName,
        string runId,
        string localModelDirectory,
        string schemaHash,
        string configHash,
        IReadOnlyDictionary<string, double> metrics,
        Func<string, IReadOnlyDictionary<string, string>, ModelMetadata> metadataFor,
        IReadOnlyDictionary<string, string>? extraFiles = null,
        CancellationToken cancellationToken = default)
    {
        var models = new ModelRegistryService(context.Registry, context.Store);
        var version = models.NextVersion(modelName, schemaHash).ToString();
        var prefix = ArtifactKeys.ModelPrefix(modelName, version);
        var fileHashes = new Dictionary<string, string>();
        foreach (var file in Directory.GetFiles(localModelDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = ModelPackage.ModelSubdirectory + "/" + Path.GetRelativePath(localModelDirectory, file).Replace(Path.DirectorySeparatorChar, '/');
            fileHashes[relative] = (await context.PutFileAsync(runId, $"model {modelName} {version} {relative}", prefix + relative, file, cancellationToken).ConfigureAwait(false)).Sha256;
        }

        foreach (var (fileName, text) in extraFiles ?? new Dictionary<string, string>())
        {
            fileHashes[fileName] = (await context.PutTextAsync(runId, $"model {modelName} {version} {fileName}", prefix + fileName, text, cancellationToken).ConfigureAwait(false)).Sha256;
        }

        var metadataRef = await context.PutTextAsync(runId, $"model {modelName} {version} metadata", prefix + ModelMetadata.FileName, metadataFor(version, fileHashes).ToJson(), cancellationToken).ConfigureAwait(false);
        var record = new ModelVersionRecord(modelName, version, runId, prefix, metadataRef.Sha256, schemaHash, configHash, metrics, DateTimeOffset.UtcNow, false);
        var pruned = await models.RegisterAsync(record, cancellationToken).ConfigureAwait(false);
        models.Promote(modelName, version);
        return new PackagedModel(record, pruned);
    }

    /// <summary>A stable hash of any JSON-serializable description (feature schema, configuration).</summary>
    public static string HashOf(object value) => Sha256Hex(JsonSerializer.Serialize(value, JsonOptions));

    private static string Implementation(string algorithm) => algorithm == AlgorithmCatalog.XgBoost
        ? "gradient-boosted trees by ML.NET LightGBM 5.0.1 (not the XGBoost library)"
        : $"{algorithm} implemented in MlopsAgents";

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
