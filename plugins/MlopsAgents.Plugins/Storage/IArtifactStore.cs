namespace MlopsAgents.Plugins.Storage;

/// <summary>A stored artifact: its key in the store, its SHA-256, its size and where a person can open it.</summary>
public sealed record ArtifactRef(string Key, string Sha256, long Size, string Location);

/// <summary>
/// Object storage for datasets, models, evaluations and logs, keyed like S3 object keys
/// (<c>models/{model_id}/{version}/model.zip</c>). The embedded default keeps them on the local file system;
/// the AWS backend keeps them in the S3 bucket.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Writes an object atomically: readers see the old content or the new, never a partial file.</summary>
    Task<ArtifactRef> PutAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Opens an object for reading; throws <see cref="FileNotFoundException"/> naming the key when it is absent.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Lists keys under a prefix, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes every object under a prefix (a model version's folder, say).</summary>
    Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Where the object can be opened: a file path for the local store, an s3:// URI for S3.</summary>
    string LocationOf(string key);
}

/// <summary>Helpers shared by every store implementation.</summary>
public static class ArtifactStoreExtensions
{
    public static Task<ArtifactRef> PutBytesAsync(this IArtifactStore store, string key, byte[] bytes, CancellationToken cancellationToken = default) =>
        store.PutAsync(key, new MemoryStream(bytes, writable: false), cancellationToken);

    public static Task<ArtifactRef> PutTextAsync(this IArtifactStore store, string key, string text, CancellationToken cancellationToken = default) =>
        store.PutBytesAsync(key, new System.Text.UTF8Encoding(false).GetBytes(text), cancellationToken);

    /// <summary>Uploads a local file under a key.</summary>
    public static async Task<ArtifactRef> PutFileAsync(this IArtifactStore store, string key, string path, CancellationToken cancellationToken = default)
    {
        await using var stream = File.OpenRead(path);
        return await store.PutAsync(key, stream, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<string> ReadTextAsync(this IArtifactStore store, string key, CancellationToken cancellationToken = default)
    {
        await using var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }
}
