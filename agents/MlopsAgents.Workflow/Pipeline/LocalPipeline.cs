using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Workflow.Pipeline;

/// <summary>
/// Runs phases 1–5 of the lifecycle in process on the embedded default: data preparation, training, evaluation,
/// the Judge, then packaging, registration and local deployment when the Judge passes the model.
/// </summary>
public sealed class LocalPipeline(MlopsHome home, string dataRoot, IProgress<string>? progress = null)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private readonly MlopsHome _home = home.EnsureCreated();
    private readonly LocalArtifactStore _store = new(home.ArtifactsRoot);
    private readonly SqliteRegistry _registry = new(home.RegistryDatabase);

    public IArtifactStore Store => _store;

    public SqliteRegistry Registry => _registry;

    /// <summary>Parses and validates the issue file, then runs the pipeline. Throws <see cref="RequestValidationException"/> before any work on a bad request.</summary>
    public async Task<PipelineSummary> RunIssueFileAsync(string issuePath, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(issuePath))
        {
            throw new RequestValidationException([new RequestError("ISSUE", issuePath, "the issue file does not exist")]);
        }

        var body = await File.ReadAllBytesAsync(issuePath, cancellationToken).ConfigureAwait(false);
        var parsed = TrainingRequestParser.Parse(body, new RequestParseOptions { DataRoot = dataRoot });
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
        var log = new StringBuilder();
        void Report(string message)
        {
            log.AppendLine(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:O} {message}");
            progress?.Report(message);
        }

        if (!ModelTrainers.Algorithms.Contains(request.Algorithm))
        {
            throw new RequestValidationException([new RequestError("algorithm", request.Algorithm,
                $"'{request.Algorithm}' ({request.LearningType}, {request.TaskType}) is not trainable by `mlops run` in this build; trainable: {string.Join(", ", ModelTrainers.Algorithms)}")]);
        }

        // ---- Load and check the data against the request before any work starts ----
        var datasets = new DatasetService(_registry, _store);
        var (dataset, raw) = request.DatasetId is not null
            ? await LoadRegisteredAsync(datasets, request, cancellationToken).ConfigureAwait(false)
            : await LoadFileAsync(datasets, request, cancellationToken).ConfigureAwait(false);
        var target = request.Target ?? dataset.Target;
        var problems = CheckColumns(request, raw, target);
        if (problems.Count > 0)
        {
            throw new RequestValidationException(problems);
        }

        var trainingId = NewTrainingId(startedAt);
        Report($"[{trainingId}] dataset {dataset.DatasetId} v{dataset.Version}: {raw.RowCount} rows, {raw.Columns.Count} columns, target '{target}'");

        // ---- Phase 1: data preparation ----
        var phase = Stopwatch.StartNew();
        Report("[1/5] data preparation: quality report, cleaning, encoding, split");
        var isClassification = request.TaskType == TaskTypes.Classification;
        var quality = DataQualityReport.Build(dataset.DatasetId, dataset.Version, raw, target!, isClassification);
        var qualityJson = await PutTextAsync(trainingId, "data_quality", ArtifactKeys.Evaluation(trainingId, "data_quality.json"), Serialize(quality), cancellationToken).ConfigureAwait(false);
        await PutTextAsync(trainingId, "data_quality_markdown", ArtifactKeys.Evaluation(trainingId, "data_quality.md"), quality.ToMarkdown(), cancellationToken).ConfigureAwait(false);

        var prepared = Prepare(request, raw, target!);
        Report($"      {prepared.Notes}");
        foreach (var (split, indices) in new[] { ("train", prepared.Split.Train), ("validation", prepared.Split.Validation), ("test", prepared.Split.Test) })
        {
            var csv = ProcessedCsv(prepared.Preprocessor, prepared.Frame, indices);
            await PutTextAsync(trainingId, $"processed_{split}", ArtifactKeys.ProcessedSplit(dataset.DatasetId, split, trainingId), csv, cancellationToken).ConfigureAwait(false);
        }

        await PutTextAsync(trainingId, "feature_definitions", ArtifactKeys.FeatureDefinitions(dataset.DatasetId, trainingId), prepared.Preprocessor.ToJson(), cancellationToken).ConfigureAwait(false);
        var train = CrossValidation.Subset(prepared.Data, prepared.Split.Train);
        var validation = prepared.Split.Validation.Length > 0 ? CrossValidation.Subset(prepared.Data, prepared.Split.Validation) : null;
        var test = CrossValidation.Subset(prepared.Data, prepared.Split.Test);
        Report($"      split: train {train.RowCount}, validation {validation?.RowCount ?? 0}, test {test.RowCount}; {train.FeatureCount} features");
        timings["data_preparation"] = phase.Elapsed.TotalSeconds;

        // ---- Phases 2–4: train, evaluate, judge; retrain while the Judge says so ----
        var metric = request.EffectivePrimaryMetric;
        var threshold = request.EvaluationThreshold ?? Judge.DefaultThreshold;
        var hyperparameters = new Dictionary<string, object>(request.Hyperparameters);
        AttemptResult? attempt = null;
        JudgeVerdict verdict;
        var attemptNumber = 0;
        while (true)
        {
            var runId = attemptNumber == 0 ? trainingId : $"{trainingId}-retry{attemptNumber}";
            attempt = await TrainAndEvaluateAsync(request, dataset, runId, trainingId, train, validation, test, hyperparameters, Report, cancellationToken).ConfigureAwait(false);
            timings["training"] = timings.GetValueOrDefault("training") + attempt.TrainSeconds;
            timings["evaluation"] = timings.GetValueOrDefault("evaluation") + attempt.EvaluateSeconds;
            verdict = Judge.Decide(attempt.Metrics, metric, threshold, attemptNumber, request.MaxRetry);
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

            await FinishRunAsync(attempt, JudgeDecisions.Retrain, timings).ConfigureAwait(false);
            hyperparameters = next;
            attemptNumber++;
            Report($"      retry {attemptNumber} of {request.MaxRetry}: {RetryPolicy.Describe(request.Algorithm, hyperparameters)}");
        }

        // ---- Phase 5: package, register, deploy ----
        ModelSummary? modelSummary = null;
        string? deploymentText = null;
        if (verdict.Decision == JudgeDecisions.Pass)
        {
            phase.Restart();
            Report("[5/5] packaging, registering and deploying");
            var (model, deployment) = await PackageAndDeployAsync(request, dataset, trainingId, attempt, prepared.Preprocessor, metric, cancellationToken).ConfigureAwait(false);
            modelSummary = new ModelSummary(model.Name, model.Version);
            deploymentText = $"{deployment.Strategy} to {deployment.Endpoint} (deployment #{deployment.Id.ToString(CultureInfo.InvariantCulture)})";
            Report($"      registered {model.Name} {model.Version}; deployed {deploymentText}");
            timings["packaging"] = phase.Elapsed.TotalSeconds;
        }
        else
        {
            Report("[5/5] skipped: the Judge did not pass the model, so nothing is packaged or deployed");
        }

        // results.json carries the verdict and the model, so it is written after phase 5.
        var results = BuildResults(request, dataset, target!, attempt, verdict, modelSummary, quality, timings, attemptNumber + 1);
        var resultsRef = await PutTextAsync(attempt.RunId, "results", ArtifactKeys.Evaluation(attempt.RunId, "results.json"), results.ToJsonString(JsonOptions), cancellationToken).ConfigureAwait(false);
        await FinishRunAsync(attempt, verdict.Decision, timings).ConfigureAwait(false);

        var history = HistoryWriter.Render(new TrainingHistoryEntry(
            trainingId, startedAt, total.Elapsed, requestSource, dataset.DatasetId, dataset.Version, dataset.Sha256,
            prepared.Frame.RowCount, train.RowCount, validation?.RowCount ?? 0, test.RowCount, train.FeatureNames, target!,
            request.LearningType, request.TaskType, request.Algorithm, attempt.Hyperparameters, attempt.Metrics, metric, threshold,
            verdict.Decision, verdict.Reason, attemptNumber + 1, modelSummary?.Name, modelSummary?.Version, deploymentText));
        var historyPath = Path.Combine(_home.TrainingHistoryDirectory, trainingId + ".md");
        await AtomicFile.WriteAllTextAsync(historyPath, history, cancellationToken).ConfigureAwait(false);
        await PutTextAsync(trainingId, "history", ArtifactKeys.Log(trainingId, "training_history.md"), history, cancellationToken).ConfigureAwait(false);
        Report($"done in {total.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s: {verdict.Decision}");
        await _store.PutTextAsync(ArtifactKeys.Log(trainingId, "pipeline.log"), log.ToString(), cancellationToken).ConfigureAwait(false);

        return new PipelineSummary(
            trainingId,
            verdict.Decision,
            verdict.Reason,
            attempt.Metrics,
            modelSummary,
            new ArtifactSummary(resultsRef.Location, attempt.PredictionsPath, qualityJson.Location, historyPath),
            attemptNumber + 1,
            Math.Round(total.Elapsed.TotalSeconds, 3));
    }

    // ---------------------------------------------------------------- data

    private static async Task<(DatasetVersion, DataFrame)> LoadRegisteredAsync(DatasetService datasets, TrainingRequest request, CancellationToken ct)
    {
        try
        {
            return await datasets.LoadAsync(request.DatasetId!, request.DatasetVersion, ct).ConfigureAwait(false);
        }
        catch (DataValidationException e)
        {
            throw new RequestValidationException([new RequestError(request.DatasetVersion is null ? "dataset_id" : "dataset_version", request.DatasetId, e.Message)]);
        }
    }

    private static async Task<(DatasetVersion, DataFrame)> LoadFileAsync(DatasetService datasets, TrainingRequest request, CancellationToken ct)
    {
        try
        {
            return await datasets.LoadFileAsync(request.DatasetUri!, request.Target, ct).ConfigureAwait(false);
        }
        catch (DataValidationException e)
        {
            throw new RequestValidationException([new RequestError("dataset_uri", request.DatasetUri, e.Message)]);
        }
    }

    /// <summary>Checks every column the request names against the dataset, reporting all problems at once.</summary>
    private static List<RequestError> CheckColumns(TrainingRequest request, DataFrame frame, string? target)
    {
        var errors = new List<RequestError>();
        var columns = string.Join(", ", frame.Columns);
        if (target is null)
        {
            errors.Add(new RequestError("target", null, $"no target column: set 'target' in the request or register the dataset with --target; columns: {columns}"));
        }
        else if (frame.IndexOf(target) < 0)
        {
            errors.Add(new RequestError("target", target, $"column '{target}' is not in the dataset; columns: {columns}"));
        }

        void CheckList(string field, IReadOnlyList<string>? names)
        {
            for (var i = 0; i < (names?.Count ?? 0); i++)
            {
                if (frame.IndexOf(names![i]) < 0)
                {
                    errors.Add(new RequestError($"{field}[{i}]", names[i], $"column '{names[i]}' is not in the dataset; columns: {columns}"));
                }
            }
        }

        CheckList("feature_columns", request.FeatureColumns);
        CheckList("drop_columns", request.DropColumns);
        if (errors.Count == 0 && request.TaskType == TaskTypes.Regression)
        {
            var t = frame.IndexOf(target!);
            var bad = frame.Rows.Select(r => r[t]).FirstOrDefault(v => v is not null && !DataFrame.TryParseNumber(v, out _));
            if (bad is not null)
            {
                errors.Add(new RequestError("task_type", request.TaskType, $"regression needs a numeric target, but '{target}' holds '{bad}'; use task_type: classification"));
            }
        }

        return errors;
    }

    private sealed record Prepared(DataFrame Frame, FeaturePreprocessor Preprocessor, TrainingData Data, SplitIndices Split, string Notes);

    private static Prepared Prepare(TrainingRequest request, DataFrame raw, string target)
    {
        var options = request.DataPreprocessing;
        var notes = new List<string>();
        var frame = raw;
        if (options.RemoveDuplicates)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var unique = frame.Rows.Where(r => seen.Add(string.Join('\u001f', r.Select(c => c ?? "\u0000")))).ToList();
            notes.Add($"removed {frame.RowCount - unique.Count} duplicate rows");
            frame = frame.WithRows(unique);
        }

        var t = frame.IndexOf(target);
        var labelled = frame.Rows.Where(r => r[t] is not null).ToList();
        if (labelled.Count < frame.RowCount)
        {
            notes.Add($"dropped {frame.RowCount - labelled.Count} rows without a '{target}' value");
        }

        frame = frame.WithRows(labelled);
        var featureColumns = (request.FeatureColumns ?? frame.Columns.Where(c => c != target && !request.DropColumns.Contains(c)).ToList()).ToList();
        if (options.HandleMissing == MissingValueStrategies.Drop)
        {
            var indices = featureColumns.Select(frame.IndexOf).ToArray();
            var complete = frame.Rows.Where(r => indices.All(i => r[i] is not null)).ToList();
            notes.Add($"dropped {frame.RowCount - complete.Count} rows with missing values");
            frame = frame.WithRows(complete);
        }
        else
        {
            notes.Add($"missing values imputed by {options.HandleMissing}");
        }

        if (frame.RowCount < 10)
        {
            throw new RequestValidationException([new RequestError("dataset", null, $"only {frame.RowCount} usable rows remain after cleaning; at least 10 are needed to train and test a model")]);
        }

        var kinds = featureColumns.ToDictionary(c => c, c => frame.InferKind(frame.IndexOf(c)));
        var isClassification = request.TaskType == TaskTypes.Classification;
        var classNames = isClassification ? frame.Rows.Select(r => r[t]!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() : [];
        if (isClassification && classNames.Count < 2)
        {
            throw new RequestValidationException([new RequestError("target", target, $"classification needs at least 2 classes, but '{target}' has {classNames.Count}")]);
        }

        var classIndex = classNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var strata = isClassification ? frame.Rows.Select(r => classIndex[r[t]!]).ToArray() : null;
        var split = DataSplitter.Split(frame.RowCount, strata, request.TestSize, request.ValidationSize, request.RandomSeed);
        var task = isClassification ? ModelTask.Classification : ModelTask.Regression;
        var preprocessor = FeaturePreprocessor.Fit(frame.WithRows(split.Train.Select(i => frame.Rows[i])), target, featureColumns, kinds, options, task, classNames);
        notes.Add($"{kinds.Count(k => k.Value == ColumnKind.Categorical)} categorical columns encoded by {options.EncodeCategorical}");
        notes.Add(options.Standardize ? "numeric columns standardized" : options.Normalize ? "numeric columns normalized to [0, 1]" : "numeric columns left unscaled");
        return new Prepared(frame, preprocessor, preprocessor.ToTrainingData(frame), split, string.Join("; ", notes));
    }

    private static string ProcessedCsv(FeaturePreprocessor preprocessor, DataFrame frame, int[] indices)
    {
        var data = preprocessor.ToTrainingData(frame.WithRows(indices.Select(i => frame.Rows[i])));
        var sb = new StringBuilder();
        sb.AppendJoin(',', preprocessor.FeatureNames.Append(preprocessor.Target).Select(DataFrame.Quote)).Append('\n');
        for (var i = 0; i < data.RowCount; i++)
        {
            sb.AppendJoin(',', data.Features[i].Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            var label = data.Task == ModelTask.Classification ? data.ClassNames[(int)data.Labels[i]] : data.Labels[i].ToString("R", CultureInfo.InvariantCulture);
            sb.Append(',').Append(DataFrame.Quote(label)).Append('\n');
        }

        return sb.ToString();
    }

    // ---------------------------------------------------------------- training and evaluation

    private sealed record AttemptResult(
        string RunId,
        string ParentTrainingId,
        DatasetVersion Dataset,
        string Algorithm,
        string TaskType,
        ITrainedModel Model,
        IReadOnlyDictionary<string, object> Hyperparameters,
        IReadOnlyDictionary<string, double> Metrics,
        ClassificationReport? Classification,
        Dictionary<string, string> Artifacts,
        string PredictionsPath,
        double TrainSeconds,
        double EvaluateSeconds,
        DateTimeOffset StartedAt);

    private async Task<AttemptResult> TrainAndEvaluateAsync(
        TrainingRequest request, DatasetVersion dataset, string runId, string trainingId, TrainingData train, TrainingData? validation, TrainingData test,
        Dictionary<string, object> hyperparameters, Action<string> report, CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var effective = WithDefaults(request.Algorithm, hyperparameters);
        _registry.SaveRun(new RunRecord(runId, dataset.DatasetId, dataset.Version, request.Algorithm, request.TaskType, "running", null,
            effective, new Dictionary<string, double>(), new Dictionary<string, string>(), new Dictionary<string, double>(), startedAt, null,
            runId == trainingId ? null : trainingId));

        report($"[2/5] training {request.Algorithm} ({RetryPolicy.Describe(request.Algorithm, effective)}) on {train.RowCount} rows");
        var watch = Stopwatch.StartNew();
        var trainer = ModelTrainers.Get(request.Algorithm);
        var model = trainer.Train(train, validation, hyperparameters, request.RandomSeed, new ActionProgress(m => report("      " + m)));
        var trainSeconds = watch.Elapsed.TotalSeconds;

        report($"[3/5] evaluating on {test.RowCount} held-out rows");
        watch.Restart();
        var outputs = model.Predict(test.Features);
        var artifacts = new Dictionary<string, string>();
        var scratch = Directory.CreateTempSubdirectory("mlops-eval-");
        try
        {
            IReadOnlyDictionary<string, double> metrics;
            ClassificationReport? classification = null;
            var predictionsFile = Path.Combine(scratch.FullName, "predictions.csv");
            if (test.Task == ModelTask.Classification)
            {
                var actual = test.Labels.Select(l => (int)l).ToArray();
                classification = ClassificationEvaluator.Evaluate(actual, outputs, test.ClassNames);
                metrics = classification.ToMetricDictionary();
                EvaluationPlots.SaveConfusionMatrixPng(classification, Path.Combine(scratch.FullName, "confusion_matrix.png"));
                var curves = new Dictionary<string, IReadOnlyList<RocPoint>>();
                var classesToPlot = test.ClassNames.Count == 2 ? [1] : Enumerable.Range(0, test.ClassNames.Count);
                foreach (var k in classesToPlot.Where(k => actual.Contains(k) && actual.Any(a => a != k)))
                {
                    curves[test.ClassNames[k]] = ClassificationEvaluator.RocCurve(actual, [.. outputs.Select(o => o[k])], k);
                }

                EvaluationPlots.SaveRocCurvePng(curves, Path.Combine(scratch.FullName, "roc_curve.png"));
                PredictionsCsv.Write(predictionsFile, actual, outputs, test.ClassNames);
            }
            else
            {
                var predicted = outputs.Select(o => o[0]).ToArray();
                metrics = RegressionEvaluator.Evaluate(test.Labels, predicted).ToMetricDictionary();
                EvaluationPlots.SaveResidualsPng(test.Labels, predicted, Path.Combine(scratch.FullName, "residuals.png"));
                PredictionsCsv.Write(predictionsFile, test.Labels, predicted);
            }

            foreach (var file in Directory.GetFiles(scratch.FullName).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                var stored = await _store.PutFileAsync(ArtifactKeys.Evaluation(runId, name), file, ct).ConfigureAwait(false);
                _registry.RecordArtifact(runId, name, stored);
                artifacts[Path.GetFileNameWithoutExtension(name)] = stored.Location;
            }

            report("      " + string.Join(", ", metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {m.Value.ToString("0.0000", CultureInfo.InvariantCulture)}")));
            return new AttemptResult(runId, trainingId, dataset, request.Algorithm, request.TaskType, model, effective, metrics, classification,
                artifacts, artifacts["predictions"], trainSeconds, watch.Elapsed.TotalSeconds, startedAt);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private Task FinishRunAsync(AttemptResult attempt, string decision, IReadOnlyDictionary<string, double> timings)
    {
        _registry.SaveRun(new RunRecord(attempt.RunId, attempt.Dataset.DatasetId, attempt.Dataset.Version, attempt.Algorithm, attempt.TaskType,
            "finished", decision, attempt.Hyperparameters, attempt.Metrics, attempt.Artifacts,
            new Dictionary<string, double> { ["training"] = attempt.TrainSeconds, ["evaluation"] = attempt.EvaluateSeconds },
            attempt.StartedAt, DateTimeOffset.UtcNow, attempt.RunId == attempt.ParentTrainingId ? null : attempt.ParentTrainingId));
        return Task.CompletedTask;
    }

    // ---------------------------------------------------------------- packaging and deployment

    private async Task<(ModelSummary Model, DeploymentRecord Deployment)> PackageAndDeployAsync(
        TrainingRequest request, DatasetVersion dataset, string trainingId, AttemptResult attempt, FeaturePreprocessor preprocessor, string metric, CancellationToken ct)
    {
        var name = request.ModelName ?? $"{dataset.DatasetId}-{request.Algorithm}".Replace('_', '-');
        var schemaHash = Sha256Hex(JsonSerializer.Serialize(new { columns = preprocessor.Columns, features = preprocessor.FeatureNames, classes = preprocessor.ClassNames, task = preprocessor.Task }, JsonOptions));
        var configHash = Sha256Hex(JsonSerializer.Serialize(new { request.Algorithm, request.TaskType, hyperparameters = attempt.Hyperparameters.OrderBy(k => k.Key, StringComparer.Ordinal), request.DataPreprocessing }, JsonOptions));
        var models = new ModelRegistryService(_registry, _store);
        var version = models.NextVersion(name, schemaHash).ToString();
        var prefix = ArtifactKeys.ModelPrefix(name, version);

        var scratch = Directory.CreateTempSubdirectory("mlops-model-");
        try
        {
            attempt.Model.Save(Path.Combine(scratch.FullName, ModelPackage.ModelSubdirectory));
            await File.WriteAllTextAsync(Path.Combine(scratch.FullName, FeaturePreprocessor.FileName), preprocessor.ToJson(), ct).ConfigureAwait(false);
            var fileHashes = new Dictionary<string, string>();
            foreach (var file in Directory.GetFiles(scratch.FullName, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(scratch.FullName, file).Replace(Path.DirectorySeparatorChar, '/');
                var stored = await _store.PutFileAsync(prefix + relative, file, ct).ConfigureAwait(false);
                _registry.RecordArtifact(trainingId, $"model {name} {version} {relative}", stored);
                fileHashes[relative] = stored.Sha256;
            }

            var metadata = new ModelMetadata(name, version, trainingId, request.Algorithm, Implementation(request.Algorithm), request.TaskType,
                preprocessor.Target, preprocessor.ClassNames, preprocessor.Columns, preprocessor.FeatureNames, attempt.Hyperparameters, attempt.Metrics, metric,
                new DatasetReference(dataset.DatasetId, dataset.Version, dataset.Sha256), schemaHash, configHash, fileHashes, DateTimeOffset.UtcNow);
            var openApi = OpenApiDocument.Build(metadata).ToJsonString(JsonOptions);
            var openApiRef = await _store.PutTextAsync(prefix + OpenApiDocument.FileName, openApi, ct).ConfigureAwait(false);
            _registry.RecordArtifact(trainingId, $"model {name} {version} openapi", openApiRef);

            // The metadata goes last: a version folder with model_metadata.json is complete.
            var metadataRef = await _store.PutTextAsync(prefix + ModelMetadata.FileName, metadata.ToJson(), ct).ConfigureAwait(false);
            _registry.RecordArtifact(trainingId, $"model {name} {version} metadata", metadataRef);

            var pruned = await models.RegisterAsync(new ModelVersionRecord(name, version, trainingId, prefix, metadataRef.Sha256, schemaHash, configHash,
                attempt.Metrics, DateTimeOffset.UtcNow, false), ct).ConfigureAwait(false);
            if (pruned.Count > 0)
            {
                progress?.Report($"      retention: pruned {name} {string.Join(", ", pruned)} (keeping the last {models.GenerationsToKeep} generations)");
            }

            models.Promote(name, version);
            var deployment = new LocalDeployer(_registry, _store, Path.Combine(_home.Root, "cache")).Deploy(name, version, request.DeploymentStrategy);
            return (new ModelSummary(name, version), deployment);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static string Implementation(string algorithm) => algorithm == AlgorithmCatalog.XgBoost
        ? "gradient-boosted trees by ML.NET LightGBM 5.0.1 (not the XGBoost library)"
        : $"{algorithm} implemented in MlopsAgents";

    // ---------------------------------------------------------------- results

    private static JsonObject BuildResults(
        TrainingRequest request, DatasetVersion dataset, string target, AttemptResult attempt, JudgeVerdict verdict, ModelSummary? model,
        DataQualityReport quality, IReadOnlyDictionary<string, double> timings, int attempts)
    {
        var results = new JsonObject
        {
            ["training_id"] = attempt.ParentTrainingId,
            ["run_id"] = attempt.RunId,
            ["learning_type"] = request.LearningType,
            ["task_type"] = request.TaskType,
            ["algorithm"] = request.Algorithm,
            ["dataset"] = new JsonObject { ["dataset_id"] = dataset.DatasetId, ["version"] = dataset.Version, ["sha256"] = dataset.Sha256, ["rows"] = quality.Rows, ["target"] = target },
            ["hyperparameters"] = JsonSerializer.SerializeToNode(attempt.Hyperparameters),
            ["metrics"] = JsonSerializer.SerializeToNode(attempt.Metrics),
            ["primary_metric"] = verdict.Metric,
            ["judge"] = JsonSerializer.SerializeToNode(verdict),
            ["attempts"] = attempts,
            ["model"] = model is null ? null : new JsonObject { ["name"] = model.Name, ["version"] = model.Version },
            ["artifacts"] = JsonSerializer.SerializeToNode(attempt.Artifacts),
            ["timings_seconds"] = JsonSerializer.SerializeToNode(timings),
        };
        if (attempt.Classification is { } c)
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

    // ---------------------------------------------------------------- helpers

    private async Task<ArtifactRef> PutTextAsync(string trainingId, string name, string key, string text, CancellationToken ct)
    {
        var stored = await _store.PutTextAsync(key, text, ct).ConfigureAwait(false);
        _registry.RecordArtifact(trainingId, name, stored);
        return stored;
    }

    /// <summary>The hyperparameters in force: the request's values over the catalog defaults, for the records.</summary>
    private static Dictionary<string, object> WithDefaults(string algorithm, IReadOnlyDictionary<string, object> given)
    {
        var effective = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var spec in AlgorithmCatalog.Find(algorithm)!.Hyperparameters)
        {
            if (given.TryGetValue(spec.Name, out var value) || (value = spec.Default) is not null)
            {
                effective[spec.Name] = value;
            }
        }

        return effective;
    }

    /// <summary>Reports on the caller's thread, so progress lines keep their order (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class ActionProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, JsonOptions);

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string NewTrainingId(DateTimeOffset at) =>
        $"train-{at.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
}
