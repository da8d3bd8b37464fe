using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Reinforcement;

namespace MlopsAgents.Workflow.Pipeline;

/// <summary>The reinforcement-learning path: train a policy in a built-in environment, evaluate it greedily, register it.</summary>
public sealed partial class LocalPipeline
{
    private async Task<PipelineSummary> RunReinforcementAsync(TrainingRequest request, string requestSource, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;
        var log = new RunLog(_progress);
        var Report = log.Report;

        var environment = request.Environment ?? throw new RequestValidationException("environment", null, "required for learning_type: reinforcement; allowed: " + string.Join(", ", ReinforcementAlgorithms.Environments));
        var (metric, threshold) = MetricAndThreshold(request);
        var trainingId = NewTrainingId(startedAt);
        var effective = TrainingService.WithDefaults(request.Algorithm, request.Hyperparameters);
        Report($"[{trainingId}] {request.Algorithm} on {environment}");
        Report("[1/5] data preparation: none (the environment generates the experience)");
        Report($"[2/5] training {request.Algorithm} for {Convert.ToString(effective.GetValueOrDefault("total_timesteps"), CultureInfo.InvariantCulture)} timesteps");
        var service = new ReinforcementRunService(_context);
        var run = await service.TrainAsync(trainingId, request.Algorithm, environment, request.Hyperparameters, request.RandomSeed, new ActionProgress(m => Report("      " + m)), cancellationToken).ConfigureAwait(false);
        var result = run.Result;
        var metrics = result.Metrics.ToDictionary(kv => kv.Key, kv => kv.Value);
        Report("[3/5] evaluation over greedy episodes: " + string.Join(", ", metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {m.Value.ToString("0.###", CultureInfo.InvariantCulture)}")));
        var verdict = Judge.Decide(metrics, metric, threshold, 0, 0);
        Report($"[4/5] judge: {verdict.Decision}: {verdict.Reason}");

        var timings = new Dictionary<string, double> { ["training"] = result.TrainingTime.TotalSeconds };
        var artifacts = run.Artifacts;
        ModelSummary? modelSummary = null;
        var policyLocation = _context.Store.LocationOf(PolicyRun.PolicyPrefix(trainingId));
        if (verdict.Decision == JudgeDecisions.Pass)
        {
            var modelName = request.ModelName ?? $"{environment}-{request.Algorithm}";
            var packaged = await service.RegisterAsync(run, modelName, metric, cancellationToken).ConfigureAwait(false);
            modelSummary = new ModelSummary(modelName, packaged.Model.Version);
            policyLocation = _context.Store.LocationOf(packaged.Model.ArtifactPrefix + ModelPackage.ModelSubdirectory);
            Report($"[5/5] registered the policy as {modelName} {packaged.Model.Version} (champion)");
        }
        else
        {
            Report("[5/5] skipped: the Judge did not pass the policy, so nothing is registered");
        }

        var results = new JsonObject
        {
            ["training_id"] = trainingId,
            ["run_id"] = trainingId,
            ["learning_type"] = request.LearningType,
            ["task_type"] = request.TaskType,
            ["algorithm"] = request.Algorithm,
            ["environment"] = environment,
            ["hyperparameters"] = JsonSerializer.SerializeToNode(effective),
            ["metrics"] = JsonSerializer.SerializeToNode(metrics),
            ["evaluation_episodes"] = result.Evaluation.Episodes,
            ["reward_standard_deviation"] = result.Evaluation.RewardStandardDeviation,
            ["timesteps"] = result.Timesteps,
            ["primary_metric"] = metric,
            ["judge"] = JsonSerializer.SerializeToNode(verdict),
            ["model"] = modelSummary is null ? null : new JsonObject { ["name"] = modelSummary.Name, ["version"] = modelSummary.Version },
            ["artifacts"] = JsonSerializer.SerializeToNode(artifacts),
            ["timings_seconds"] = JsonSerializer.SerializeToNode(timings),
        };
        var resultsRef = await _context.PutTextAsync(trainingId, "results", ArtifactKeys.Evaluation(trainingId, "results.json"), results.ToJsonString(JsonOptions), cancellationToken).ConfigureAwait(false);
        _context.Registry.SaveRun(new Plugins.Registry.RunRecord(trainingId, environment, 0, request.Algorithm, request.TaskType, "finished", verdict.Decision,
            run.Hyperparameters, metrics, artifacts, timings, startedAt, DateTimeOffset.UtcNow, null));

        var history = HistoryWriter.Render(new TrainingHistoryEntry(
            trainingId, startedAt, total.Elapsed, requestSource, environment, 0, "", result.Evaluation.Episodes, 0, 0, 0,
            [], "(reward)", request.LearningType, request.TaskType, request.Algorithm, effective, metrics, metric, threshold,
            verdict.Decision, verdict.Reason, 1, modelSummary?.Name, modelSummary?.Version, null));
        var historyPath = await FinishAsync(trainingId, history, verdict.Decision, total.Elapsed, log, cancellationToken).ConfigureAwait(false);
        return new PipelineSummary(trainingId, verdict.Decision, verdict.Reason, metrics, modelSummary,
            new ArtifactSummary(resultsRef.Location, null, null, historyPath) { Policy = policyLocation }, 1, Math.Round(total.Elapsed.TotalSeconds, 3));
    }
}
