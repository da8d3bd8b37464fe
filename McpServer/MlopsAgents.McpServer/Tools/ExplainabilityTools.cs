using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Evaluation.Explanations;
using MlopsAgents.Plugins.Evaluation.Fairness;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>ML Evaluation: SHAP explanations and group-fairness checks of candidate runs.</summary>
[McpServerToolType]
public sealed class ExplainabilityTools(MlopsContext context)
{
    public const int MaxExplainedRows = 200;
    public const string ImportancePng = "shap_importance.png";

    [McpServerTool(Name = "calculate_shap_values", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Explains a trained supervised run with SHAP values on the first max_rows rows of its test split, against a seeded sample of up to 100 training rows: tree_shap for random_forest and binary or regression xgboost (exact, in log-odds for binary xgboost), exact Shapley values for other models with up to 12 features, kernel_shap above. Returns the method, output space, base values, the global importance ranking (mean |SHAP|) and per-row values by feature; a binary classifier is explained for its positive class only. Saves the importance bar chart as shap_importance.png unless dry_run.")]
    public Task<JsonObject> CalculateShapValues(
        [Description("run_id returned by a training tool.")] string run_id,
        [Description("How many test rows to explain, from 1 to 200; the global ranking averages over them.")] int max_rows = 20,
        [Description("When true, compute the values but write no PNG.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        if (max_rows is < 1 or > MaxExplainedRows)
        {
            throw ToolErrors.Invalid("max_rows", max_rows, $"a whole number from 1 to {MaxExplainedRows}");
        }

        var (data, candidate) = await LoadAsync(run_id, cancellationToken).ConfigureAwait(false);
        var rows = data.Test.Features.Take(max_rows).ToArray();
        var shap = ShapExplainer.Explain(candidate.Model, data.Train.Features, rows, data.Train.FeatureNames, 42);
        var result = new JsonObject
        {
            ["run_id"] = run_id,
            ["algorithm"] = candidate.Algorithm,
            ["method"] = shap.Method,
            ["output_space"] = shap.OutputSpace,
            ["output_names"] = JsonSerializer.SerializeToNode(shap.OutputNames),
            ["base_values"] = JsonSerializer.SerializeToNode(shap.BaseValues),
            ["background_rows"] = shap.BackgroundRows,
            ["max_local_accuracy_error"] = shap.MaxLocalAccuracyError,
            ["global_importance"] = JsonSerializer.SerializeToNode(shap.GlobalImportance),
            ["rows"] = new JsonArray([.. shap.Rows.Select((row, i) => (JsonNode?)new JsonObject
            {
                ["test_row"] = i,
                ["outputs"] = new JsonObject(shap.OutputNames.Select((name, o) => KeyValuePair.Create(name, (JsonNode?)row.Outputs[o]))),
                ["values"] = new JsonObject(shap.OutputNames.Select((name, o) => KeyValuePair.Create(name, (JsonNode?)new JsonObject(
                    shap.FeatureNames.Select((feature, j) => KeyValuePair.Create(feature, (JsonNode?)row.Values[o][j])))))),
            })]),
        };
        if (!dry_run)
        {
            var stored = await UnsupervisedData.PutRenderedAsync(context, run_id, "shap_importance", ArtifactKeys.Evaluation(run_id, ImportancePng),
                path => ExplanationPlots.SaveGlobalImportancePng(shap, path), cancellationToken).ConfigureAwait(false);
            result["png"] = stored.Location;
        }

        return result;
    });

    [McpServerTool(Name = "bias_check", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Checks a classifier run's test-set predictions for group fairness on one raw input column (it may be a column the model never saw): per group the selection rate, TPR and FPR, then the demographic-parity difference, equalized-odds difference, disparate-impact ratio (min/max selection rate) and whether it fails the four-fifths rule (ratio < 0.8). The raw rows behind the test split are found by recomputing the run's seeded split on its dataset version and verifying it against the processed test split. Writes nothing.")]
    public Task<JsonObject> BiasCheckTool(
        [Description("run_id of a classifier returned by train_supervised_classifier.")] string run_id,
        [Description("Raw dataset column whose groups are compared, e.g. sex.")] string sensitive_feature,
        [Description("The favourable (or flagged) class whose selection rate is compared; default the second class in sorted order (the positive class of a binary model).")] string? positive_label = null,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var (data, candidate) = await LoadAsync(run_id, cancellationToken).ConfigureAwait(false);
        var classes = data.Manifest.ClassNames;
        if (data.Manifest.TaskType != TaskTypes.Classification)
        {
            throw ToolErrors.Invalid("run_id", run_id, $"a classification run; this run is {data.Manifest.TaskType}, which has no selection rate");
        }

        var positive = positive_label ?? classes[1];
        if (!classes.Contains(positive))
        {
            throw ToolErrors.Invalid("positive_label", positive_label, $"one of the run's classes: {string.Join(", ", classes)}");
        }

        var raw = await TestSplitRows.LoadAsync(context, data, cancellationToken).ConfigureAwait(false);
        var column = raw.Frame.IndexOf(sensitive_feature);
        if (column < 0 || sensitive_feature == data.Manifest.Target)
        {
            throw ToolErrors.Invalid("sensitive_feature", sensitive_feature,
                $"a raw input column of {data.Manifest.DatasetId} other than the target '{data.Manifest.Target}'; columns: {string.Join(", ", raw.Frame.Columns.Where(c => c != data.Manifest.Target))}");
        }

        var predicted = candidate.Model.Predict(data.Test.Features).Select(p => classes[ArgMax(p)]).ToArray();
        var actual = data.Test.Labels.Select(l => classes[(int)l]).ToArray();
        var report = BiasCheck.Evaluate(sensitive_feature, raw.Rows.Select(r => r[column]).ToArray(), actual, predicted, positive);
        var result = ToolJson.ToObject(report);
        result["run_id"] = run_id;
        result["test_rows"] = actual.Length;
        result["four_fifths_threshold"] = BiasReport.FourFifths;
        result["row_mapping"] = $"test rows traced to {data.Manifest.DatasetId} v{data.Manifest.DatasetVersion} by recomputing the seeded split (test_size {TestSplitRows.Format(raw.TestSize)}, validation_size {TestSplitRows.Format(raw.ValidationSize)}, seed {data.Manifest.RandomSeed}), verified against the processed test split";
        return result;
    });

    private async Task<(PreparedData Data, CandidateModel Candidate)> LoadAsync(string runId, CancellationToken ct)
    {
        var candidate = await new TrainingService(context).LoadCandidateAsync(runId, ct).ConfigureAwait(false);
        var data = await new PreparationService(context).LoadAsync(candidate.TrainingId, ct).ConfigureAwait(false);
        return (data, candidate);
    }

    private static int ArgMax(double[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
