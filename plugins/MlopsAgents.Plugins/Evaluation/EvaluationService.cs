using System.Diagnostics;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Evaluation;

/// <summary>Phase 3's output for one run: metrics on the test split and where its plots and predictions are.</summary>
public sealed record EvaluationOutcome(
    string RunId,
    IReadOnlyDictionary<string, double> Metrics,
    ClassificationReport? Classification,
    IReadOnlyDictionary<string, string> Artifacts,
    double Seconds)
{
    public string PredictionsLocation => Artifacts["predictions"];
}

/// <summary>Phase 3: evaluates a candidate on the held-out test split and stores metrics, plots and predictions under <c>evaluations/{run_id}/</c>.</summary>
public sealed class EvaluationService(MlopsContext context)
{
    public async Task<EvaluationOutcome> EvaluateAsync(PreparedData data, CandidateModel candidate, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var test = data.Test;
        var outputs = candidate.Model.Predict(test.Features);
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

            var artifacts = new Dictionary<string, string>();
            foreach (var file in Directory.GetFiles(scratch.FullName).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                var stored = await context.PutFileAsync(candidate.RunId, name, ArtifactKeys.Evaluation(candidate.RunId, name), file, cancellationToken).ConfigureAwait(false);
                artifacts[Path.GetFileNameWithoutExtension(name)] = stored.Location;
            }

            return new EvaluationOutcome(candidate.RunId, metrics, classification, artifacts, watch.Elapsed.TotalSeconds);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
