using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.McpServer.Tools;

/// <summary>What preprocess_unsupervised saved for one training id, as <c>logs/{training_id}/unsupervised_preparation.json</c>.</summary>
public sealed record UnsupervisedPreparation(
    [property: JsonPropertyName("training_id")] string TrainingId,
    [property: JsonPropertyName("dataset_id")] string DatasetId,
    [property: JsonPropertyName("dataset_version")] int DatasetVersion,
    [property: JsonPropertyName("dataset_sha256")] string DatasetSha256,
    [property: JsonPropertyName("label_column")] string? LabelColumn,
    [property: JsonPropertyName("feature_names")] IReadOnlyList<string> FeatureNames,
    [property: JsonPropertyName("rows")] int Rows,
    [property: JsonPropertyName("preprocessing")] DataPreprocessingOptions Preprocessing,
    [property: JsonPropertyName("notes")] string Notes,
    [property: JsonPropertyName("artifacts")] IReadOnlyDictionary<string, string> Artifacts);

/// <summary>
/// The prepared matrix of an unsupervised run. Every dataset row is kept, in dataset order, so row i of the matrix is
/// row i of the dataset version; the label column (if any) stays out of the features and only colours plots.
/// The manifest lives beside, not in place of, the supervised <see cref="PreparationManifest"/>, so the supervised
/// tools never mistake an unlabeled matrix for labeled splits.
/// </summary>
internal static class UnsupervisedData
{
    public const string MatrixSplit = "all";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static string ManifestKey(string trainingId) => ArtifactKeys.Log(trainingId, "unsupervised_preparation.json");

    /// <summary>Where an unsupervised run keeps its model file; apart from the supervised candidates, which another loader reads.</summary>
    public static string ModelKey(string runId) => $"models/_unsupervised/{runId}/model.json";

    /// <summary>Builds the matrix with <see cref="FeaturePreprocessor"/> (mean/mode imputation, one-hot categories, optional z-scores), fitted on every row.</summary>
    public static (FeaturePreprocessor Preprocessor, double[][] Matrix) Prepare(DataFrame frame, string? labelColumn, IReadOnlyList<string> features, DataPreprocessingOptions options)
    {
        var kinds = features.ToDictionary(c => c, c => frame.InferKind(frame.IndexOf(c)));
        var preprocessor = FeaturePreprocessor.Fit(frame, labelColumn ?? "", features, kinds, options, ModelTask.Regression, []);
        var index = frame.Columns.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var errors = new List<string>();
        var matrix = new double[frame.RowCount][];
        for (var i = 0; i < frame.RowCount; i++)
        {
            var row = frame.Rows[i];
            matrix[i] = preprocessor.TryTransform(name => (true, row[index[name]]), errors)
                ?? throw new DataValidationException($"row {i + 1}: {string.Join("; ", errors)}");
        }

        return (preprocessor, matrix);
    }

    public static async Task<UnsupervisedPreparation> SaveAsync(
        MlopsContext context, string trainingId, DatasetVersion dataset, string? labelColumn, DataPreprocessingOptions options,
        FeaturePreprocessor preprocessor, double[][] matrix, string notes, CancellationToken ct)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', preprocessor.FeatureNames.Select(DataFrame.Quote)).Append('\n');
        foreach (var row in matrix)
        {
            csv.AppendJoin(',', row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        }

        var artifacts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["matrix"] = (await context.PutTextAsync(trainingId, "processed_matrix", ArtifactKeys.ProcessedSplit(dataset.DatasetId, MatrixSplit, trainingId), csv.ToString(), ct).ConfigureAwait(false)).Key,
            ["feature_definitions"] = (await context.PutTextAsync(trainingId, "feature_definitions", ArtifactKeys.FeatureDefinitions(dataset.DatasetId, trainingId), preprocessor.ToJson(), ct).ConfigureAwait(false)).Key,
        };
        var manifest = new UnsupervisedPreparation(trainingId, dataset.DatasetId, dataset.Version, dataset.Sha256, labelColumn, preprocessor.FeatureNames,
            matrix.Length, options, notes, artifacts);
        await context.PutTextAsync(trainingId, "unsupervised_preparation", ManifestKey(trainingId), JsonSerializer.Serialize(manifest, JsonOptions), ct).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>Reloads the manifest and matrix of a training id made by preprocess_unsupervised.</summary>
    public static async Task<(UnsupervisedPreparation Manifest, double[][] Matrix)> LoadAsync(MlopsContext context, string trainingId, CancellationToken ct)
    {
        if (!await context.Store.ExistsAsync(ManifestKey(trainingId), ct).ConfigureAwait(false))
        {
            throw await context.Store.ExistsAsync(PreparationManifest.Key(trainingId), ct).ConfigureAwait(false)
                ? ToolErrors.Invalid("training_id", trainingId, "a training_id from preprocess_unsupervised; this one holds labeled splits from preprocess_supervised")
                : ToolErrors.Invalid("training_id", trainingId, "a training_id returned by preprocess_unsupervised; none is stored under this id");
        }

        var manifest = JsonSerializer.Deserialize<UnsupervisedPreparation>(await context.Store.ReadTextAsync(ManifestKey(trainingId), ct).ConfigureAwait(false))!;
        using var reader = new StringReader(await context.Store.ReadTextAsync(manifest.Artifacts["matrix"], ct).ConfigureAwait(false));
        var frame = DataFrame.ReadCsv(reader, manifest.Artifacts["matrix"]);
        var matrix = frame.Rows.Select(r => r.Select(c => double.Parse(c!, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        return (manifest, matrix);
    }

    /// <summary>The label column's raw values in row order, for colouring plots; null when the preparation named none.</summary>
    public static async Task<string[]?> LoadLabelsAsync(MlopsContext context, UnsupervisedPreparation manifest, CancellationToken ct)
    {
        if (manifest.LabelColumn is null)
        {
            return null;
        }

        var (_, frame) = await new DatasetService(context.Registry, context.Store).LoadAsync(manifest.DatasetId, manifest.DatasetVersion, ct).ConfigureAwait(false);
        var column = frame.IndexOf(manifest.LabelColumn);
        return column < 0 || frame.RowCount != manifest.Rows ? null : frame.Rows.Select(r => r[column] ?? "(missing)").ToArray();
    }

    /// <summary>Records a finished unsupervised run as a child of its training id.</summary>
    public static void RecordRun(
        MlopsContext context, string runId, UnsupervisedPreparation manifest, string algorithm, string taskType, IReadOnlyDictionary<string, object> hyperparameters,
        IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, string> artifacts, double seconds, DateTimeOffset startedAt) =>
        context.Registry.SaveRun(new RunRecord(runId, manifest.DatasetId, manifest.DatasetVersion, algorithm, taskType, "finished", null, hyperparameters,
            metrics, artifacts, new Dictionary<string, double> { ["training"] = seconds }, startedAt, DateTimeOffset.UtcNow, manifest.TrainingId));

    /// <summary>Writes a file with <paramref name="write"/> into a scratch folder and stores it under <paramref name="key"/>.</summary>
    public static async Task<ArtifactRef> PutRenderedAsync(MlopsContext context, string runId, string name, string key, Action<string> write, CancellationToken ct)
    {
        var scratch = Directory.CreateTempSubdirectory("mlops-tool-");
        try
        {
            var path = Path.Combine(scratch.FullName, Path.GetFileName(key));
            write(path);
            return await context.PutFileAsync(runId, name, key, path, ct).ConfigureAwait(false);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
