using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Registry;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>What a rollback will do: which version serves now and which will serve after.</summary>
public sealed record RollbackPlan(string ModelName, string? FromVersion, string ToVersion);

/// <summary>
/// Manual rollback, shared by <c>mlops rollback</c> and the rollback_model MCP tool: an earlier version becomes
/// champion (the current one is archived) and replaces the current deployment on the local endpoint.
/// </summary>
public sealed class RollbackService(MlopsContext context)
{
    /// <summary>
    /// Plans a rollback to <paramref name="toVersion"/> (a version or an alias), or, when it is null, to the previous
    /// champion (the <c>archived</c> alias), else the newest kept version older than the champion.
    /// </summary>
    public RollbackPlan Plan(string modelName, string? toVersion)
    {
        var versions = context.Registry.ListModelVersions(modelName);
        if (versions.Count == 0)
        {
            throw new DataValidationException($"model: '{modelName}' is not a registered model.");
        }

        var current = context.Registry.GetAlias(modelName, ModelAliases.Champion);
        string target;
        if (toVersion is not null)
        {
            target = context.Registry.GetAlias(modelName, toVersion) ?? toVersion;
            if (versions.All(v => v.Version != target))
            {
                throw new DataValidationException($"version: '{toVersion}' is not a version of {modelName}; versions: {string.Join(", ", versions.Select(v => v.Version))}.");
            }
        }
        else
        {
            var currentVersion = current is null ? (SemanticVersion?)null : SemanticVersion.Parse(current);
            target = context.Registry.GetAlias(modelName, ModelAliases.Archived)
                ?? versions.FirstOrDefault(v => !v.Pruned && (currentVersion is null || SemanticVersion.Parse(v.Version).CompareTo(currentVersion.Value) < 0))?.Version
                ?? throw new DataValidationException($"version: {modelName} has no earlier kept version to return to; give --to VERSION.");
        }

        if (versions.First(v => v.Version == target).Pruned)
        {
            throw new DataValidationException($"version: {target} of {modelName} was pruned by the 5-generation retention; its files are gone.");
        }

        return new RollbackPlan(modelName, current, target);
    }

    public DeploymentRecord Execute(RollbackPlan plan)
    {
        new ModelRegistryService(context.Registry, context.Store).Promote(plan.ModelName, plan.ToVersion);
        return new LocalDeployer(context.Registry, context.Store, context.CacheDirectory).Deploy(plan.ModelName, plan.ToVersion, "rollback");
    }
}
