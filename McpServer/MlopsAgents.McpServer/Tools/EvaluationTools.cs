using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>ML Evaluation: metrics, plots and comparisons of candidate runs and registered models.</summary>
[McpServerToolType]
public sealed class EvaluationTools(MlopsContext context)
{
    [McpServerTool(Name = "evaluate_classifier", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Evaluates a trained classifier run on its held-out test split: accuracy, precision, recall, F1 (macro and weighted), AUC-ROC and per-class metrics; saves the confusion matrix and ROC PNGs and the predictions CSV; optionally judges the primary metric against a threshold.")]
    public Task<JsonObject> EvaluateClassifier(
        [Description("run_id returned by a training tool.")] string run_id,
        [Description("Metric the Judge compares with the threshold, e.g. f1_score; default f1_score.")] string? primary_metric = null,
        [Description("Threshold for the Judge's pass/fail; omit to skip judging.")] double? threshold = null,
        [Description("When true, report what would be evaluated, without writing.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => EvaluateAsync(TaskTypes.Classification, run_id, primary_metric ?? "f1_score", threshold, dry_run, cancellationToken);

    [McpServerTool(Name = "evaluate_regressor", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Evaluates a trained regressor run on its held-out test split: RMSE, MAE, R² and MAPE; saves the residual plot and predictions CSV; optionally judges the primary metric against a threshold.")]
    public Task<JsonObject> EvaluateRegressor(
        [Description("run_id returned by a training tool.")] string run_id,
        [Description("Metric the Judge compares with the threshold, e.g. r2; default r2.")] string? primary_metric = null,
        [Description("Threshold for the Judge's pass/fail; omit to skip judging.")] double? threshold = null,
        [Description("When true, report what would be evaluated, without writing.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => EvaluateAsync(TaskTypes.Regression, run_id, primary_metric ?? "r2", threshold, dry_run, cancellationToken);

    [McpServerTool(Name = "generate_confusion_matrix", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Computes a classifier run's confusion matrix on its test split (rows = actual, columns = predicted) and saves it as a PNG.")]
    public Task<JsonObject> GenerateConfusionMatrix(
        [Description("run_id of a classifier.")] string run_id,
        [Description("When true, compute the matrix but write no PNG.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var (data, candidate) = await LoadAsync(run_id, TaskTypes.Classification, cancellationToken).ConfigureAwait(false);
        var actual = data.Test.Labels.Select(l => (int)l).ToArray();
        var report = ClassificationEvaluator.Evaluate(actual, candidate.Model.Predict(data.Test.Features), data.Test.ClassNames);
        var result = new JsonObject
        {
            ["run_id"] = run_id,
            ["class_names"] = JsonSerializer.SerializeToNode(report.ClassNames),
            ["matrix"] = JsonSerializer.SerializeToNode(report.ConfusionMatrix),
            ["accuracy"] = report.Accuracy,
        };
        if (!dry_run)
        {
            result["png"] = await SavePlotAsync(run_id, "confusion_matrix.png", path => EvaluationPlots.SaveConfusionMatrixPng(report, path), cancellationToken).ConfigureAwait(false);
        }

        return result;
    });

    [McpServerTool(Name = "generate_roc_curve", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Computes a classifier run's ROC curve on its test split (the positive class for binary, one-vs-rest per class for multiclass) with the AUC of each, and saves it as a PNG.")]
    public Task<JsonObject> GenerateRocCurve(
        [Description("run_id of a classifier.")] string run_id,
        [Description("When true, compute the curves but write no PNG.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var (data, candidate) = await LoadAsync(run_id, TaskTypes.Classification, cancellationToken).ConfigureAwait(false);
        var actual = data.Test.Labels.Select(l => (int)l).ToArray();
        var outputs = candidate.Model.Predict(data.Test.Features);
        var names = data.Test.ClassNames;
        var curves = new Dictionary<string, IReadOnlyList<RocPoint>>();
        var classes = new JsonObject();
        foreach (var k in (names.Count == 2 ? [1] : Enumerable.Range(0, names.Count)).Where(k => actual.Contains(k) && actual.Any(a => a != k)))
        {
            var scores = outputs.Select(o => o[k]).ToArray();
            var curve = ClassificationEvaluator.RocCurve(actual, scores, k);
            curves[names[k]] = curve;
            classes[names[k]] = new JsonObject
            {
                ["auc"] = ClassificationEvaluator.AucRoc(actual, scores, k),
                ["points"] = new JsonArray([.. curve.Select(p => (JsonNode?)new JsonArray(p.FalsePositiveRate, p.TruePositiveRate))]),
            };
        }

        var result = new JsonObject { ["run_id"] = run_id, ["curves"] = classes };
        if (!dry_run)
        {
            result["png"] = await SavePlotAsync(run_id, "roc_curve.png", path => EvaluationPlots.SaveRocCurvePng(curves, path), cancellationToken).ConfigureAwait(false);
        }

        return result;
    });

    [McpServerTool(Name = "compare_models", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Compares two or more registered versions of a model on their recorded test metrics and names the best one on the chosen metric (lower is better for rmse, mae and mape).")]
    public JsonObject CompareModels(
        [Description("Registered model name.")] string model_name,
        [Description("Versions to compare, e.g. [\"1.0.0\", \"1.1.0\"]; omit for every version.")] string[]? versions = null,
        [Description("Metric that decides the winner, e.g. f1_score or rmse.")] string metric = "f1_score") => ToolErrors.Run(() =>
    {
        var all = context.Registry.ListModelVersions(model_name);
        if (all.Count == 0)
        {
            throw ToolErrors.Invalid("model_name", model_name, "a registered model name");
        }

        var chosen = versions is null ? all : versions.Select(v => all.FirstOrDefault(m => m.Version == v)
            ?? throw ToolErrors.Invalid("versions", v, $"a version of {model_name}: {string.Join(", ", all.Select(m => m.Version))}")).ToList();
        var scored = chosen.Where(m => m.Metrics.ContainsKey(metric)).ToList();
        if (scored.Count == 0)
        {
            throw ToolErrors.Invalid("metric", metric, $"a metric the versions recorded: {string.Join(", ", chosen.SelectMany(m => m.Metrics.Keys).Distinct().Order())}");
        }

        var lower = Metrics.LowerIsBetter.Contains(metric);
        var best = lower ? scored.MinBy(m => m.Metrics[metric])! : scored.MaxBy(m => m.Metrics[metric])!;
        return new JsonObject
        {
            ["model_name"] = model_name,
            ["metric"] = metric,
            ["lower_is_better"] = lower,
            ["best_version"] = best.Version,
            ["versions"] = new JsonArray([.. chosen.Select(m => (JsonNode?)new JsonObject
            {
                ["version"] = m.Version,
                ["training_id"] = m.TrainingId,
                ["metrics"] = JsonSerializer.SerializeToNode(m.Metrics),
            })]),
        };
    });

    private Task<JsonObject> EvaluateAsync(string task, string runId, string metric, double? threshold, bool dryRun, CancellationToken ct) => ToolErrors.Run(async () =>
    {
        var (data, candidate) = await LoadAsync(runId, task, ct).ConfigureAwait(false);
        if (dryRun)
        {
            return new JsonObject { ["dry_run"] = true, ["run_id"] = runId, ["test_rows"] = data.Test.RowCount, ["algorithm"] = candidate.Algorithm };
        }

        var outcome = await new EvaluationService(context).EvaluateAsync(data, candidate, ct).ConfigureAwait(false);
        JudgeVerdict? verdict = threshold is { } t ? Judge.Decide(outcome.Metrics, metric, t, 0, 0) : null;
        new TrainingService(context).CompleteRun(data, candidate, outcome.Metrics, outcome.Artifacts, outcome.Seconds, verdict?.Decision ?? "evaluated");
        return new JsonObject
        {
            ["run_id"] = runId,
            ["metrics"] = JsonSerializer.SerializeToNode(outcome.Metrics),
            ["per_class"] = outcome.Classification is null ? null : ToolJson.ToObject(outcome.Classification)["per_class"]?.DeepClone(),
            ["judge"] = verdict is null ? null : JsonSerializer.SerializeToNode(verdict),
            ["artifacts"] = JsonSerializer.SerializeToNode(outcome.Artifacts),
        };
    });

    private async Task<(PreparedData Data, CandidateModel Candidate)> LoadAsync(string runId, string task, CancellationToken ct)
    {
        var candidate = await new TrainingService(context).LoadCandidateAsync(runId, ct).ConfigureAwait(false);
        var data = await new PreparationService(context).LoadAsync(candidate.TrainingId, ct).ConfigureAwait(false);
        if (data.Manifest.TaskType != task)
        {
            throw ToolErrors.Invalid("run_id", runId, $"a {task} run; this run is {data.Manifest.TaskType}");
        }

        return (data, candidate);
    }

    private async Task<string> SavePlotAsync(string runId, string fileName, Action<string> render, CancellationToken ct)
    {
        var scratch = Directory.CreateTempSubdirectory("mlops-plot-");
        try
        {
            var path = Path.Combine(scratch.FullName, fileName);
            render(path);
            return (await context.PutFileAsync(runId, fileName, ArtifactKeys.Evaluation(runId, fileName), path, ct).ConfigureAwait(false)).Location;
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
