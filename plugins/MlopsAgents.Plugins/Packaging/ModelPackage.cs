using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Packaging;

/// <summary>One row's prediction: the predicted class or value, and class probabilities for classifiers.</summary>
public sealed record RowPrediction(object Prediction, IReadOnlyDictionary<string, double>? Probabilities);

/// <summary>A problem with one input row, naming the column and the reason.</summary>
public sealed record RowError(int Row, string Message);

/// <summary>
/// A packaged model version: its metadata, the fitted preprocessing and the trained model, loaded from the
/// artifact store's <c>models/{name}/{version}/</c> folder. It turns raw JSON rows into predictions.
/// </summary>
public sealed class ModelPackage
{
    public const string ModelSubdirectory = "model";

    // The input columns in the preprocessor's order: names, their UTF-8 bytes, and their positions by name.
    private readonly string[] _inputs;
    private readonly byte[][] _inputsUtf8;
    private readonly Dictionary<string, int> _inputIndex;

    private ModelPackage(ModelMetadata metadata, FeaturePreprocessor preprocessor, ITrainedModel model, JsonObject openApi, CompiledTreeModel? compiled)
    {
        Metadata = metadata;
        Preprocessor = preprocessor;
        Model = model;
        OpenApi = openApi;
        Compiled = compiled;
        _inputs = [.. preprocessor.Columns.Select(c => c.Name)];
        _inputsUtf8 = [.. _inputs.Select(Encoding.UTF8.GetBytes)];
        _inputIndex = _inputs.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i, StringComparer.Ordinal);
    }

    public ModelMetadata Metadata { get; }

    public FeaturePreprocessor Preprocessor { get; }

    public ITrainedModel Model { get; }

    public JsonObject OpenApi { get; }

    /// <summary>
    /// The model's trees compiled for fast scoring (same scores as <see cref="Model"/>), or null when the model is not
    /// a kind that compiles; <see cref="Predict"/> uses it when present.
    /// </summary>
    public CompiledTreeModel? Compiled { get; }

    /// <summary>Loads a package from a local folder laid out as the store keeps it.</summary>
    public static ModelPackage LoadFromDirectory(string directory)
    {
        var metadata = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(directory, ModelMetadata.FileName)));
        var preprocessor = FeaturePreprocessor.FromJson(File.ReadAllText(Path.Combine(directory, FeaturePreprocessor.FileName)));
        var model = ModelSerializer.Load(Path.Combine(directory, ModelSubdirectory));
        var openApi = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, OpenApiDocument.FileName)))!.AsObject();
        return new ModelPackage(metadata, preprocessor, model, openApi, CompiledTreeModel.TryLoad(Path.Combine(directory, ModelSubdirectory), model));
    }

    /// <summary>
    /// Loads a package from any artifact store. The local store is read in place; other stores are copied into
    /// <paramref name="cacheDirectory"/> first, because model files are read from disk.
    /// </summary>
    public static async Task<ModelPackage> LoadAsync(IArtifactStore store, string modelName, string version, string cacheDirectory, CancellationToken cancellationToken = default)
    {
        var prefix = ArtifactKeys.ModelPrefix(modelName, version);
        if (store is LocalArtifactStore local)
        {
            return LoadFromDirectory(Path.Combine(local.Root, prefix));
        }

        var target = Path.Combine(cacheDirectory, modelName, version);
        foreach (var key in await store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var path = Path.Combine(target, key[prefix.Length..]);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using var source = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
            await using var file = File.Create(path);
            await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        return LoadFromDirectory(target);
    }

    /// <summary>
    /// Predicts a batch of JSON rows. Every bad row is reported (row index, column, reason); when any row is bad,
    /// no predictions are returned, so a caller never gets a partial batch.
    /// </summary>
    public (IReadOnlyList<RowPrediction>? Predictions, IReadOnlyList<RowError> Errors) Predict(IReadOnlyList<JsonElement> rows)
    {
        var errors = new List<RowError>();
        var features = new double[rows.Count][];

        // One cell per input column, rented and reused row after row with one error list and one lookup, so that a
        // request allocates them once rather than per row. An undefined cell is an absent column.
        var cells = ArrayPool<JsonElement>.Shared.Rent(_inputs.Length);
        var rowErrors = new List<string>();
        (bool Present, string? Value) Lookup(string name) => Cell(cells[_inputIndex[name]], name, rowErrors);
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                if (row.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new RowError(i, $"row must be a JSON object of column → value, not {row.ValueKind.ToString().ToLowerInvariant()}"));
                    continue;
                }

                // One pass over the row's properties, each matched to its input column: first against the column that
                // follows the last match (clients usually send the columns in the model's order, and this compares
                // UTF-8 bytes without making a string), then by name. A column given twice keeps its last value, as
                // JsonElement.GetProperty does.
                Array.Clear(cells, 0, _inputs.Length);
                rowErrors.Clear();
                var next = 0;
                foreach (var property in row.EnumerateObject())
                {
                    var column = next < _inputsUtf8.Length && property.NameEquals(_inputsUtf8[next])
                        ? next
                        : _inputIndex.GetValueOrDefault(property.Name, -1);
                    if (column >= 0)
                    {
                        cells[column] = property.Value;
                        next = column + 1;
                    }
                    else if (property.Name != Preprocessor.Target)
                    {
                        rowErrors.Add($"column '{property.Name}' is not an input of this model; inputs: {string.Join(", ", _inputs)}");
                    }
                }

                var x = Preprocessor.TryTransform(Lookup, rowErrors);
                if (rowErrors.Count > 0 || x is null)
                {
                    errors.AddRange(rowErrors.Distinct().Select(e => new RowError(i, e)));
                    continue;
                }

                features[i] = x;
            }
        }
        finally
        {
            // Cleared so that the pool holds no reference to the caller's JSON document.
            ArrayPool<JsonElement>.Shared.Return(cells, clearArray: true);
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var outputs = Compiled?.Predict(features) ?? Model.Predict(features);
        var predictions = new List<RowPrediction>(rows.Count);
        foreach (var output in outputs)
        {
            if (Model.Task == ModelTask.Regression)
            {
                predictions.Add(new RowPrediction(output[0], null));
                continue;
            }

            var best = 0;
            for (var k = 1; k < output.Length; k++)
            {
                if (output[k] > output[best])
                {
                    best = k;
                }
            }

            var probabilities = new Dictionary<string, double>();
            for (var k = 0; k < output.Length; k++)
            {
                probabilities[Preprocessor.ClassNames[k]] = output[k];
            }

            predictions.Add(new RowPrediction(Preprocessor.ClassNames[best], probabilities));
        }

        return (predictions, []);
    }

    private static (bool Present, string? Value) Cell(JsonElement value, string column, List<string> errors)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined:
                return (false, null);
            case JsonValueKind.Null:
                return (true, null);
            case JsonValueKind.Number:
                return (true, value.GetRawText());
            case JsonValueKind.String:
                var s = value.GetString();
                return (true, DataFrame.IsMissingToken(s) ? null : s);
            case JsonValueKind.True or JsonValueKind.False:
                return (true, value.GetBoolean().ToString(CultureInfo.InvariantCulture).ToLowerInvariant());
            default:
                errors.Add($"column '{column}': a {value.ValueKind.ToString().ToLowerInvariant()} is not a valid cell; use a number, a string or null");
                return (true, null);
        }
    }
}
