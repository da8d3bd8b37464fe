using System.Security.Cryptography;

namespace MlopsAgents.Plugins.Storage;

/// <summary>
/// The embedded default's artifact store: one file per key under a root folder, laid out like the S3 bucket.
/// Writes go to a temporary file in the same folder, are flushed to disk, then renamed over the target, so a
/// crash mid-write leaves either the old object or none, never a partial one.
/// </summary>
public sealed class LocalArtifactStore : IArtifactStore
{
    private const string TempMarker = ".tmp-";
    private readonly string _root;

    public LocalArtifactStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public string Root => _root;

    public async Task<ArtifactRef> PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + TempMarker + Guid.NewGuid().ToString("N");
        try
        {
            long size;
            byte[] hash;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
                size = file.Length;
                hash = sha.GetHashAndReset();
            }

            File.Move(temp, path, overwrite: true);
            return new ArtifactRef(key, Convert.ToHexStringLower(hash), size, path);
        }
        finally
        {
            // On success the temp file was renamed away; on any failure it must not linger.
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No artifact '{key}' in the local store at {_root}.", path);
        }

        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous));
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult(File.Exists(PathOf(key)));

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var normalized = ArtifactKeys.Normalize(prefix, allowEmpty: true);
        var directory = _root;
        var lastSlash = normalized.LastIndexOf('/');
        if (lastSlash >= 0)
        {
            directory = Path.Combine(_root, normalized[..lastSlash]);
        }

        IReadOnlyList<string> keys = !Directory.Exists(directory)
            ? []
            : Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetFileName(f).Contains(TempMarker, StringComparison.Ordinal))
                .Select(f => Path.GetRelativePath(_root, f).Replace(Path.DirectorySeparatorChar, '/'))
                .Where(k => k.StartsWith(normalized, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToList();
        return Task.FromResult(keys);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        return Task.CompletedTask;
    }

    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        foreach (var key in await ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            await DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    public string LocationOf(string key) => PathOf(key);

    /// <summary>Maps a key to a path under the root, refusing keys that would escape it.</summary>
    private string PathOf(string key)
    {
        var normalized = ArtifactKeys.Normalize(key, allowEmpty: false);
        var full = Path.GetFullPath(Path.Combine(_root, normalized));
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Artifact key '{key}' resolves outside the store root {_root}.", nameof(key));
        }

        return full;
    }
}
