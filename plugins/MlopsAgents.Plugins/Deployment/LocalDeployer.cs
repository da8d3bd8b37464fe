using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// Deploys model versions to the local endpoint: records the deployment in the registry and loads what is deployed
/// for <c>mlops serve</c>. Traffic-shifting strategies (canary, blue/green, A/B, shadow) are recorded as requested.
/// </summary>
public sealed class LocalDeployer(SqliteRegistry registry, IArtifactStore store, string cacheDirectory)
{
    public const string LocalEndpoint = "local://127.0.0.1";

    public DeploymentRecord Deploy(string modelName, string version, string strategy)
    {
        if (registry.GetModelVersion(modelName, version) is not { Pruned: false })
        {
            throw new InvalidOperationException($"Model {modelName} {version} is not registered (or its files were pruned), so it cannot be deployed.");
        }

        return registry.AddDeployment(modelName, version, strategy, LocalEndpoint, "active");
    }

    /// <summary>Loads the package of every active deployment, most recently deployed first.</summary>
    public async Task<IReadOnlyList<ModelPackage>> LoadActiveAsync(CancellationToken cancellationToken = default)
    {
        var packages = new List<ModelPackage>();
        foreach (var d in registry.ListActiveDeployments())
        {
            packages.Add(await ModelPackage.LoadAsync(store, d.ModelName, d.Version, cacheDirectory, cancellationToken).ConfigureAwait(false));
        }

        return packages;
    }
}
