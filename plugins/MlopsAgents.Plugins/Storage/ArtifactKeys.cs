namespace MlopsAgents.Plugins.Storage;

/// <summary>The bucket layout from the design, in one place so every writer and reader agrees on it.</summary>
public static class ArtifactKeys
{
    public static string DatasetRaw(string datasetId, string fileName) => $"datasets/{datasetId}/raw/{fileName}";

    public static string DatasetVersion(string datasetId, int version, string fileName) => $"datasets/{datasetId}/versions/v{version}/{fileName}";

    /// <summary>A processed split (train, validation or test) of one training run.</summary>
    public static string ProcessedSplit(string datasetId, string split, string trainingId) => $"datasets/{datasetId}/processed/{split}/{trainingId}.csv";

    public static string FeatureDefinitions(string datasetId, string trainingId) => $"datasets/{datasetId}/processed/features/{trainingId}.json";

    public static string ModelPrefix(string modelName, string version) => $"models/{modelName}/{version}/";

    public static string ModelFile(string modelName, string version, string fileName) => $"models/{modelName}/{version}/{fileName}";

    public static string Evaluation(string trainingId, string fileName) => $"evaluations/{trainingId}/{fileName}";

    public static string Optimization(string trainingId, string fileName) => $"optimizations/{trainingId}/{fileName}";

    public static string Log(string trainingId, string fileName) => $"logs/{trainingId}/{fileName}";

    /// <summary>
    /// The key rules every store shares, so a key valid in one backend is valid in the other: forward slashes, no
    /// leading slash, no '..' segment; empty only where a prefix is meant.
    /// </summary>
    public static string Normalize(string key, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!allowEmpty && string.IsNullOrWhiteSpace(key))
        {
            throw new ArgumentException("Artifact key must not be empty.", nameof(key));
        }

        var normalized = key.Replace('\\', '/').TrimStart('/');
        if (normalized.Split('/').Any(segment => segment == ".."))
        {
            throw new ArgumentException($"Artifact key '{key}' must not contain '..'.", nameof(key));
        }

        return normalized;
    }
}
