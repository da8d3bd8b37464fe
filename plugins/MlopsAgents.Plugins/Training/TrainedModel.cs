using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlopsAgents.Plugins.Training;

/// <summary>Shared plumbing of the project's models: metadata, input checks and the <c>model.json</c> envelope.</summary>
public abstract class TrainedModel : ITrainedModel
{
    private protected TrainedModel(string algorithm, ModelTask task, IReadOnlyList<string> featureNames, IReadOnlyList<string> classNames)
    {
        Algorithm = algorithm;
        Task = task;
        FeatureNames = featureNames.ToArray();
        ClassNames = classNames.ToArray();
    }

    public string Algorithm { get; }
    public ModelTask Task { get; }
    public int FeatureCount => FeatureNames.Count;
    public int ClassCount => Task == ModelTask.Classification ? ClassNames.Count : 0;
    public IReadOnlyList<string> FeatureNames { get; }
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Outputs per row: the class count, or 1 for regression.</summary>
    private protected int OutputCount => Task == ModelTask.Classification ? ClassCount : 1;

    public double[][] Predict(double[][] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        for (var i = 0; i < features.Length; i++)
        {
            if (features[i] is null || features[i].Length != FeatureCount)
            {
                throw new ArgumentException($"Row {i} has {features[i]?.Length ?? 0} features; the {Algorithm} model expects {FeatureCount}.", nameof(features));
            }
        }

        return features.Length == 0 ? [] : PredictCore(features);
    }

    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        SaveCore(directory);
    }

    private protected abstract double[][] PredictCore(double[][] features);

    private protected abstract void SaveCore(string directory);

    private protected void WriteDocument<TParameters>(string directory, TParameters parameters)
    {
        var document = new ModelDocument<TParameters>(Algorithm, Task, FeatureNames, ClassNames, parameters);
        File.WriteAllText(Path.Combine(directory, ModelFile.FileName), JsonSerializer.Serialize(document, ModelFile.Json));
    }
}

/// <summary>The <c>model.json</c> envelope every model writes.</summary>
internal sealed record ModelDocument<TParameters>(
    string Algorithm,
    ModelTask Task,
    IReadOnlyList<string> FeatureNames,
    IReadOnlyList<string> ClassNames,
    TParameters Parameters);

/// <summary>The header of <c>model.json</c>, enough to pick the loader.</summary>
internal sealed record ModelHeader(string? Algorithm, ModelTask Task);

internal static class ModelFile
{
    public const string FileName = "model.json";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static T Read<T>(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No {FileName} in '{directory}'; it does not hold a saved model.", path);
        }

        return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"'{path}' is empty.");
    }

    public static ModelDocument<TParameters> ReadDocument<TParameters>(string directory)
    {
        var document = Read<ModelDocument<TParameters>>(directory);
        if (document.Parameters is null || document.FeatureNames is null || document.ClassNames is null)
        {
            throw new InvalidDataException($"'{Path.Combine(directory, FileName)}' lacks parameters, feature_names or class_names.");
        }

        return document;
    }
}

/// <summary>Argument checks shared by the trainers.</summary>
internal static class TrainingGuards
{
    public static void Check(TrainingData data, string algorithm, ModelTask? onlyTask = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (onlyTask is { } task && data.Task != task)
        {
            throw new ArgumentException($"{algorithm} handles {task.ToString().ToLowerInvariant()} only, but the data is for {data.Task.ToString().ToLowerInvariant()}.", nameof(data));
        }

        if (data.RowCount == 0)
        {
            throw new ArgumentException($"{algorithm} needs at least one training row.", nameof(data));
        }

        if (data.FeatureCount == 0)
        {
            throw new ArgumentException($"{algorithm} needs at least one feature.", nameof(data));
        }

        if (data.Labels.Length != data.RowCount)
        {
            throw new ArgumentException($"There are {data.RowCount} feature rows but {data.Labels.Length} labels.", nameof(data));
        }

        for (var i = 0; i < data.RowCount; i++)
        {
            if (data.Features[i].Length != data.FeatureCount)
            {
                throw new ArgumentException($"Row {i} has {data.Features[i].Length} features; the data names {data.FeatureCount}.", nameof(data));
            }
        }

        if (data.Task == ModelTask.Classification)
        {
            var k = data.ClassNames.Count;
            if (k < 2)
            {
                throw new ArgumentException($"{algorithm} needs at least two classes; the data names only '{data.ClassNames[0]}'.", nameof(data));
            }

            foreach (var label in data.Labels)
            {
                if (label < 0 || label >= k || label != Math.Floor(label))
                {
                    throw new ArgumentException($"Class label {label} is not an index into the {k} class names.", nameof(data));
                }
            }
        }
        else if (data.Labels.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("Regression targets must be finite numbers.", nameof(data));
        }

        if (data.SampleWeights is { } weights)
        {
            if (weights.Length != data.RowCount)
            {
                throw new ArgumentException($"There are {data.RowCount} rows but {weights.Length} sample weights.", nameof(data));
            }

            // Zero weights would leave tree nodes with no mass to average over; drop such rows instead.
            var bad = Array.FindIndex(weights, w => !(w > 0) || !double.IsFinite(w));
            if (bad >= 0)
            {
                throw new ArgumentException($"Sample weight {weights[bad]} of row {bad} is not a finite number > 0.", nameof(data));
            }
        }
    }

    public static int[] ClassIndices(TrainingData data) => data.Labels.Select(l => (int)l).ToArray();
}
