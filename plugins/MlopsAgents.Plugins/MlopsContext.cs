using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins;

/// <summary>
/// The state every capability service works on: the artifact store, the registry, and the folders under MLOPS_HOME.
/// One context serves the CLI, the MCP server and the workflow alike.
/// </summary>
public sealed class MlopsContext
{
    public MlopsContext(MlopsHome home, string dataRoot, IArtifactStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(home);
        Home = home.EnsureCreated();
        DataRoot = Path.GetFullPath(dataRoot);
        Store = store ?? new LocalArtifactStore(home.ArtifactsRoot);
        Registry = new SqliteRegistry(home.RegistryDatabase);
    }

    public MlopsHome Home { get; }

    /// <summary>Where dataset_uri paths may point; anything outside is refused.</summary>
    public string DataRoot { get; }

    public IArtifactStore Store { get; }

    public SqliteRegistry Registry { get; }

    /// <summary>Where packages from a remote store are copied before loading.</summary>
    public string CacheDirectory => Path.Combine(Home.Root, "cache");

    /// <summary>Stores a text artifact and records its hash against a run.</summary>
    public async Task<ArtifactRef> PutTextAsync(string? trainingId, string name, string key, string text, CancellationToken cancellationToken = default)
    {
        var stored = await Store.PutTextAsync(key, text, cancellationToken).ConfigureAwait(false);
        Registry.RecordArtifact(trainingId, name, stored);
        return stored;
    }

    /// <summary>Stores a local file as an artifact and records its hash against a run.</summary>
    public async Task<ArtifactRef> PutFileAsync(string? trainingId, string name, string key, string path, CancellationToken cancellationToken = default)
    {
        var stored = await Store.PutFileAsync(key, path, cancellationToken).ConfigureAwait(false);
        Registry.RecordArtifact(trainingId, name, stored);
        return stored;
    }
}
