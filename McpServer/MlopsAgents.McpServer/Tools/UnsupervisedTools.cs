using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Unsupervised;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>Unsupervised learning: prepare an unlabeled matrix, cluster it or reduce its dimensions, and score clusterings.</summary>
[McpServerToolType]
public sealed class UnsupervisedTools(MlopsContext context)
{
    [McpServerTool(Name = "preprocess_unsupervised", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Prepares a registered dataset for clustering or dimensionality reduction: every column except the label column and drop_columns becomes features (numeric columns mean-imputed and optionally z-scored, categorical ones mode-imputed and one-hot encoded), fitted on all rows. Every row is kept in dataset order and there is no split. Saves the matrix and feature definitions under a new training_id, which train_unsupervised_clustering and train_unsupervised_dimensionality_reduction take.")]
    public Task<JsonObject> PreprocessUnsupervised(
        [Description("Registered dataset id.")] string dataset_id,
        [Description("Dataset version; omit for the latest.")] int? version = null,
        [Description("Column left out of the features and kept only to colour embedding plots; omit to use the dataset's registered target (if any).")] string? label_column = null,
        [Description("Further columns to leave out of the features, e.g. identifiers.")] string[]? drop_columns = null,
        [Description("Z-score numeric columns (recommended: distances then weigh every column alike).")] bool standardize = true,
        [Description("When true, check the columns and report the features that would be built, without writing.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var (dataset, frame) = await new DatasetService(context.Registry, context.Store).LoadAsync(dataset_id, version, cancellationToken).ConfigureAwait(false);
        var columns = string.Join(", ", frame.Columns);
        if (label_column is not null && frame.IndexOf(label_column) < 0)
        {
            throw ToolErrors.Invalid("label_column", label_column, $"a column of the dataset; columns: {columns}");
        }

        var label = label_column ?? (dataset.Target is { } t && frame.IndexOf(t) >= 0 ? t : null);
        var drops = drop_columns ?? [];
        for (var i = 0; i < drops.Length; i++)
        {
            if (frame.IndexOf(drops[i]) < 0)
            {
                throw ToolErrors.Invalid($"drop_columns[{i}]", drops[i], $"a column of the dataset; columns: {columns}");
            }
        }

        var features = frame.Columns.Where(c => c != label && !drops.Contains(c)).ToList();
        if (features.Count == 0)
        {
            throw ToolErrors.Invalid("drop_columns", string.Join(", ", drops), "leave at least one feature column besides the label column");
        }

        if (frame.RowCount < 3)
        {
            throw ToolErrors.Invalid("dataset_id", dataset_id, $"a dataset with at least 3 rows; version {dataset.Version} has {frame.RowCount}");
        }

        var options = new DataPreprocessingOptions { HandleMissing = MissingValueStrategies.Mean, Standardize = standardize, EncodeCategorical = CategoricalEncodings.OneHot, RemoveDuplicates = false };
        var (preprocessor, matrix) = UnsupervisedData.Prepare(frame, label, features, options);
        var categorical = preprocessor.Columns.Count(c => c.Kind == ColumnKind.Categorical);
        var notes = $"{matrix.Length} rows kept in dataset order; missing values imputed (mean, or mode for categories); {categorical} categorical columns one-hot encoded; numeric columns {(standardize ? "standardized" : "left unscaled")}";
        if (dry_run)
        {
            return new JsonObject
            {
                ["dry_run"] = true,
                ["dataset_id"] = dataset.DatasetId,
                ["dataset_version"] = dataset.Version,
                ["rows"] = matrix.Length,
                ["label_column"] = label,
                ["feature_names"] = JsonSerializer.SerializeToNode(preprocessor.FeatureNames),
                ["notes"] = notes,
            };
        }

        var trainingId = $"unsup-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var manifest = await UnsupervisedData.SaveAsync(context, trainingId, dataset, label, options, preprocessor, matrix, notes, cancellationToken).ConfigureAwait(false);
        return ToolJson.ToObject(manifest);
    });

    [McpServerTool(Name = "train_unsupervised_clustering", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Clusters the matrix of a training_id from preprocess_unsupervised with kmeans (n_clusters given, or chosen by silhouette over k_min..k_max) or dbscan (eps, min_samples; noise is label -1). Records the run, saves the model and assignments.csv (one cluster label per dataset row), and returns cluster sizes and metrics (silhouette, davies_bouldin, inertia, n_clusters, noise). evaluate_clustering rescores a run later.")]
    public Task<JsonObject> TrainUnsupervisedClustering(
        [Description("training_id returned by preprocess_unsupervised.")] string training_id,
        [Description("Clustering algorithm: kmeans or dbscan.")] string algorithm,
        [Description("Hyperparameters as a JSON object, e.g. {\"n_clusters\": 3} for kmeans or {\"eps\": 0.8, \"min_samples\": 5} for dbscan; omitted ones take the catalog defaults.")] JsonElement? hyperparameters = null,
        [Description("Seed for k-means initialisation and metric sampling.")] int random_seed = 42,
        [Description("When true, validate everything and report what would be trained, without training.")] bool dry_run = false,
        CancellationToken cancellationToken = default) =>
        FitAsync(TaskTypes.Clustering, training_id, algorithm, hyperparameters, random_seed, dry_run, cancellationToken);

    [McpServerTool(Name = "train_unsupervised_dimensionality_reduction", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Reduces the matrix of a training_id from preprocess_unsupervised with pca (explained_variance_ratio per component) or tsne (kl_divergence). Records the run, saves the model, embedding.csv (one row per dataset row) and embedding.png (the first two components, coloured by the label column when the preparation kept one), and returns the metrics, including trustworthiness.")]
    public Task<JsonObject> TrainUnsupervisedDimensionalityReduction(
        [Description("training_id returned by preprocess_unsupervised.")] string training_id,
        [Description("Reduction algorithm: pca or tsne.")] string algorithm,
        [Description("Hyperparameters as a JSON object, e.g. {\"n_components\": 2} or, for tsne, {\"perplexity\": 30}; omitted ones take the catalog defaults.")] JsonElement? hyperparameters = null,
        [Description("Seed for t-SNE's initialisation.")] int random_seed = 42,
        [Description("When true, validate everything and report what would be trained, without training.")] bool dry_run = false,
        CancellationToken cancellationToken = default) =>
        FitAsync(TaskTypes.DimensionalityReduction, training_id, algorithm, hyperparameters, random_seed, dry_run, cancellationToken);

    [McpServerTool(Name = "evaluate_clustering", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Scores a clustering run from its saved assignments.csv against its training_id's matrix: silhouette (higher is better, -1..1) and Davies–Bouldin (lower is better), with cluster sizes. Noise (-1) counts as one more cluster, as scikit-learn scores raw labels. Above 5,000 rows the silhouette uses a seeded sample of 5,000 rows. Writes nothing.")]
    public Task<JsonObject> EvaluateClustering(
        [Description("run_id returned by train_unsupervised_clustering.")] string run_id,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var run = context.Registry.GetRun(run_id) ?? throw ToolErrors.Invalid("run_id", run_id, "a run_id returned by train_unsupervised_clustering; no run is recorded under it");
        if (run.TaskType != TaskTypes.Clustering || run.ParentTrainingId is null || !run.Artifacts.TryGetValue("assignments", out var key))
        {
            throw ToolErrors.Invalid("run_id", run_id, $"a clustering run from train_unsupervised_clustering; this run is {run.TaskType} ({run.Algorithm})");
        }

        var (_, matrix) = await UnsupervisedData.LoadAsync(context, run.ParentTrainingId, cancellationToken).ConfigureAwait(false);
        using var reader = new StringReader(await context.Store.ReadTextAsync(key, cancellationToken).ConfigureAwait(false));
        var labels = DataFrame.ReadCsv(reader, key).Rows.Select(r => int.Parse(r[0]!, CultureInfo.InvariantCulture)).ToArray();
        if (labels.Length != matrix.Length)
        {
            throw ToolErrors.Invalid("run_id", run_id, $"a run whose assignments match its matrix; {labels.Length} assignments for {matrix.Length} rows");
        }

        var result = new JsonObject
        {
            ["run_id"] = run_id,
            ["training_id"] = run.ParentTrainingId,
            ["algorithm"] = run.Algorithm,
            ["rows"] = labels.Length,
            ["cluster_sizes"] = ClusterSizes(labels),
        };
        if (!ClusteringMetrics.CanScore(labels.Length, labels))
        {
            result["silhouette_score"] = null;
            result["davies_bouldin_index"] = null;
            result["note"] = $"{labels.Distinct().Count()} distinct labels over {labels.Length} rows: both scores need from 2 to rows − 1 clusters";
            return result;
        }

        var sample = labels.Length <= UnsupervisedTrainer.FullScoringRowLimit ? null : SeededSample(labels.Length, UnsupervisedTrainer.FullScoringRowLimit, 42);
        var x = sample?.Select(i => matrix[i]).ToArray() ?? matrix;
        var y = sample?.Select(i => labels[i]).ToArray() ?? labels;
        result["silhouette_score"] = ClusteringMetrics.CanScore(x.Length, y) ? ClusteringMetrics.Silhouette(x, y) : null;
        result["silhouette_rows"] = x.Length;
        result["davies_bouldin_index"] = ClusteringMetrics.DaviesBouldin(matrix, labels);
        return result;
    });

    private Task<JsonObject> FitAsync(string task, string trainingId, string algorithm, JsonElement? hyperparameters, int seed, bool dryRun, CancellationToken ct) => ToolErrors.Run(async () =>
    {
        var (manifest, matrix) = await UnsupervisedData.LoadAsync(context, trainingId, ct).ConfigureAwait(false);
        // The request parser checks the algorithm against the task and every hyperparameter against the catalog.
        var request = DataPreparationTools.AlgorithmRequest(new JsonObject
        {
            ["dataset_id"] = manifest.DatasetId,
            ["learning_type"] = LearningTypes.Unsupervised,
            ["task_type"] = task,
        }, algorithm, hyperparameters, context.DataRoot);
        var effective = TrainingService.WithDefaults(request.Algorithm, request.Hyperparameters);
        if (dryRun)
        {
            return new JsonObject
            {
                ["dry_run"] = true,
                ["training_id"] = trainingId,
                ["algorithm"] = request.Algorithm,
                ["hyperparameters"] = JsonSerializer.SerializeToNode(effective),
                ["rows"] = matrix.Length,
                ["features"] = manifest.FeatureNames.Count,
            };
        }

        var startedAt = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        UnsupervisedResult fitted;
        try
        {
            fitted = UnsupervisedTrainer.Fit(request.Algorithm, matrix, request.Hyperparameters, seed);
        }
        catch (ArgumentException e)
        {
            // Combinations the catalog's per-value ranges cannot see, such as k_min above k_max or more components than features.
            throw ToolErrors.Invalid("hyperparameters", JsonSerializer.Serialize(effective), e.Message);
        }

        var seconds = watch.Elapsed.TotalSeconds;
        var runId = $"{trainingId}-{request.Algorithm}-{Guid.NewGuid().ToString("N")[..6]}";
        var artifacts = new Dictionary<string, string>(StringComparer.Ordinal);
        var paths = new JsonObject();
        async Task Put(string name, string key, Action<string> write)
        {
            var stored = await UnsupervisedData.PutRenderedAsync(context, runId, name, key, write, ct).ConfigureAwait(false);
            artifacts[name] = stored.Key;
            paths[name] = stored.Location;
        }

        await Put("model", UnsupervisedData.ModelKey(runId), path => fitted.Model.Save(Path.GetDirectoryName(path)!)).ConfigureAwait(false);
        var metrics = new Dictionary<string, double>(fitted.Metrics, StringComparer.Ordinal);
        var result = new JsonObject
        {
            ["run_id"] = runId,
            ["training_id"] = trainingId,
            ["algorithm"] = request.Algorithm,
            ["hyperparameters"] = JsonSerializer.SerializeToNode(effective),
            ["rows"] = matrix.Length,
        };
        if (fitted.Labels is { } labels)
        {
            await Put("assignments", ArtifactKeys.Evaluation(runId, UnsupervisedCsv.AssignmentsFileName), path => UnsupervisedCsv.WriteAssignments(path, labels)).ConfigureAwait(false);
            result["cluster_sizes"] = ClusterSizes(labels);
            if (fitted.SilhouetteByK is { } byK)
            {
                result["silhouette_by_k"] = new JsonObject(byK.OrderBy(p => p.Key).Select(p => KeyValuePair.Create(p.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)JsonValue.Create(p.Value))));
            }
        }

        if (fitted.Embedding is { } embedding)
        {
            await Put("embedding", ArtifactKeys.Evaluation(runId, UnsupervisedCsv.EmbeddingFileName), path => UnsupervisedCsv.WriteEmbedding(path, embedding)).ConfigureAwait(false);
            if (embedding[0].Length >= 2)
            {
                var groups = await UnsupervisedData.LoadLabelsAsync(context, manifest, ct).ConfigureAwait(false);
                var title = $"{request.Algorithm} of {manifest.DatasetId} v{manifest.DatasetVersion}";
                await Put("embedding_plot", ArtifactKeys.Evaluation(runId, EmbeddingPlots.FileName), path => EmbeddingPlots.SaveScatterPng(embedding, path, groups, title)).ConfigureAwait(false);
            }
            else
            {
                result["note"] = "a one-component embedding has no 2-D scatter plot; embedding.csv holds it";
            }
        }

        if (fitted.ExplainedVarianceRatio is { } ratios)
        {
            result["explained_variance_ratio"] = JsonSerializer.SerializeToNode(ratios);
            for (var i = 0; i < ratios.Count; i++)
            {
                metrics[$"explained_variance_ratio_{i + 1}"] = ratios[i];
            }
        }

        UnsupervisedData.RecordRun(context, runId, manifest, request.Algorithm, task, effective, metrics, artifacts, seconds, startedAt);
        result["metrics"] = JsonSerializer.SerializeToNode(fitted.Metrics, ToolJson.Options);
        result["artifacts"] = paths;
        result["train_seconds"] = Math.Round(seconds, 3);
        return result;
    });

    private static JsonObject ClusterSizes(IReadOnlyList<int> labels) =>
        new(labels.GroupBy(l => l).OrderBy(g => g.Key).Select(g => KeyValuePair.Create(g.Key < 0 ? "noise" : g.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)g.Count())));

    private static int[] SeededSample(int rows, int size, int seed)
    {
        var indices = Enumerable.Range(0, rows).ToArray();
        new Random(seed).Shuffle(indices);
        return [.. indices.Take(size).Order()];
    }
}
