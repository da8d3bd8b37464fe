using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Requests;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>Data Preparation: register, profile, engineer, split and preprocess datasets.</summary>
[McpServerToolType]
public sealed class DataPreparationTools(MlopsContext context)
{
    [McpServerTool(Name = "load_dataset", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Registers a CSV file under the data root as a versioned dataset. Identical content keeps the current version; changed content makes a new one. Returns the version, row count, columns and SHA-256.")]
    public Task<JsonObject> LoadDataset(
        [Description("Path of the CSV file, relative to the server's data root (MLOPS_DATA_ROOT).")] string path,
        [Description("Dataset id: letters, digits, '.', '_' or '-', e.g. dataset-bc-001.")] string dataset_id,
        [Description("The label column, used by requests that name no target.")] string? target = null,
        [Description("When true, check everything and report what would be registered, without writing.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var (resolved, error) = DatasetPaths.Resolve(path, context.DataRoot);
        if (resolved is null)
        {
            throw ToolErrors.Invalid("path", path, error!);
        }

        if (dry_run)
        {
            var frame = DataFrame.ReadCsv(resolved);
            if (target is not null && frame.IndexOf(target) < 0)
            {
                throw ToolErrors.Invalid("target", target, $"a column of the file; columns: {string.Join(", ", frame.Columns)}");
            }

            var latest = context.Registry.GetDataset(dataset_id);
            return new JsonObject
            {
                ["dry_run"] = true,
                ["would_register"] = dataset_id,
                ["current_version"] = latest?.Version,
                ["rows"] = frame.RowCount,
                ["columns"] = new JsonArray([.. frame.Columns.Select(c => (JsonNode?)c)]),
            };
        }

        var added = await new DatasetService(context.Registry, context.Store).AddAsync(resolved, dataset_id, target, cancellationToken).ConfigureAwait(false);
        var result = ToolJson.ToObject(added.Dataset);
        result["created"] = added.Created;
        return result;
    });

    [McpServerTool(Name = "validate_data", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Profiles a registered dataset: missing values, duplicate rows, outliers (1.5×IQR), class balance and per-column statistics, with warnings. Writes nothing.")]
    public Task<JsonObject> ValidateData(
        [Description("Registered dataset id.")] string dataset_id,
        [Description("Dataset version; omit for the latest.")] int? version = null,
        [Description("Label column for the class balance; omit to use the registered target.")] string? target = null,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var (dataset, frame) = await new DatasetService(context.Registry, context.Store).LoadAsync(dataset_id, version, cancellationToken).ConfigureAwait(false);
        var label = target ?? dataset.Target ?? throw ToolErrors.Invalid("target", target, $"a column name; the dataset has no registered target; columns: {string.Join(", ", frame.Columns)}");
        if (frame.IndexOf(label) < 0)
        {
            throw ToolErrors.Invalid("target", label, $"a column of the dataset; columns: {string.Join(", ", frame.Columns)}");
        }

        var kind = frame.InferKind(frame.IndexOf(label));
        return ToolJson.ToObject(DataQualityReport.Build(dataset.DatasetId, dataset.Version, frame, label, isClassification: kind == ColumnKind.Categorical || DistinctCount(frame, label) <= 20));
    });

    [McpServerTool(Name = "split_dataset", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Previews the seeded train/validation/test split a request would get (stratified by class for classification): rows and class counts per split. Writes nothing; preprocess_supervised saves the split.")]
    public Task<JsonObject> SplitDataset(
        [Description("Registered dataset id.")] string dataset_id,
        [Description("Label column; omit to use the registered target.")] string? target = null,
        [Description("Fraction of rows held out for testing, > 0 and <= 0.5.")] double test_size = 0.2,
        [Description("Fraction of rows for validation, >= 0 and < 0.5.")] double validation_size = 0.1,
        [Description("Seed of the shuffle.")] int random_seed = 42,
        [Description("Stratify by the label's classes (classification); false for a plain random split (regression).")] bool stratify = true,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        if (test_size is <= 0 or > 0.5)
        {
            throw ToolErrors.Invalid("test_size", test_size, "a number > 0 and <= 0.5");
        }

        if (validation_size is < 0 or >= 0.5)
        {
            throw ToolErrors.Invalid("validation_size", validation_size, "a number >= 0 and < 0.5");
        }

        var (dataset, frame) = await new DatasetService(context.Registry, context.Store).LoadAsync(dataset_id, null, cancellationToken).ConfigureAwait(false);
        var label = target ?? dataset.Target;
        var t = label is null ? -1 : frame.IndexOf(label);
        if (t < 0)
        {
            throw ToolErrors.Invalid("target", label, $"a column of the dataset; columns: {string.Join(", ", frame.Columns)}");
        }

        var rows = frame.Rows.Where(r => r[t] is not null).ToList();
        var classes = rows.Select(r => r[t]!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var strata = stratify ? rows.Select(r => classes.IndexOf(r[t]!)).ToArray() : null;
        var split = DataSplitter.Split(rows.Count, strata, test_size, validation_size, random_seed);
        JsonObject Describe(int[] indices) => new()
        {
            ["rows"] = indices.Length,
            ["classes"] = stratify
                ? new JsonObject(indices.GroupBy(i => rows[i][t]!).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count())))
                : null,
        };
        return new JsonObject
        {
            ["dataset_id"] = dataset.DatasetId,
            ["version"] = dataset.Version,
            ["target"] = label,
            ["train"] = Describe(split.Train),
            ["validation"] = Describe(split.Validation),
            ["test"] = Describe(split.Test),
        };
    });

    [McpServerTool(Name = "feature_engineering", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Previews the features a preprocessing configuration produces from a dataset: per input column its kind, imputation, scaling and categories, and the resulting model feature names. Fitted on the training split, as training does. Writes nothing.")]
    public Task<JsonObject> FeatureEngineering(
        [Description("Registered dataset id.")] string dataset_id,
        [Description("Label column; omit to use the registered target.")] string? target = null,
        [Description("Missing-value handling: mean, median, mode or drop.")] string handle_missing = MissingValueStrategies.Mean,
        [Description("Min-max scale numeric columns to [0, 1].")] bool normalize = false,
        [Description("Z-score numeric columns (not together with normalize).")] bool standardize = false,
        [Description("Categorical encoding: onehot or label.")] string encode_categorical = CategoricalEncodings.OneHot,
        [Description("Columns to leave out.")] string[]? drop_columns = null,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var body = new JsonObject
        {
            ["dataset_id"] = dataset_id,
            ["target"] = target,
            ["task_type"] = "classification",
            ["algorithm"] = "random_forest",
            ["drop_columns"] = drop_columns is null ? null : new JsonArray([.. drop_columns.Select(c => (JsonNode?)c)]),
            ["data_preprocessing"] = new JsonObject
            {
                ["handle_missing"] = handle_missing,
                ["normalize"] = normalize,
                ["standardize"] = standardize,
                ["encode_categorical"] = encode_categorical,
            },
        };
        var request = RequestFromJson(body, context.DataRoot);
        var preparation = new PreparationService(context);
        var (_, frame, checkedLabel) = await preparation.LoadAndCheckAsync(request, cancellationToken).ConfigureAwait(false);
        var label = checkedLabel!;

        // The kind of the label decides classification or regression, as a request would have to state.
        var task = frame.InferKind(frame.IndexOf(label)) == ColumnKind.Numeric && DistinctCount(frame, label) > 20 ? TaskTypes.Regression : TaskTypes.Classification;
        request = request with { TaskType = task };
        var features = frame.Columns.Where(c => c != label && !request.DropColumns.Contains(c)).ToList();
        var kinds = features.ToDictionary(c => c, c => frame.InferKind(frame.IndexOf(c)));
        var t = frame.IndexOf(label);
        var rows = frame.Rows.Where(r => r[t] is not null).ToList();
        var classes = task == TaskTypes.Classification ? rows.Select(r => r[t]!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() : [];
        var split = DataSplitter.Split(rows.Count, task == TaskTypes.Classification ? rows.Select(r => classes.IndexOf(r[t]!)).ToArray() : null, 0.2, 0.1, 42);
        var preprocessor = FeaturePreprocessor.Fit(frame.WithRows(split.Train.Select(i => rows[i])), label, features, kinds, request.DataPreprocessing,
            task == TaskTypes.Classification ? Plugins.Training.ModelTask.Classification : Plugins.Training.ModelTask.Regression, classes);
        var result = ToolJson.ToObject(preprocessor);
        result["inferred_task_type"] = task;
        return result;
    });

    [McpServerTool(Name = "preprocess_supervised", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Runs phase 1 for a supervised training request: data-quality report, cleaning, encoding, scaling and a seeded stratified split, saving the processed splits and feature definitions. Returns the training_id that the training tools take.")]
    public Task<JsonObject> PreprocessSupervised(
        [Description("The training request: an issue body with a ```yaml block, or plain YAML or JSON with the request fields.")] string request,
        [Description("When true, validate the request and its data and report what would be prepared, without writing.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var parsed = TrainingRequestParser.Parse(request, new RequestParseOptions { DataRoot = context.DataRoot });
        if (!parsed.IsValid)
        {
            throw new RequestValidationException(parsed.Errors);
        }

        var r = parsed.Request!;
        if (r.LearningType != LearningTypes.Supervised)
        {
            throw ToolErrors.Invalid("learning_type", r.LearningType, "supervised (preprocess_supervised prepares classification and regression data)");
        }

        var preparation = new PreparationService(context);
        var (dataset, frame, checkedTarget) = await preparation.LoadAndCheckAsync(r, cancellationToken).ConfigureAwait(false);
        var target = checkedTarget!;
        if (dry_run)
        {
            return new JsonObject
            {
                ["dry_run"] = true,
                ["dataset_id"] = dataset.DatasetId,
                ["dataset_version"] = dataset.Version,
                ["rows"] = frame.RowCount,
                ["target"] = target,
                ["task_type"] = r.TaskType,
            };
        }

        var trainingId = $"train-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var (data, quality, _) = await preparation.PrepareAsync(r, dataset, frame, target, trainingId, cancellationToken).ConfigureAwait(false);
        var result = ToolJson.ToObject(data.Manifest);
        result["warnings"] = new JsonArray([.. quality.Warnings.Select(w => (JsonNode?)w)]);
        return result;
    });

    /// <summary>
    /// A request for one algorithm and its hyperparameters, built from tool arguments: the same parser as issue bodies
    /// checks the algorithm against the task and every hyperparameter against the catalog, so messages match.
    /// </summary>
    internal static TrainingRequest AlgorithmRequest(JsonObject fields, string algorithm, JsonElement? hyperparameters, string dataRoot)
    {
        if (hyperparameters is { } h && h.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined))
        {
            throw ToolErrors.Invalid("hyperparameters", h.GetRawText(), "a JSON object of name → value");
        }

        fields["algorithm"] = algorithm;
        fields["hyperparameters"] = hyperparameters is { ValueKind: JsonValueKind.Object } o ? JsonNode.Parse(o.GetRawText()) : null;
        return RequestFromJson(fields, dataRoot);
    }

    /// <summary>A request built from tool arguments, validated by the same parser as issue bodies (JSON is YAML).</summary>
    internal static TrainingRequest RequestFromJson(JsonObject body, string dataRoot)
    {
        foreach (var key in body.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            body.Remove(key);
        }

        var parsed = TrainingRequestParser.Parse(body.ToJsonString(), new RequestParseOptions { DataRoot = dataRoot });
        return parsed.IsValid ? parsed.Request! : throw new RequestValidationException(parsed.Errors);
    }

    private static int DistinctCount(DataFrame frame, string column)
    {
        var i = frame.IndexOf(column);
        return frame.Rows.Select(r => r[i]).Where(v => v is not null).Distinct(StringComparer.Ordinal).Count();
    }
}
