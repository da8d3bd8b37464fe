using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.DataPreparation;

/// <summary>What phase 1 produced for one training run, saved as <c>logs/{training_id}/preparation.json</c>.</summary>
public sealed record PreparationManifest(
    [property: JsonPropertyName("training_id")] string TrainingId,
    [property: JsonPropertyName("dataset_id")] string DatasetId,
    [property: JsonPropertyName("dataset_version")] int DatasetVersion,
    [property: JsonPropertyName("dataset_sha256")] string DatasetSha256,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("task_type")] string TaskType,
    [property: JsonPropertyName("class_names")] IReadOnlyList<string> ClassNames,
    [property: JsonPropertyName("feature_names")] IReadOnlyList<string> FeatureNames,
    [property: JsonPropertyName("rows")] int Rows,
    [property: JsonPropertyName("train_rows")] int TrainRows,
    [property: JsonPropertyName("validation_rows")] int ValidationRows,
    [property: JsonPropertyName("test_rows")] int TestRows,
    [property: JsonPropertyName("random_seed")] int RandomSeed,
    [property: JsonPropertyName("preprocessing")] DataPreprocessingOptions Preprocessing,
    [property: JsonPropertyName("notes")] string Notes,
    [property: JsonPropertyName("artifacts")] IReadOnlyDictionary<string, string> Artifacts)
{
    /// <summary>Training-split class counts before imbalance handling (classification only).</summary>
    [JsonPropertyName("class_counts_before")]
    public IReadOnlyDictionary<string, int>? ClassCountsBefore { get; init; }

    /// <summary>Training-split class counts after imbalance handling (classification only).</summary>
    [JsonPropertyName("class_counts_after")]
    public IReadOnlyDictionary<string, int>? ClassCountsAfter { get; init; }

    /// <summary>Training rows removed as outliers.</summary>
    [JsonPropertyName("outliers_removed")]
    public int OutliersRemoved { get; init; }

    public static string Key(string trainingId) => ArtifactKeys.Log(trainingId, "preparation.json");
}

/// <summary>The prepared data of a run: the fitted preprocessing and the three numeric splits.</summary>
public sealed record PreparedData(PreparationManifest Manifest, FeaturePreprocessor Preprocessor, TrainingData Train, TrainingData? Validation, TrainingData Test)
{
    /// <summary>The cleaned raw rows of each split, when the data was prepared in this process (for bias checks and drift baselines).</summary>
    public RawSplits? Raw { get; init; }
}

/// <summary>Cleaned raw rows of the training and test splits, in the same order as the numeric splits before resampling.</summary>
public sealed record RawSplits(DataFrame Train, DataFrame Test, IReadOnlyList<string> FeatureColumns, IReadOnlyDictionary<string, ColumnKind> Kinds);

