using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Deployment;

namespace MlopsAgents.GitHub;

/// <summary>What `/rollback [vX.Y.Z]` on an issue does to the issue's model.</summary>
public interface IModelRollback
{
    /// <summary>Rolls <paramref name="modelName"/> back to <paramref name="version"/> (null: the previous champion); the outcome in words.</summary>
    Task<RollbackOutcome> RollbackAsync(string modelName, string? version, CancellationToken cancellationToken);
}

/// <summary>Whether the rollback happened, and the sentence for the issue.</summary>
public sealed record RollbackOutcome(bool Done, string Message);

/// <summary>The registry's rollback (the same service as `mlops rollback`): promote the earlier version and deploy it.</summary>
public sealed class RegistryModelRollback(MlopsContext context) : IModelRollback
{
    public Task<RollbackOutcome> RollbackAsync(string modelName, string? version, CancellationToken cancellationToken)
    {
        var service = new RollbackService(context);
        try
        {
            var plan = service.Plan(modelName, version);
            var deployment = service.Execute(plan);
            return Task.FromResult(new RollbackOutcome(true, $"Rolled `{modelName}` back from {plan.FromVersion ?? "(no champion)"} to {plan.ToVersion}; deployment #{deployment.Id} serves it."));
        }
        catch (DataValidationException e)
        {
            return Task.FromResult(new RollbackOutcome(false, e.Message));
        }
    }
}
