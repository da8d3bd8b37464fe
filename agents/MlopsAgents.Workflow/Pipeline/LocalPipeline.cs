using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Search;

namespace MlopsAgents.Workflow.Pipeline;

/// <summary>
/// Runs phases 1–5 of the lifecycle in process on the embedded default, calling the same capability services the
/// MCP tools call: data preparation, training, evaluation, the Judge, then packaging, registration and local
/// deployment when the Judge passes the model.
/// </summary>
public sealed partial class LocalPipeline
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>The trainers that honour per-row sample weights, which class_weight relies on.</summary>
    private static readonly string[] WeightedAlgorithms = [AlgorithmCatalog.XgBoost, AlgorithmCatalog.RandomForest, AlgorithmCatalog.LogisticRegression];
    private readonly MlopsContext _context;
    private readonly IProgress<string>? _progress;

    public LocalPipeline(MlopsContext context, IProgress<string>? progress = null)
    {
        _context = context;
        _progress = progress;
    }

    public LocalPipeline(MlopsHome home, string dataRoot, IProgress<string>? progress = null)
        : this(new MlopsContext(home, dataRoot), progress)
    {
    }

    public MlopsContext Context => _context;

    public IArtifactStore Store => _context.Store;

    public SqliteRegistry Registry => _context.Registry;

    /// <summary>Parses and validates the issue file, then runs the pipeline. Throws <see cref="RequestValidationException"/> before any work on a bad request.</summary>
    public async Task<PipelineSummary> RunIssueFileAsync(string issuePath, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(issuePath))
        {
            throw new RequestValidationException("ISSUE", issuePath, "the issue file does not exist");
        }

        var body = await File.ReadAllBytesAsync(issuePath, cancellationToken).ConfigureAwait(false);
        var parsed = TrainingRequestParser.Parse(body, new RequestParseOptions { DataRoot = _context.DataRoot });
        if (!parsed.IsValid)
        {
            throw new RequestValidationException(parsed.Errors);
        }

        return await RunAsync(parsed.Request!, Path.GetFileName(issuePath), cancellationToken).ConfigureAwait(false);
    }

    public async Task<PipelineSummary> RunAsync(TrainingRequest request, string requestSource, CancellationToken cancellationToken = default)
    {
        var total = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;
        var timings = new Dictionary<string, double>();
        var log = new RunLog(_progress);
        var Report = log.Report;

        if (request.LearningType == LearningTypes.Unsupervised)
        {
            return await RunUnsupervisedAsync(request, requestSource, cancellationToken).ConfigureAwait(false);
        }

        if (request.LearningType == LearningTypes.Reinforcement)
        {
            return await RunReinforcementAsync(request, requestSource, cancellationToken).ConfigureAwait(false);
        }

        if (!ModelTrainers.Algorithms.Contains(request.Algorithm))
        {
            throw new RequestValidationException("algorithm", request.Algorithm,
                $"'{request.Algorithm}' ({request.LearningType}, {request.TaskType}) is not trainable by `mlops run` in this build; trainable: {string.Join(", ", ModelTrainers.Algorithms)}");
        }

        var (metric, threshold) = MetricAndThreshold(request);
        if (request.DataPreprocessing.ClassImbalance == "class_weight" && !WeightedAlgorithms.Contains(request.Algorithm))
        {
            throw new RequestValidationException("data_preprocessing.class_imbalance", "class_weight",
                $"{request.Algorithm} does not use sample weights; class_weight works with {string.Join(", ", WeightedAlgorithms)}; use smote or undersample for {request.Algorithm}");
        }

        // ---- Load and check the data against the request before any work starts ----
        var preparation = new PreparationService(_context);
        var (dataset, raw, checkedTarget) = await preparation.LoadAndCheckAsync(request, cancellationToken).ConfigureAwait(false);
        var target = checkedTarget!;
        var trainingId = NewTrainingId(startedAt);
        Report($"[{trainingId}] dataset {dataset.DatasetId} v{dataset.Version}: {raw.RowCount} rows, {raw.Columns.Count} columns, target '{target}'");

        // ---- Phase 1: data preparation ----
        var phase = Stopwatch.StartNew();
        Report("[1/5] data preparation: quality report, cleaning, encoding, split");
        var (data, quality, qualityRef) = await preparation.PrepareAsync(request, dataset, raw, target, trainingId, cancellationToken).ConfigureAwait(false);
        Report($"      {data.Manifest.Notes}");
        Report($"      split: train {data.Train.RowCount}, validation {data.Validation?.RowCount ?? 0}, test {data.Test.RowCount}; {data.Train.FeatureCount} features");
        timings["data_preparation"] = phase.Elapsed.TotalSeconds;

        // ---- Phases 2–4: train, evaluate, judge; retrain while the Judge says so ----
        var training = new TrainingService(_context);
        var evaluation = new EvaluationService(_context);
        var hyperparameters = new Dictionary<string, object>(request.Hyperparameters);
        JsonObject? search = null;
        if (request.Hpo is { } hpo)
        {
            phase.Restart();
            (hyperparameters, search) = Search(request, hpo, data, trainingId, Report, cancellationToken);
            timings["hyperparameter_search"] = phase.Elapsed.TotalSeconds;
        }

        CandidateModel candidate;
        EvaluationOutcome outcome;
        JudgeVerdict verdict;
        var attempt = 0;
        while (true)
        {
            var runId = attempt == 0 ? trainingId : $"{trainingId}-retry{attempt}";
            Report($"[2/5] training {request.Algorithm} ({RetryPolicy.Describe(request.Algorithm, TrainingService.WithDefaults(request.Algorithm, hyperparameters))}) on {data.Train.RowCount} rows");
            candidate = await training.TrainAsync(data, runId, request.Algorithm, hyperparameters, request.RandomSeed, new ActionProgress(m => Report("      " + m)), cancellationToken).ConfigureAwait(false);
            Report($"[3/5] evaluating on {data.Test.RowCount} held-out rows");
            outcome = await evaluation.EvaluateAsync(data, candidate, cancellationToken).ConfigureAwait(false);
            Report("      " + string.Join(", ", outcome.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {m.Value.ToString("0.0000", CultureInfo.InvariantCulture)}")));
            timings["training"] = timings.GetValueOrDefault("training") + candidate.TrainSeconds;
            timings["evaluation"] = timings.GetValueOrDefault("evaluation") + outcome.Seconds;

            verdict = Judge.Decide(outcome.Metrics, metric, threshold, attempt, request.MaxRetry);
            Report($"[4/5] judge: {verdict.Decision}: {verdict.Reason}");
            if (verdict.Decision != JudgeDecisions.Retrain)
            {
                break;
            }

            var next = RetryPolicy.Escalate(request.Algorithm, hyperparameters);
            if (next is null)
            {
                verdict = verdict with
                {
                    Decision = JudgeDecisions.Fail,
                    Reason = verdict.Reason + $" No stronger configuration of {request.Algorithm} is left to try, so retraining would repeat this model; the run fails.",
                };
                break;
            }

            training.CompleteRun(data, candidate, outcome.Metrics, outcome.Artifacts, outcome.Seconds, JudgeDecisions.Retrain);
            hyperparameters = next;
            attempt++;
            Report($"      retry {attempt} of {request.MaxRetry}: {RetryPolicy.Describe(request.Algorithm, hyperparameters)}");
        }

        // ---- Explanations, learning curve, bias check and drift baseline of the final candidate ----
        phase.Restart();
        var insights = await new ModelInsightsService(_context).BuildAsync(data, candidate,
            new InsightsOptions(request.Explain, request.LearningCurve, request.Fairness, request.RandomSeed), new ActionProgress(m => Report("      " + m)), cancellationToken).ConfigureAwait(false);
        timings["insights"] = phase.Elapsed.TotalSeconds;
        foreach (var flagged in (insights.Summary["fairness"]?.AsArray() ?? []).Where(r => r?["fails_four_fifths_rule"]?.GetValue<bool>() == true))
        {
            Report($"      bias check: '{flagged!["sensitive_feature"]}' fails the four-fifths rule (disparate impact {flagged["disparate_impact_ratio"]})");
        }

        // ---- Phase 5: package, register, deploy ----
        ModelSummary? modelSummary = null;
        string? deploymentText = null;
        if (verdict.Decision == JudgeDecisions.Pass)
        {
            phase.Restart();
            Report("[5/5] packaging, registering and deploying");
            var modelName = request.ModelName ?? PackagingService.DefaultModelName(dataset.DatasetId, request.Algorithm);
            var extraFiles = insights.Baseline is { } baseline ? new Dictionary<string, string> { ["drift_baseline.json"] = baseline.ToJson() } : null;
            var packaged = await new PackagingService(_context).PackageAsync(data, candidate, outcome.Metrics, modelName, metric, extraFiles, cancellationToken).ConfigureAwait(false);
            if (packaged.Pruned.Count > 0)
            {
                Report($"      retention: pruned {modelName} {string.Join(", ", packaged.Pruned)}");
            }

            var deployment = new LocalDeployer(_context.Registry, _context.Store, _context.CacheDirectory).Deploy(modelName, packaged.Model.Version, request.DeploymentStrategy);
            modelSummary = new ModelSummary(modelName, packaged.Model.Version);
            deploymentText = $"{deployment.Strategy} to {deployment.Endpoint} (deployment #{deployment.Id.ToString(CultureInfo.InvariantCulture)})";
            Report($"      registered {modelName} {packaged.Model.Version}; deployed {deploymentText}");
            timings["packaging"] = phase.Elapsed.TotalSeconds;
        }
        else
        {
            Report("[5/5] skipped: the Judge did not pass the model, so nothing is packaged or deployed");
        }

        // results.json carries the verdict and the model, so it is written after phase 5.
        var results = BuildResults(request, data, quality, candidate, outcome, verdict, modelSummary, timings, attempt + 1);
        results["insights"] = insights.Summary;
        results["hyperparameter_search"] = search;
        results["data_preparation"] = new JsonObject
        {
            ["notes"] = data.Manifest.Notes,
            ["outliers_removed"] = data.Manifest.OutliersRemoved,
            ["class_counts_before"] = JsonSerializer.SerializeToNode(data.Manifest.ClassCountsBefore),
            ["class_counts_after"] = JsonSerializer.SerializeToNode(data.Manifest.ClassCountsAfter),
        };
        var allArtifacts = outcome.Artifacts.Concat(insights.Artifacts).ToDictionary(kv => kv.Key, kv => kv.Value);
        results["artifacts"] = JsonSerializer.SerializeToNode(allArtifacts);
        var resultsRef = await _context.PutTextAsync(candidate.RunId, "results", ArtifactKeys.Evaluation(candidate.RunId, "results.json"), results.ToJsonString(JsonOptions), cancellationToken).ConfigureAwait(false);
        training.CompleteRun(data, candidate, outcome.Metrics, outcome.Artifacts, outcome.Seconds, verdict.Decision);

        var manifest = data.Manifest;
        var history = HistoryWriter.Render(new TrainingHistoryEntry(
            trainingId, startedAt, total.Elapsed, requestSource, dataset.DatasetId, dataset.Version, dataset.Sha256,
            manifest.Rows, manifest.TrainRows, manifest.ValidationRows, manifest.TestRows, manifest.FeatureNames, target,
            request.LearningType, request.TaskType, request.Algorithm, candidate.Hyperparameters, outcome.Metrics, metric, threshold,
            verdict.Decision, verdict.Reason, attempt + 1, modelSummary?.Name, modelSummary?.Version, deploymentText)
        {
            ExtraSections = [.. SearchSection(search), .. insights.HistorySections],
        });
        var historyPath = await FinishAsync(trainingId, history, verdict.Decision, total.Elapsed, log, cancellationToken).ConfigureAwait(false);

        return new PipelineSummary(
            trainingId,
            verdict.Decision,
            verdict.Reason,
            outcome.Metrics,
            modelSummary,
            new ArtifactSummary(resultsRef.Location, outcome.PredictionsLocation, qualityRef.Location, historyPath),
            attempt + 1,
            Math.Round(total.Elapsed.TotalSeconds, 3))
        {
            Deployment = deploymentText,
        };
    }

    private static JsonObject BuildResults(
        TrainingRequest request, PreparedData data, DataQualityReport quality, CandidateModel candidate, EvaluationOutcome outcome,
        JudgeVerdict verdict, ModelSummary? model, IReadOnlyDictionary<string, double> timings, int attempts)
    {
        var manifest = data.Manifest;
        var results = new JsonObject
        {
            ["training_id"] = manifest.TrainingId,
            ["run_id"] = candidate.RunId,
            ["learning_type"] = request.LearningType,
            ["task_type"] = request.TaskType,
            ["algorithm"] = request.Algorithm,
            ["dataset"] = new JsonObject
            {
                ["dataset_id"] = manifest.DatasetId,
                ["version"] = manifest.DatasetVersion,
                ["sha256"] = manifest.DatasetSha256,
                ["rows"] = quality.Rows,
                ["target"] = manifest.Target,
            },
            ["split"] = new JsonObject { ["train"] = manifest.TrainRows, ["validation"] = manifest.ValidationRows, ["test"] = manifest.TestRows },
            ["hyperparameters"] = JsonSerializer.SerializeToNode(candidate.Hyperparameters),
            ["metrics"] = JsonSerializer.SerializeToNode(outcome.Metrics),
            ["primary_metric"] = verdict.Metric,
            ["judge"] = JsonSerializer.SerializeToNode(verdict),
            ["attempts"] = attempts,
            ["model"] = model is null ? null : new JsonObject { ["name"] = model.Name, ["version"] = model.Version },
            ["artifacts"] = JsonSerializer.SerializeToNode(outcome.Artifacts),
            ["timings_seconds"] = JsonSerializer.SerializeToNode(timings),
        };
        if (outcome.Classification is { } c)
        {
            results["class_names"] = JsonSerializer.SerializeToNode(c.ClassNames);
            results["confusion_matrix"] = JsonSerializer.SerializeToNode(c.ConfusionMatrix);
            results["per_class"] = new JsonArray([.. c.PerClass.Select(p => (JsonNode?)new JsonObject
            {
                ["class"] = p.ClassName,
                ["precision"] = p.Precision,
                ["recall"] = p.Recall,
                ["f1_score"] = p.F1Score,
                ["support"] = p.Support,
                ["auc_roc"] = p.AucRoc,
            })]);
        }

        return results;
    }

    /// <summary>Runs the request's hyperparameter search on the training split; every trial is a child run of the training id.</summary>
    private (Dictionary<string, object> Best, JsonObject Summary) Search(TrainingRequest request, HpoOptions hpo, PreparedData data, string trainingId, Action<string> report, CancellationToken ct)
    {
        report($"[2/5] hyperparameter search: {hpo.Method}, {hpo.MaxTrials} trials, {hpo.CvFolds}-fold {hpo.Metric ?? "default metric"}");
        var startedAt = DateTimeOffset.UtcNow;
        var result = HyperparameterSearch.Run(hpo, request.Algorithm, data.Train, request.Hyperparameters, new SearchSettings { Seed = request.RandomSeed }, trial =>
        {
            var parameters = TrainingService.WithDefaults(request.Algorithm, request.Hyperparameters.Concat(trial.Parameters).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value));
            _context.Registry.SaveRun(new RunRecord($"{trainingId}-trial{trial.Number}", data.Manifest.DatasetId, data.Manifest.DatasetVersion, request.Algorithm, request.TaskType,
                "finished", "search_trial", parameters, new Dictionary<string, double> { ["cv_score"] = trial.MeanScore },
                new Dictionary<string, string>(), new Dictionary<string, double> { ["trial"] = trial.Duration.TotalSeconds }, startedAt, DateTimeOffset.UtcNow, trainingId));
            report(string.Create(CultureInfo.InvariantCulture, $"      trial {trial.Number}: {string.Join(", ", trial.Parameters.Select(p => $"{p.Key}={FormatValue(p.Value)}"))} → {trial.MeanScore:0.0000}"));
        }, ct);
        var best = new Dictionary<string, object>(request.Hyperparameters);
        foreach (var (name, value) in result.BestParameters)
        {
            best[name] = value;
        }

        report(string.Create(CultureInfo.InvariantCulture, $"      best: {string.Join(", ", result.BestParameters.Select(p => $"{p.Key}={FormatValue(p.Value)}"))} ({result.Metric} {result.BestScore:0.0000})"));
        var summary = new JsonObject
        {
            ["method"] = hpo.Method,
            ["metric"] = result.Metric,
            ["cv_folds"] = hpo.CvFolds,
            ["best_parameters"] = JsonSerializer.SerializeToNode(result.BestParameters),
            ["best_score"] = result.BestScore,
            ["trials"] = new JsonArray([.. result.Trials.Select(t => (JsonNode?)new JsonObject
            {
                ["number"] = t.Number,
                ["parameters"] = JsonSerializer.SerializeToNode(t.Parameters),
                ["mean_score"] = t.MeanScore,
            })]),
        };
        return (best, summary);
    }

    private static IEnumerable<string> SearchSection(JsonObject? search)
    {
        if (search is null)
        {
            yield break;
        }

        yield return string.Create(CultureInfo.InvariantCulture,
            $"## Hyperparameter search\n\n{search["method"]} search over {search["trials"]!.AsArray().Count} trials ({search["cv_folds"]}-fold {search["metric"]}); best {search["best_score"]!.GetValue<double>():0.0000} with {search["best_parameters"]!.ToJsonString()}, which trained the final model.\n");
    }

    private static string FormatValue(object value) => value switch
    {
        double d => d.ToString("G4", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// Every run ends the same way: the history goes to MLOPS_HOME/training_history and the store, and the progress log
    /// to logs/{training_id}/pipeline.log. Returns the history's path.
    /// </summary>
    private async Task<string> FinishAsync(string trainingId, string history, string decision, TimeSpan elapsed, RunLog log, CancellationToken cancellationToken)
    {
        var historyPath = Path.Combine(_context.Home.TrainingHistoryDirectory, trainingId + ".md");
        await AtomicFile.WriteAllTextAsync(historyPath, history, cancellationToken).ConfigureAwait(false);
        await _context.PutTextAsync(trainingId, "history", ArtifactKeys.Log(trainingId, "training_history.md"), history, cancellationToken).ConfigureAwait(false);
        log.Report($"done in {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s: {decision}");
        await _context.Store.PutTextAsync(ArtifactKeys.Log(trainingId, "pipeline.log"), log.ToString(), cancellationToken).ConfigureAwait(false);
        return historyPath;
    }

    /// <summary>The primary metric and the threshold the Judge applies, checked before any work starts.</summary>
    private static (string Metric, double Threshold) MetricAndThreshold(TrainingRequest request)
    {
        var metric = request.EffectivePrimaryMetric;
        var threshold = request.EvaluationThreshold ?? Judge.DefaultThresholdFor(metric)
            ?? throw new RequestValidationException("evaluation_threshold", null, $"{metric} is on the data's own scale, so it has no default threshold; set evaluation_threshold");
        return (metric, threshold);
    }

    private static string NewTrainingId(DateTimeOffset at) =>
        $"train-{at.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    /// <summary>Progress lines, reported as they happen and kept for logs/{training_id}/pipeline.log.</summary>
    private sealed class RunLog(IProgress<string>? progress)
    {
        private readonly StringBuilder _lines = new();

        public void Report(string message)
        {
            _lines.AppendLine(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:O} {message}");
            progress?.Report(message);
        }

        public override string ToString() => _lines.ToString();
    }

    /// <summary>Reports on the caller's thread, so progress lines keep their order (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class ActionProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
