using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.Registry;

/// <summary>
/// Registers model versions with semantic versioning and keeps the last generations of each model.
/// A retrain with the same feature schema bumps the minor version; a changed feature schema bumps the major.
/// </summary>
public sealed class ModelRegistryService(SqliteRegistry registry, IArtifactStore store, int generationsToKeep = 5)
{
    public int GenerationsToKeep { get; } = generationsToKeep >= 1
        ? generationsToKeep
        : throw new ArgumentOutOfRangeException(nameof(generationsToKeep), generationsToKeep, "At least one generation must be kept.");

    /// <summary>The version the next registration of <paramref name="name"/> would get.</summary>
    public SemanticVersion NextVersion(string name, string featureSchemaHash)
    {
        var latest = registry.ListModelVersions(name).FirstOrDefault();
        if (latest is null)
        {
            return SemanticVersion.Initial;
        }

        var current = SemanticVersion.Parse(latest.Version);
        return latest.FeatureSchemaHash == featureSchemaHash ? current.BumpMinor() : current.BumpMajor();
    }

    /// <summary>
    /// Records a model version whose files are already under <see cref="ModelVersionRecord.ArtifactPrefix"/>, then prunes
    /// generations past the retention limit. Returns the versions pruned.
    /// </summary>
    public async Task<IReadOnlyList<string>> RegisterAsync(ModelVersionRecord model, CancellationToken cancellationToken = default)
    {
        registry.InsertModelVersion(model);
        return await PruneAsync(model.Name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the files of versions older than the newest <see cref="GenerationsToKeep"/>, except a version an alias
    /// still points at (the serving champion is never pruned). Pruned versions stay in the registry for lineage.
    /// </summary>
    public async Task<IReadOnlyList<string>> PruneAsync(string name, CancellationToken cancellationToken = default)
    {
        var aliased = registry.GetAliases(name).Values.ToHashSet();
        var pruned = new List<string>();
        foreach (var old in registry.ListModelVersions(name).Skip(GenerationsToKeep).Where(m => !m.Pruned && !aliased.Contains(m.Version)))
        {
            await store.DeletePrefixAsync(old.ArtifactPrefix, cancellationToken).ConfigureAwait(false);
            registry.MarkPruned(name, old.Version);
            pruned.Add(old.Version);
        }

        return pruned;
    }

    /// <summary>Makes <paramref name="version"/> the champion; the previous champion becomes archived.</summary>
    public void Promote(string name, string version)
    {
        var previous = registry.GetAlias(name, ModelAliases.Champion);
        if (previous is not null && previous != version)
        {
            registry.SetAlias(name, ModelAliases.Archived, previous);
        }

        registry.SetAlias(name, ModelAliases.Champion, version);
        if (registry.GetAlias(name, ModelAliases.Challenger) == version)
        {
            registry.RemoveAlias(name, ModelAliases.Challenger);
        }
    }
}