/// <summary>
/// Phase 1: loads the dataset a request names, checks its columns, profiles it, cleans, encodes, scales and splits it,
/// and saves the processed splits, the feature definitions and the manifest so later phases (or MCP tools) can pick
/// the run up by its training id.
/// </summary>
public sealed class PreparationService(MlopsContext context)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>Loads the dataset (registered, or a file under the data root) and checks every column the request names.</summary>
    public async Task<(DatasetVersion Dataset, DataFrame Frame, string? Target)> LoadAndCheckAsync(TrainingRequest request, CancellationToken cancellationToken = default)
    {
        var datasets = new DatasetService(context.Registry, context.Store);
        DatasetVersion dataset;
        DataFrame frame;
        try
        {
            (dataset, frame) = request.DatasetId is not null
                ? await datasets.LoadAsync(request.DatasetId, request.DatasetVersion, cancellationToken).ConfigureAwait(false)
                : await datasets.LoadFileAsync(request.DatasetUri!, request.Target, cancellationToken).ConfigureAwait(false);
        }
        catch (DataValidationException e)
        {
            var field = request.DatasetId is null ? "dataset_uri" : request.DatasetVersion is null ? "dataset_id" : "dataset_version";
            throw new RequestValidationException(field, request.DatasetId ?? request.DatasetUri, e.Message);
        }

        var target = request.Target ?? dataset.Target;
        var problems = CheckColumns(request, frame, target);
        if (problems.Count > 0)
        {
            throw new RequestValidationException(problems);
        }

        return (dataset, frame, target);
    }

    /// <summary>Runs phase 1 and saves its outputs under the run's training id.</summary>
    public async Task<(PreparedData Data, DataQualityReport Quality, ArtifactRef QualityReport)> PrepareAsync(
        TrainingRequest request, DatasetVersion dataset, DataFrame raw, string target, string trainingId, CancellationToken cancellationToken = default)
    {
        var isClassification = request.TaskType == TaskTypes.Classification;
        var quality = DataQualityReport.Build(dataset.DatasetId, dataset.Version, raw, target, isClassification);
        var artifacts = new Dictionary<string, string>();
        var qualityRef = await context.PutTextAsync(trainingId, "data_quality", ArtifactKeys.Evaluation(trainingId, "data_quality.json"), JsonSerializer.Serialize(quality, JsonOptions), cancellationToken).ConfigureAwait(false);
        artifacts["data_quality"] = qualityRef.Key;
        artifacts["data_quality_markdown"] = (await context.PutTextAsync(trainingId, "data_quality_markdown", ArtifactKeys.Evaluation(trainingId, "data_quality.md"), quality.ToMarkdown(), cancellationToken).ConfigureAwait(false)).Key;

        var (frame, preprocessor, split, notes) = Prepare(request, raw, target);
        var all = preprocessor.ToTrainingData(frame);
        var train = CrossValidation.Subset(all, split.Train);
        var validation = split.Validation.Length > 0 ? CrossValidation.Subset(all, split.Validation) : null;
        var test = CrossValidation.Subset(all, split.Test);
        var (balanced, outliersRemoved, countsBefore, countsAfter, moreNotes) = Rebalance(request.DataPreprocessing, preprocessor, train, request.RandomSeed);
        notes = string.Join("; ", new[] { notes }.Concat(moreNotes));
        train = balanced;
        foreach (var (name, data) in new[] { ("train", train), ("validation", validation), ("test", test) })
        {
            var csv = ProcessedCsv(preprocessor, data ?? test with { Features = [], Labels = [] });
            artifacts[name] = (await context.PutTextAsync(trainingId, $"processed_{name}", ArtifactKeys.ProcessedSplit(dataset.DatasetId, name, trainingId), csv, cancellationToken).ConfigureAwait(false)).Key;
        }

        artifacts["feature_definitions"] = (await context.PutTextAsync(trainingId, "feature_definitions", ArtifactKeys.FeatureDefinitions(dataset.DatasetId, trainingId), preprocessor.ToJson(), cancellationToken).ConfigureAwait(false)).Key;

        var manifest = new PreparationManifest(trainingId, dataset.DatasetId, dataset.Version, dataset.Sha256, target, request.TaskType, preprocessor.ClassNames,
            preprocessor.FeatureNames, frame.RowCount, train.RowCount, validation?.RowCount ?? 0, test.RowCount, request.RandomSeed, request.DataPreprocessing, notes, artifacts)
        {
            ClassCountsBefore = countsBefore,
            ClassCountsAfter = countsAfter,
            OutliersRemoved = outliersRemoved,
        };
        await context.PutTextAsync(trainingId, "preparation", PreparationManifest.Key(trainingId), JsonSerializer.Serialize(manifest, JsonOptions), cancellationToken).ConfigureAwait(false);
        var featureColumns = preprocessor.Columns.Select(c => c.Name).ToList();
        var rawSplits = new RawSplits(frame.WithRows(split.Train.Select(i => frame.Rows[i])), frame.WithRows(split.Test.Select(i => frame.Rows[i])), featureColumns,
            preprocessor.Columns.ToDictionary(c => c.Name, c => c.Kind));
        return (new PreparedData(manifest, preprocessor, train, validation, test) { Raw = rawSplits }, quality, qualityRef);
    }

    /// <summary>Reloads a run's prepared data from the store, as phase 1 left it.</summary>
    public async Task<PreparedData> LoadAsync(string trainingId, CancellationToken cancellationToken = default)
    {
        if (!await context.Store.ExistsAsync(PreparationManifest.Key(trainingId), cancellationToken).ConfigureAwait(false))
        {
            throw new DataValidationException($"training_id: '{trainingId}' has no prepared data; run data preparation for it first.");
        }

        var manifest = JsonSerializer.Deserialize<PreparationManifest>(await context.Store.ReadTextAsync(PreparationManifest.Key(trainingId), cancellationToken).ConfigureAwait(false))!;
        var preprocessor = FeaturePreprocessor.FromJson(await context.Store.ReadTextAsync(manifest.Artifacts["feature_definitions"], cancellationToken).ConfigureAwait(false));
        async Task<TrainingData> Split(string name)
        {
            using var reader = new StringReader(await context.Store.ReadTextAsync(manifest.Artifacts[name], cancellationToken).ConfigureAwait(false));
            var frame = DataFrame.ReadCsv(reader, manifest.Artifacts[name]);
            var features = frame.Rows.Select(r => r[..^1].Select(c => c is null ? 0.0 : double.Parse(c, CultureInfo.InvariantCulture)).ToArray()).ToArray();
            var labels = frame.Rows.Select(r => preprocessor.EncodeLabel(r[^1])).ToArray();
            return new TrainingData(features, labels, preprocessor.FeatureNames, manifest.TaskType == TaskTypes.Classification ? preprocessor.ClassNames : []);
        }

        var validation = manifest.ValidationRows > 0 ? await Split("validation").ConfigureAwait(false) : null;
        var train = await Split("train").ConfigureAwait(false);
        if (manifest.Preprocessing.ClassImbalance == ImbalanceMethods.ClassWeight)
        {
            // Weights are a function of the labels, so they are recomputed rather than stored.
            train = ImbalanceHandler.WithClassWeights(train).Data;
        }

        return new PreparedData(manifest, preprocessor, train, validation, await Split("test").ConfigureAwait(false));
    }

    /// <summary>Checks every column the request names against the dataset, reporting all problems at once.</summary>
    public static List<RequestError> CheckColumns(TrainingRequest request, DataFrame frame, string? target)
    {
        var errors = new List<RequestError>();
        var columns = string.Join(", ", frame.Columns);
        if (target is null && request.LearningType == LearningTypes.Supervised)
        {
            errors.Add(new RequestError("target", null, $"no target column: set 'target' in the request or register the dataset with --target; columns: {columns}"));
        }
        else if (target is not null && frame.IndexOf(target) < 0)
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
        CheckList("fairness.sensitive_features", request.Fairness?.SensitiveFeatures);
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

    private static (DataFrame Frame, FeaturePreprocessor Preprocessor, SplitIndices Split, string Notes) Prepare(TrainingRequest request, DataFrame raw, string target)
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
            throw new RequestValidationException("dataset", null, $"only {frame.RowCount} usable rows remain after cleaning; at least 10 are needed to train and test a model");
        }

        var kinds = featureColumns.ToDictionary(c => c, c => frame.InferKind(frame.IndexOf(c)));
        var isClassification = request.TaskType == TaskTypes.Classification;
        var classNames = isClassification ? frame.Rows.Select(r => r[t]!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() : [];
        if (isClassification && classNames.Count < 2)
        {
            throw new RequestValidationException("target", target, $"classification needs at least 2 classes, but '{target}' has {classNames.Count}");
        }

        var classIndex = classNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var strata = isClassification ? frame.Rows.Select(r => classIndex[r[t]!]).ToArray() : null;
        var split = DataSplitter.Split(frame.RowCount, strata, request.TestSize, request.ValidationSize, request.RandomSeed);
        var task = isClassification ? ModelTask.Classification : ModelTask.Regression;
        var preprocessor = FeaturePreprocessor.Fit(frame.WithRows(split.Train.Select(i => frame.Rows[i])), target, featureColumns, kinds, options, task, classNames);
        notes.Add($"{kinds.Count(k => k.Value == ColumnKind.Categorical)} categorical columns encoded by {options.EncodeCategorical}");
        notes.Add(options.Standardize ? "numeric columns standardized" : options.Normalize ? "numeric columns normalized to [0, 1]" : "numeric columns left unscaled");
        return (frame, preprocessor, split, string.Join("; ", notes));
    }

    /// <summary>
    /// Training-split outlier removal and class-imbalance handling, as the request asks. Outliers are judged on the
    /// numeric input columns only; SMOTE leaves encoded categorical features out of its distances.
    /// </summary>
    private static (TrainingData Train, int OutliersRemoved, IReadOnlyDictionary<string, int>? Before, IReadOnlyDictionary<string, int>? After, List<string> Notes) Rebalance(
        DataPreprocessingOptions options, FeaturePreprocessor preprocessor, TrainingData train, int seed)
    {
        var notes = new List<string>();
        var numeric = preprocessor.Columns.Where(c => c.Kind == ColumnKind.Numeric).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var numericIndices = Enumerable.Range(0, preprocessor.FeatureNames.Count).Where(i => numeric.Contains(preprocessor.FeatureNames[i])).ToList();
        var removed = 0;
        if (options.OutlierRemoval != OutlierStrategies.None)
        {
            var (kept, result) = OutlierFilter.Apply(train, numericIndices, new OutlierOptions { Method = options.OutlierRemoval });
            removed = result.Removed;
            train = kept;
            notes.Add($"removed {removed} training rows as {options.OutlierRemoval} outliers");
        }

        if (train.Task != ModelTask.Classification)
        {
            return (train, removed, null, null, notes);
        }

        if (options.ClassImbalance == ImbalanceStrategies.None)
        {
            var counts = Counts(train);
            return (train, removed, counts, counts, notes);
        }

        var nominal = Enumerable.Range(0, preprocessor.FeatureNames.Count).Except(numericIndices).ToList();
        var balanced = ImbalanceHandler.Apply(train, new ImbalanceOptions { Method = options.ClassImbalance, Seed = seed, NominalFeatures = nominal });
        notes.Add($"class imbalance handled by {options.ClassImbalance}: {Describe(balanced.CountsBefore)} → {Describe(balanced.CountsAfter)}");
        return (balanced.Data, removed, balanced.CountsBefore, balanced.CountsAfter, notes);

        static IReadOnlyDictionary<string, int> Counts(TrainingData data)
        {
            var counts = ImbalanceHandler.ClassCounts(data);
            return data.ClassNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => counts[p.i]);
        }

        static string Describe(IReadOnlyDictionary<string, int> counts) => string.Join("/", counts.Select(kv => $"{kv.Key} {kv.Value}"));
    }

    private static string ProcessedCsv(FeaturePreprocessor preprocessor, TrainingData data)
    {
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
}
