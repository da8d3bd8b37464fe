using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Retraining;
using MlopsAgents.Workflow.Pipeline;

namespace MlopsAgents.Workflow.Retraining;

/// <summary>
/// The default <see cref="IRetrainingLauncher"/>: reruns the model's original training request through the
/// in-process <see cref="LocalPipeline"/> (phases 1–5) on the latest version of its dataset, with the trigger's reason
/// as the run's source so the history says why it ran. A pinned <c>dataset_version</c> is lifted, because retraining
/// exists to pick up new data; the trigger's own version (feedback just merged into it) is pinned instead.
/// </summary>
public sealed class LocalPipelineRetrainingLauncher(LocalPipeline pipeline, TrainingRequest request) : IRetrainingLauncher
{
    public async Task<RetrainingRun> LaunchAsync(RetrainingTrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var summary = await pipeline.RunAsync(request with { DatasetVersion = trigger.DatasetVersion }, $"retraining ({trigger.KindName}): {trigger.Reason}", cancellationToken).ConfigureAwait(false);
        return new RetrainingRun(summary.TrainingId, summary.Passed && summary.Model is not null, summary.Model?.Version, summary.Reason);
    }
}
