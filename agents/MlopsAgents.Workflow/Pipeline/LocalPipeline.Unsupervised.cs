using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Unsupervised;

namespace MlopsAgents.Workflow.Pipeline;

/// <summary>The unsupervised path: clustering and dimensionality reduction on every input row, in input order.</summary>
public sealed partial class LocalPipeline
{
    private async Task<PipelineSummary> RunUnsupervisedAsync(TrainingRequest request, string requestSource, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;
        var timings = new Dictionary<string, double>();
        var log = new RunLog(_progress);
        var Report = log.Report;

        var (metric, threshold) = MetricAndThreshold(request);
        var (dataset, raw, target) = await new PreparationService(_context).LoadAndCheckAsync(request, cancellationToken).ConfigureAwait(false);
        var trainingId = NewTrainingId(startedAt);
        var runId = trainingId;
        Report($"[{trainingId}] dataset {dataset.DatasetId} v{dataset.Version}: {raw.RowCount} rows, {raw.Columns.Count} columns" + (target is null ? "" : $"; '{target}' excluded from the features and used to colour plots"));

        // ---- Phase 1: every row is kept in input order, so outputs line up with the input file ----
        var phase = Stopwatch.StartNew();
        Report("[1/5] data preparation: quality report, imputation, encoding, scaling");
        var quality = DataQualityReport.Build(dataset.DatasetId, dataset.Version, raw, target ?? "", isClassification: target is not null);
        var qualityRef = await _context.PutTextAsync(trainingId, "data_quality", ArtifactKeys.Evaluation(trainingId, "data_quality.json"), JsonSerializer.Serialize(quality, JsonOptions), cancellationToken).ConfigureAwait(false);
        await _context.PutTextAsync(trainingId, "data_quality_markdown", ArtifactKeys.Evaluation(trainingId, "data_quality.md"), quality.ToMarkdown(), cancellationToken).ConfigureAwait(false);
        var features = (request.FeatureColumns ?? raw.Columns.Where(c => c != target && !request.DropColumns.Contains(c)).ToList()).ToList();
        var kinds = features.ToDictionary(c => c, c => raw.InferKind(raw.IndexOf(c)));
        var preprocessor = FeaturePreprocessor.Fit(raw, target ?? "", features, kinds, request.DataPreprocessing, ModelTask.Regression, []);
        var included = new List<int>();
        var matrix = new List<double[]>();
        for (var i = 0; i < raw.RowCount; i++)
        {
            var row = raw.Rows[i];
            var x = preprocessor.TryTransform(name => (true, row[raw.IndexOf(name)]), []);
            if (x is not null)
            {
                included.Add(i);
                matrix.Add(x);
            }
        }

        var notes = $"{matrix.Count} of {raw.RowCount} rows used ({raw.RowCount - matrix.Count} dropped for missing values); {preprocessor.FeatureNames.Count} features";
        Report("      " + notes);
        if (matrix.Count < 3)
        {
            throw new RequestValidationException("dataset", dataset.DatasetId, $"only {matrix.Count} usable rows; at least 3 are needed");
        }

        await _context.PutTextAsync(trainingId, "feature_definitions", ArtifactKeys.FeatureDefinitions(dataset.DatasetId, trainingId), preprocessor.ToJson(), cancellationToken).ConfigureAwait(false);
        timings["data_preparation"] = phase.Elapsed.TotalSeconds;

        // ---- Phases 2–3: fit, then score ----
        phase.Restart();
        var effective = TrainingService.WithDefaults(request.Algorithm, request.Hyperparameters);
        Report($"[2/5] fitting {request.Algorithm} on {matrix.Count} rows");
        var result = UnsupervisedTrainer.Fit(request.Algorithm, [.. matrix], request.Hyperparameters, request.RandomSeed);
        timings["training"] = phase.Elapsed.TotalSeconds;
        Report("[3/5] evaluating: " + string.Join(", ", result.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {m.Value.ToString("0.####", CultureInfo.InvariantCulture)}")));

        phase.Restart();
        var artifacts = new Dictionary<string, string>();
        var summaryArtifacts = (Assignments: (string?)null, Embedding: (string?)null);
        var groups = target is null ? null : included.Select(i => raw.Rows[i][raw.IndexOf(target)] ?? "(missing)").ToList();
        var scratch = Directory.CreateTempSubdirectory("mlops-unsupervised-");
        try
        {
            async Task<string> Save(string fileName)
            {
                var stored = await _context.PutFileAsync(runId, fileName, ArtifactKeys.Evaluation(runId, fileName), Path.Combine(scratch.FullName, fileName), cancellationToken).ConfigureAwait(false);
                artifacts[Path.GetFileNameWithoutExtension(fileName)] = stored.Location;
                return stored.Location;
            }

            if (result.Labels is { } labels)
            {
                // Rows dropped for missing values get -1, as noise does, so the file keeps one line per input row.
                var all = Enumerable.Repeat(-1, raw.RowCount).ToArray();
                for (var k = 0; k < included.Count; k++)
                {
                    all[included[k]] = labels[k];
                }

                UnsupervisedCsv.WriteAssignments(Path.Combine(scratch.FullName, "assignments.csv"), all);
                summaryArtifacts.Assignments = await Save("assignments.csv").ConfigureAwait(false);
                var projected = Pca.Fit([.. matrix], Math.Min(2, preprocessor.FeatureNames.Count)).Transform([.. matrix]);
                EmbeddingPlots.SaveScatterPng(projected, Path.Combine(scratch.FullName, "embedding.png"), labels, $"{request.Algorithm} clusters (first two principal components)");
                await Save("embedding.png").ConfigureAwait(false);
            }

            if (result.Embedding is { } embedding)
            {
                UnsupervisedCsv.WriteEmbedding(Path.Combine(scratch.FullName, "embedding.csv"), embedding);
                summaryArtifacts.Embedding = await Save("embedding.csv").ConfigureAwait(false);
                if (embedding[0].Length >= 2)
                {
                    EmbeddingPlots.SaveScatterPng(embedding, Path.Combine(scratch.FullName, "embedding.png"), groups, $"{request.Algorithm} embedding");
                    await Save("embedding.png").ConfigureAwait(false);
                }
            }

            var metrics = result.Metrics.ToDictionary(kv => kv.Key, kv => kv.Value);
            var verdict = Judge.Decide(metrics, metric, threshold, 0, 0);
            Report($"[4/5] judge: {verdict.Decision}: {verdict.Reason}");

            // ---- Phase 5: register the fitted model (it assigns or transforms; the prediction server serves supervised models) ----
            ModelSummary? modelSummary = null;
            if (verdict.Decision == JudgeDecisions.Pass)
            {
                var modelName = request.ModelName ?? PackagingService.DefaultModelName(dataset.DatasetId, request.Algorithm);
                var modelDir = Directory.CreateDirectory(Path.Combine(scratch.FullName, "model")).FullName;
                result.Model.Save(modelDir);
                var schemaHash = PackagingService.HashOf(new { columns = preprocessor.Columns, features = preprocessor.FeatureNames, task = request.TaskType });
                var configHash = PackagingService.HashOf(new { request.Algorithm, request.TaskType, hyperparameters = effective.OrderBy(k => k.Key, StringComparer.Ordinal), request.DataPreprocessing });
                var packaged = await new PackagingService(_context).PackageDirectoryAsync(modelName, runId, modelDir, schemaHash, configHash, metrics,
                    (version, files) => new ModelMetadata(modelName, version, trainingId, request.Algorithm, $"{request.Algorithm} implemented in MlopsAgents", request.TaskType,
                        target ?? "", [], preprocessor.Columns, preprocessor.FeatureNames, effective, metrics, metric,
                        new DatasetReference(dataset.DatasetId, dataset.Version, dataset.Sha256), schemaHash, configHash, files, DateTimeOffset.UtcNow),
                    new Dictionary<string, string> { [FeaturePreprocessor.FileName] = preprocessor.ToJson() }, cancellationToken).ConfigureAwait(false);
                modelSummary = new ModelSummary(modelName, packaged.Model.Version);
                Report($"[5/5] registered {modelName} {packaged.Model.Version} (champion); it is not deployed to the prediction server, which serves supervised models");
            }
            else
            {
                Report("[5/5] skipped: the Judge did not pass the model, so nothing is registered");
            }

            timings["packaging"] = phase.Elapsed.TotalSeconds;
            var results = new JsonObject
            {
                ["training_id"] = trainingId,
                ["run_id"] = runId,
                ["learning_type"] = request.LearningType,
                ["task_type"] = request.TaskType,
                ["algorithm"] = request.Algorithm,
                ["dataset"] = new JsonObject { ["dataset_id"] = dataset.DatasetId, ["version"] = dataset.Version, ["sha256"] = dataset.Sha256, ["rows"] = raw.RowCount, ["rows_used"] = matrix.Count },
                ["hyperparameters"] = JsonSerializer.SerializeToNode(effective),
                ["metrics"] = JsonSerializer.SerializeToNode(metrics),
                ["explained_variance_ratio"] = JsonSerializer.SerializeToNode(result.ExplainedVarianceRatio),
                ["silhouette_by_k"] = JsonSerializer.SerializeToNode(result.SilhouetteByK?.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value)),
                ["primary_metric"] = metric,
                ["judge"] = JsonSerializer.SerializeToNode(verdict),
                ["model"] = modelSummary is null ? null : new JsonObject { ["name"] = modelSummary.Name, ["version"] = modelSummary.Version },
                ["artifacts"] = JsonSerializer.SerializeToNode(artifacts),
                ["timings_seconds"] = JsonSerializer.SerializeToNode(timings),
            };
            var resultsRef = await _context.PutTextAsync(runId, "results", ArtifactKeys.Evaluation(runId, "results.json"), results.ToJsonString(JsonOptions), cancellationToken).ConfigureAwait(false);
            _context.Registry.SaveRun(new Plugins.Registry.RunRecord(runId, dataset.DatasetId, dataset.Version, request.Algorithm, request.TaskType, "finished", verdict.Decision,
                effective, metrics, artifacts, timings, startedAt, DateTimeOffset.UtcNow, null));

            var history = HistoryWriter.Render(new TrainingHistoryEntry(
                trainingId, startedAt, total.Elapsed, requestSource, dataset.DatasetId, dataset.Version, dataset.Sha256,
                raw.RowCount, matrix.Count, 0, 0, preprocessor.FeatureNames, target ?? "(none)", request.LearningType, request.TaskType, request.Algorithm,
                effective, metrics, metric, threshold, verdict.Decision, verdict.Reason, 1, modelSummary?.Name, modelSummary?.Version, null)
            {
                ExtraSections = result.ExplainedVarianceRatio is { } ratios
                    ? [$"## Explained variance\n\nRatios, largest first: {string.Join(", ", ratios.Select(r => r.ToString("0.####", CultureInfo.InvariantCulture)))}.\n"]
                    : [],
            });
            var historyPath = await FinishAsync(trainingId, history, verdict.Decision, total.Elapsed, log, cancellationToken).ConfigureAwait(false);
            return new PipelineSummary(trainingId, verdict.Decision, verdict.Reason, metrics, modelSummary,
                new ArtifactSummary(resultsRef.Location, null, qualityRef.Location, historyPath) { Assignments = summaryArtifacts.Assignments, Embedding = summaryArtifacts.Embedding },
                1, Math.Round(total.Elapsed.TotalSeconds, 3))
            {
                ExplainedVarianceRatio = result.ExplainedVarianceRatio,
            };
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
