using System.Text.Json;
using System.Text.Json.Serialization;
using MlopsAgents.Plugins.DataPreparation;

namespace MlopsAgents.Plugins.Packaging;

/// <summary>The dataset version a model was trained on.</summary>
public sealed record DatasetReference(
    [property: JsonPropertyName("dataset_id")] string DatasetId,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("sha256")] string Sha256);

/// <summary><c>model_metadata.json</c>: what the model is, what it expects, how it scored and where it came from.</summary>
public sealed record ModelMetadata(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("training_id")] string TrainingId,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("implementation")] string Implementation,
    [property: JsonPropertyName("task_type")] string TaskType,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("class_names")] IReadOnlyList<string> ClassNames,
    [property: JsonPropertyName("input_columns")] IReadOnlyList<InputColumn> InputColumns,
    [property: JsonPropertyName("feature_names")] IReadOnlyList<string> FeatureNames,
    [property: JsonPropertyName("hyperparameters")] IReadOnlyDictionary<string, object> Hyperparameters,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, double> Metrics,
    [property: JsonPropertyName("primary_metric")] string PrimaryMetric,
    [property: JsonPropertyName("dataset")] DatasetReference? Dataset,
    [property: JsonPropertyName("feature_schema_hash")] string FeatureSchemaHash,
    [property: JsonPropertyName("config_hash")] string ConfigHash,
    [property: JsonPropertyName("files")] IReadOnlyDictionary<string, string> FileSha256,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt)
{
    public const string FileName = "model_metadata.json";

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ModelMetadata FromJson(string json) =>
        JsonSerializer.Deserialize<ModelMetadata>(json, JsonOptions) ?? throw new InvalidDataException($"{FileName} is empty.");
}
