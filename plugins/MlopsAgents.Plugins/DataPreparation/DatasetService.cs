using System.Security.Cryptography;
using System.Text.RegularExpressions;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.DataPreparation;

/// <summary>The outcome of registering a dataset file: the version it maps to, and whether that version is new.</summary>
public sealed record DatasetAddResult(DatasetVersion Dataset, bool Created);

/// <summary>Registers CSV files as versioned datasets and loads them back. Changed content makes a new version; identical content does not.</summary>
public sealed partial class DatasetService(SqliteRegistry registry, IArtifactStore store)
{
    public const string DataFileName = "data.csv";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    public static partial Regex DatasetIdPattern();

    public async Task<DatasetAddResult> AddAsync(string filePath, string datasetId, string? target, CancellationToken cancellationToken = default)
    {
        if (!DatasetIdPattern().IsMatch(datasetId))
        {
            throw new DataValidationException($"--id: '{datasetId}' is not a valid dataset id; allowed: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters.");
        }

        if (!File.Exists(filePath))
        {
            throw new DataValidationException($"FILE: '{filePath}' does not exist.");
        }

        DataFrame frame;
        try
        {
            frame = DataFrame.ReadCsv(filePath);
        }
        catch (Exception e) when (e is FormatException or System.Text.DecoderFallbackException)
        {
            throw new DataValidationException($"FILE: '{filePath}' is not a readable CSV: {e.Message}");
        }

        if (frame.RowCount == 0)
        {
            throw new DataValidationException($"FILE: '{filePath}' has a header but no data rows.");
        }

        if (target is not null && frame.IndexOf(target) < 0)
        {
            throw new DataValidationException($"--target: column '{target}' is not in {Path.GetFileName(filePath)}; columns: {string.Join(", ", frame.Columns)}.");
        }

        var bytes = await File.ReadAllBytesAsync(filePath, cancellationToken).ConfigureAwait(false);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var latest = registry.GetDataset(datasetId);
        if (latest is not null && latest.Sha256 == sha && latest.Target == target)
        {
            return new DatasetAddResult(latest, Created: false);
        }

        var version = (latest?.Version ?? 0) + 1;
        var key = ArtifactKeys.DatasetVersion(datasetId, version, DataFileName);
        var stored = await store.PutBytesAsync(key, bytes, cancellationToken).ConfigureAwait(false);
        await store.PutBytesAsync(ArtifactKeys.DatasetRaw(datasetId, DataFileName), bytes, cancellationToken).ConfigureAwait(false);
        registry.RecordArtifact(null, $"dataset {datasetId} v{version}", stored);
        var record = new DatasetVersion(datasetId, version, sha, key, frame.RowCount, frame.Columns, target, Path.GetFullPath(filePath), DateTimeOffset.UtcNow);
        registry.AddDatasetVersion(record);
        return new DatasetAddResult(record, Created: true);
    }

    /// <summary>Loads a registered dataset version (the latest when <paramref name="version"/> is null), checking its hash.</summary>
    public async Task<(DatasetVersion Dataset, DataFrame Frame)> LoadAsync(string datasetId, int? version, CancellationToken cancellationToken = default)
    {
        var dataset = registry.GetDataset(datasetId, version) ?? throw new DataValidationException(version is null
            ? $"dataset_id: '{datasetId}' is not registered; register it with `mlops data add FILE --id {datasetId} --target COLUMN`."
            : $"dataset_version: dataset '{datasetId}' has no version {version}; versions: {string.Join(", ", registry.ListDatasetVersions(datasetId).Select(d => d.Version))}.");
        await using var stream = await store.OpenReadAsync(dataset.ArtifactKey, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var sha = Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        if (sha != dataset.Sha256)
        {
            throw new InvalidDataException($"Dataset {datasetId} v{dataset.Version} at {dataset.ArtifactKey} has SHA-256 {sha}, but the registry recorded {dataset.Sha256}: the stored file was changed.");
        }

        buffer.Position = 0;
        using var reader = new StreamReader(buffer);
        return (dataset, DataFrame.ReadCsv(reader, dataset.ArtifactKey));
    }

    /// <summary>Loads a CSV file named by dataset_uri, registering it under an id derived from its file name so runs keep their lineage.</summary>
    public async Task<(DatasetVersion Dataset, DataFrame Frame)> LoadFileAsync(string path, string? target, CancellationToken cancellationToken = default)
    {
        var id = "file-" + Regex.Replace(Path.GetFileNameWithoutExtension(path), "[^A-Za-z0-9._-]", "-");
        var added = await AddAsync(path, id.Length > 128 ? id[..128] : id, target, cancellationToken).ConfigureAwait(false);
        return await LoadAsync(added.Dataset.DatasetId, added.Dataset.Version, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A problem with the user's data or arguments that the user can fix; the message names the field and what is allowed.</summary>
public sealed class DataValidationException(string message) : Exception(message);
