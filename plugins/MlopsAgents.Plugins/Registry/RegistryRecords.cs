namespace MlopsAgents.Plugins.Registry;

/// <summary>One registered version of a dataset: its content hash, schema and where its bytes are.</summary>
public sealed record DatasetVersion(
    string DatasetId,
    int Version,
    string Sha256,
    string ArtifactKey,
    int RowCount,
    IReadOnlyList<string> Columns,
    string? Target,
    string SourcePath,
    DateTimeOffset CreatedAt);

/// <summary>A tracked training run (one attempt of one training request).</summary>
public sealed record RunRecord(
    string TrainingId,
    string DatasetId,
    int DatasetVersion,
    string Algorithm,
    string TaskType,
    string Status,
    string? Decision,
    IReadOnlyDictionary<string, object> Parameters,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, string> Artifacts,
    IReadOnlyDictionary<string, double> TimingsSeconds,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? ParentTrainingId);

/// <summary>A semantic version of a registered model.</summary>
public sealed record ModelVersionRecord(
    string Name,
    string Version,
    string TrainingId,
    string ArtifactPrefix,
    string Sha256,
    string FeatureSchemaHash,
    string ConfigHash,
    IReadOnlyDictionary<string, double> Metrics,
    DateTimeOffset CreatedAt,
    bool Pruned);

/// <summary>A deployment of a model version to an endpoint.</summary>
public sealed record DeploymentRecord(
    long Id,
    string ModelName,
    string Version,
    string Strategy,
    string Endpoint,
    string Status,
    DateTimeOffset CreatedAt);

/// <summary>Where a model version came from and where it went: dataset version → run → model version → deployments.</summary>
public sealed record ModelLineage(ModelVersionRecord Model, RunRecord? Run, DatasetVersion? Dataset, IReadOnlyList<DeploymentRecord> Deployments);

/// <summary>Well-known model aliases, as in MLflow.</summary>
public static class ModelAliases
{
    public const string Champion = "champion";
    public const string Challenger = "challenger";
    public const string Archived = "archived";
}
