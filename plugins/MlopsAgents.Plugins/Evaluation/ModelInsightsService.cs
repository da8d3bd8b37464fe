using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Evaluation.Explanations;
using MlopsAgents.Plugins.Evaluation.Fairness;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Evaluation;

/// <summary>Which insights to compute for a run.</summary>
public sealed record InsightsOptions(bool Explain, bool LearningCurve, FairnessOptions? Fairness, int Seed)
{
    /// <summary>Test rows whose SHAP values are saved (the global ranking averages over them).</summary>
    public int ShapRows { get; init; } = 20;
}

/// <summary>What the insights add to results.json and the history, their artifacts, and the drift baseline to keep with the model.</summary>
public sealed record InsightsOutcome(JsonObject Summary, IReadOnlyDictionary<string, string> Artifacts, IReadOnlyList<string> HistorySections, DriftBaseline? Baseline);

/// <summary>
/// Phase 3's explanations and checks beyond the metrics: SHAP values and a LIME explanation, a learning curve, the bias
/// check on sensitive features, and the drift baseline that monitoring compares live traffic against.
/// </summary>
public sealed class ModelInsightsService(MlopsContext context)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public async Task<InsightsOutcome> BuildAsync(PreparedData data, CandidateModel candidate, InsightsOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var summary = new JsonObject();
        var artifacts = new Dictionary<string, string>();
        var sections = new List<string>();
        var runId = candidate.RunId;
        var scratch = Directory.CreateTempSubdirectory("mlops-insights-");
        try
        {
            async Task Save(string name, string fileName)
            {
                var stored = await context.PutFileAsync(runId, fileName, ArtifactKeys.Evaluation(runId, fileName), Path.Combine(scratch.FullName, fileName), cancellationToken).ConfigureAwait(false);
                artifacts[name] = stored.Location;
            }

            async Task SaveJson<T>(string name, string fileName, T value)
            {
                await File.WriteAllTextAsync(Path.Combine(scratch.FullName, fileName), JsonSerializer.Serialize(value, JsonOptions), cancellationToken).ConfigureAwait(false);
                await Save(name, fileName).ConfigureAwait(false);
            }

            var test = data.Test;
            if (options.Explain && test.RowCount > 0)
            {
                progress?.Report("explanations: SHAP values and a LIME explanation");
                var rows = test.Features.Take(options.ShapRows).ToArray();
                var shap = ShapExplainer.Explain(candidate.Model, data.Train.Features, rows, test.FeatureNames, options.Seed);
                await SaveJson("shap_values", "shap_values.json", shap).ConfigureAwait(false);
                ExplanationPlots.SaveGlobalImportancePng(shap, Path.Combine(scratch.FullName, "shap_importance.png"));
                await Save("shap_importance", "shap_importance.png").ConfigureAwait(false);
                var lime = LimeExplainer.Explain(candidate.Model, data.Train.Features, test.Features[0], test.FeatureNames, options.Seed);
                await SaveJson("lime", "lime.json", lime).ConfigureAwait(false);
                var top = shap.GlobalImportance.Take(10).ToList();
                summary["shap"] = new JsonObject
                {
                    ["method"] = shap.Method,
                    ["output_space"] = shap.OutputSpace,
                    ["rows_explained"] = shap.Rows.Count,
                    ["top_features"] = new JsonArray([.. top.Select(f => (JsonNode?)new JsonObject { ["feature"] = f.Feature, ["mean_abs_shap"] = f.MeanAbsShap })]),
                };
                summary["lime"] = JsonSerializer.SerializeToNode(lime);
                sections.Add("## Explanations\n\n" + $"SHAP ({shap.Method}, {shap.OutputSpace} space, {shap.Rows.Count} test rows): most important features — "
                    + string.Join(", ", top.Take(5).Select(f => $"`{f.Feature}` {f.MeanAbsShap.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}")) + ".\n");
            }

            if (options.LearningCurve)
            {
                progress?.Report("learning curve: the metric against training-set size");
                var curve = LearningCurves.Compute(ModelTrainers.Get(candidate.Algorithm), data.Train, test, candidate.Hyperparameters, options.Seed);
                await SaveJson("learning_curve_data", "learning_curve.json", curve).ConfigureAwait(false);
                LearningCurves.SavePng(curve, Path.Combine(scratch.FullName, "learning_curve.png"));
                await Save("learning_curve", "learning_curve.png").ConfigureAwait(false);
                summary["learning_curve"] = JsonSerializer.SerializeToNode(curve);
            }

            var predictions = candidate.Model.Predict(test.Features);
            if (options.Fairness is { SensitiveFeatures.Count: > 0 } fairness && data.Raw is { } raw && test.Task == ModelTask.Classification)
            {
                var positive = fairness.PositiveLabel ?? test.ClassNames[Math.Min(1, test.ClassNames.Count - 1)];
                var actual = test.Labels.Select(l => test.ClassNames[(int)l]).ToList();
                var predicted = predictions.Select(p => test.ClassNames[ClassificationEvaluator.ArgMax(p)]).ToList();
                var reports = new JsonArray();
                foreach (var feature in fairness.SensitiveFeatures)
                {
                    var column = raw.Test.IndexOf(feature);
                    var report = BiasCheck.Evaluate(feature, raw.Test.Rows.Select(r => r[column]).ToList(), actual, predicted, positive);
                    reports.Add(JsonSerializer.SerializeToNode(report));
                    sections.Add(BiasCheck.ToMarkdown(report));
                }

                summary["fairness"] = reports;
                await SaveJson("bias_check", "bias_check.json", summary["fairness"]).ConfigureAwait(false);
            }

            DriftBaseline? baseline = null;
            if (data.Raw is { } rawSplits)
            {
                baseline = DriftBaseline.Build(rawSplits.Train, rawSplits.FeatureColumns, predictions, test.ClassNames, rawSplits.Kinds);
                await File.WriteAllTextAsync(Path.Combine(scratch.FullName, "drift_baseline.json"), baseline.ToJson(), cancellationToken).ConfigureAwait(false);
                await Save("drift_baseline", "drift_baseline.json").ConfigureAwait(false);
            }

            return new InsightsOutcome(summary, artifacts, sections, baseline);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
