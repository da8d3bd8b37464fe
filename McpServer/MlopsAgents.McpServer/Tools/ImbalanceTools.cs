using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>Data Preparation: class-imbalance handling of a prepared training split.</summary>
[McpServerToolType]
public sealed class ImbalanceTools(MlopsContext context)
{
    private static readonly string[] Methods = [ImbalanceMethods.Smote, ImbalanceMethods.Undersample, ImbalanceMethods.ClassWeight];

    [McpServerTool(Name = "apply_class_imbalance_handling", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Rebalances the training split of a classification training_id (from preprocess_supervised) and returns the class counts before and after. smote adds synthetic minority rows (one-hot and label-encoded features are copied, not interpolated); undersample drops majority rows; class_weight keeps every row and returns balanced weights n/(k·n_c). Unless dry_run, smote and undersample save the rebalanced split as datasets/{dataset_id}/processed/train/{training_id}-{method}.csv; class_weight saves nothing, as its rows equal the original split. The validation and test splits, and the training_id's own train split, are never changed.")]
    public Task<JsonObject> ApplyClassImbalanceHandling(
        [Description("training_id returned by preprocess_supervised for a classification request.")] string training_id,
        [Description("smote, undersample or class_weight.")] string method,
        [Description("Wanted size of every class relative to the largest, in (0, 1]; 1 balances the classes. Ignored by class_weight.")] double target_ratio = 1.0,
        [Description("Seed for SMOTE's sampling and the under-sampling draw.")] int random_seed = 42,
        [Description("When true, compute and return the counts without saving the rebalanced split.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        if (!Methods.Contains(method))
        {
            throw ToolErrors.Invalid("method", method, $"one of {string.Join(", ", Methods)}");
        }

        if (!(target_ratio > 0 && target_ratio <= 1))
        {
            throw ToolErrors.Invalid("target_ratio", target_ratio.ToString(CultureInfo.InvariantCulture), "a number > 0 and <= 1 (1 balances the classes)");
        }

        var data = await new PreparationService(context).LoadAsync(training_id, cancellationToken).ConfigureAwait(false);
        if (data.Manifest.TaskType != TaskTypes.Classification)
        {
            throw ToolErrors.Invalid("training_id", training_id, $"prepared data for classification; this one was prepared for {data.Manifest.TaskType}, which has no classes to balance");
        }

        ImbalanceResult outcome;
        try
        {
            outcome = ImbalanceHandler.Apply(data.Train, new ImbalanceOptions
            {
                Method = method,
                TargetRatio = target_ratio,
                Seed = random_seed,
                NominalFeatures = NominalFeatures(data.Preprocessor),
            });
        }
        catch (ArgumentException e)
        {
            // A class too small for SMOTE, for instance: the data decides, so the message says what it found.
            throw ToolErrors.Invalid("method", method, $"a method this training split supports: {e.Message}");
        }

        var result = new JsonObject
        {
            ["training_id"] = training_id,
            ["method"] = method,
            ["target_ratio"] = method == ImbalanceMethods.ClassWeight ? null : target_ratio,
            ["counts_before"] = JsonSerializer.SerializeToNode(outcome.CountsBefore),
            ["counts_after"] = JsonSerializer.SerializeToNode(outcome.CountsAfter),
            ["rows_before"] = data.Train.RowCount,
            ["rows_after"] = outcome.Data.RowCount,
        };
        if (outcome.ClassWeights is { } weights)
        {
            result["class_weights"] = new JsonObject(data.Train.ClassNames.Select((name, c) => KeyValuePair.Create(name, (JsonNode?)weights[c])));
            result["saved"] = null;
            result["note"] = "class_weight changes no rows, so no split is saved; train with these per-class weights (logistic_regression, random_forest and xgboost honour sample weights)";
            return result;
        }

        if (dry_run)
        {
            result["dry_run"] = true;
            result["would_save"] = RebalancedKey(data.Manifest, method);
            return result;
        }

        var stored = await context.PutTextAsync(training_id, $"processed_train_{method}", RebalancedKey(data.Manifest, method), ProcessedCsv(outcome.Data, data.Preprocessor.Target), cancellationToken).ConfigureAwait(false);
        result["saved"] = stored.Location;
        result["saved_key"] = stored.Key;
        return result;
    });

    private static string RebalancedKey(PreparationManifest manifest, string method) =>
        ArtifactKeys.ProcessedSplit(manifest.DatasetId, "train", $"{manifest.TrainingId}-{method}");

    /// <summary>Indices of the one-hot and label-encoded features, in the preprocessor's feature order.</summary>
    private static int[] NominalFeatures(FeaturePreprocessor preprocessor)
    {
        var nominal = new List<int>();
        var offset = 0;
        foreach (var column in preprocessor.Columns)
        {
            var width = column switch
            {
                { Kind: ColumnKind.Numeric } => 1,
                { TargetEncoding: { } table } => table.Outputs.Count,
                { Encoding: CategoricalEncodings.Label } => 1,
                _ => column.Categories?.Count ?? 0,
            };

            // Target-encoded features are continuous, so SMOTE may interpolate them.
            if (column.Kind == ColumnKind.Categorical && column.TargetEncoding is null)
            {
                nominal.AddRange(Enumerable.Range(offset, width));
            }

            offset += width;
        }

        return [.. nominal];
    }

    /// <summary>The same layout as the processed splits: feature columns, then the class name under the target's name.</summary>
    private static string ProcessedCsv(TrainingData data, string target)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', data.FeatureNames.Append(target).Select(DataFrame.Quote)).Append('\n');
        for (var i = 0; i < data.RowCount; i++)
        {
            csv.AppendJoin(',', data.Features[i].Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            csv.Append(',').Append(DataFrame.Quote(data.ClassNames[(int)data.Labels[i]])).Append('\n');
        }

        return csv.ToString();
    }
}
