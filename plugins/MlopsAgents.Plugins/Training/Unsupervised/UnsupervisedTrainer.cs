using MlopsAgents.Plugins.Evaluation;

namespace MlopsAgents.Plugins.Training.Unsupervised;

/// <summary>
/// What an unsupervised fit produced: cluster labels (clustering) or an embedding (reduction), both in input row
/// order, scalar metrics, and the model to save.
/// </summary>
public sealed record UnsupervisedResult(
    string Algorithm,
    IUnsupervisedModel Model,
    int[]? Labels,
    double[][]? Embedding,
    IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>PCA only: the share of variance of each kept component, largest first.</summary>
    public IReadOnlyList<double>? ExplainedVarianceRatio { get; init; }

    /// <summary>k-means with k chosen by silhouette: the score of every k tried.</summary>
    public IReadOnlyDictionary<int, double>? SilhouetteByK { get; init; }
}

/// <summary>
/// The one entry point for the catalog's unsupervised algorithms (<c>kmeans</c>, <c>dbscan</c>, <c>pca</c>,
/// <c>tsne</c>): reads the hyperparameters with their catalog defaults, fits, and scores the result.
/// </summary>
public static class UnsupervisedTrainer
{
    /// <summary>
    /// Silhouette and trustworthiness cost O(n²); above this many rows they are computed on a seeded sample of this
    /// size (silhouette) or skipped (trustworthiness, which needs the whole neighbourhood ranking).
    /// </summary>
    public const int FullScoringRowLimit = 5000;

    public const string Silhouette = "silhouette_score";
    public const string DaviesBouldin = "davies_bouldin_index";
    public const string VarianceExplained = "variance_explained";
    public const string Inertia = "inertia";
    public const string ClusterCount = "n_clusters";
    public const string NoiseCount = "n_noise";
    public const string NoiseFraction = "noise_fraction";
    public const string Trustworthiness = "trustworthiness";
    public const string ExplainedVarianceTotal = "explained_variance_total";
    public const string KlDivergence = "kl_divergence";
    public const string IterationCount = "n_iter";

    public static IReadOnlyCollection<string> Algorithms { get; } =
        [UnsupervisedAlgorithms.KMeans, UnsupervisedAlgorithms.Dbscan, UnsupervisedAlgorithms.Pca, UnsupervisedAlgorithms.Tsne];

    public static UnsupervisedResult Fit(string algorithm, double[][] x, IReadOnlyDictionary<string, object>? hyperparameters, int seed)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        Rows.CheckMatrix(x, nameof(x));
        var values = Algorithms.Contains(algorithm)
            ? HyperparameterValues.For(algorithm, hyperparameters)
            : throw new ArgumentException($"'{algorithm}' is not an unsupervised algorithm. Known: {string.Join(", ", Algorithms)}.", nameof(algorithm));
        return algorithm switch
        {
            UnsupervisedAlgorithms.KMeans => FitKMeans(x, values, seed),
            UnsupervisedAlgorithms.Dbscan => FitDbscan(x, values, seed),
            UnsupervisedAlgorithms.Pca => FitPca(x, values),
            _ => FitTsne(x, values, seed),
        };
    }

    private static UnsupervisedResult FitKMeans(double[][] x, HyperparameterValues values, int seed)
    {
        var restarts = ToInt(values.GetLong("n_init"), "n_init");
        var maxIterations = ToInt(values.GetLong("max_iter"), "max_iter");
        var tolerance = values.GetDouble("tol");
        var requested = values.GetNullableLong("n_clusters");
        var sample = SampleRows(x.Length, seed);
        KMeansModel model;
        Dictionary<int, double>? byK = null;
        if (requested is { } k)
        {
            model = KMeans.Fit(x, new KMeansOptions(ToInt(k, "n_clusters"), restarts, maxIterations, tolerance), seed);
        }
        else
        {
            var kMin = ToInt(values.GetLong("k_min"), "k_min");
            var kMax = Math.Min(ToInt(values.GetLong("k_max"), "k_max"), x.Length - 1);
            if (kMin > kMax)
            {
                throw new ArgumentException($"k_min ({kMin}) must not exceed k_max, and k_max must be below the row count {x.Length}.", "k_min");
            }

            byK = [];
            model = null!;
            var best = double.NegativeInfinity;
            for (var candidate = kMin; candidate <= kMax; candidate++)
            {
                var fitted = KMeans.Fit(x, new KMeansOptions(candidate, restarts, maxIterations, tolerance), seed);
                var labels = fitted.Assign(x);
                var score = ScoreOrNaN(x, labels, sample, ClusteringMetrics.Silhouette);
                byK[candidate] = score;
                if (score > best || model is null)
                {
                    best = double.IsNaN(score) ? best : score;
                    model = fitted;
                }
            }
        }

        var assignments = model.Assign(x);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [ClusterCount] = model.ClusterCount,
            [Inertia] = model.Inertia,
            [IterationCount] = model.Iterations,
        };
        AddClusterScores(metrics, x, assignments, sample);
        return new UnsupervisedResult(UnsupervisedAlgorithms.KMeans, model, assignments, null, metrics) { SilhouetteByK = byK };
    }

    private static UnsupervisedResult FitDbscan(double[][] x, HyperparameterValues values, int seed)
    {
        var model = Dbscan.Fit(x, values.GetDouble("eps"), ToInt(values.GetLong("min_samples"), "min_samples"));
        var labels = model.Labels.ToArray();
        var noise = labels.Count(l => l < 0);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [ClusterCount] = model.ClusterCount,
            [NoiseCount] = noise,
            [NoiseFraction] = (double)noise / labels.Length,
        };

        // Scored on the raw label vector, noise included as label -1, as scikit-learn scores it.
        AddClusterScores(metrics, x, labels, SampleRows(x.Length, seed));
        return new UnsupervisedResult(UnsupervisedAlgorithms.Dbscan, model, labels, null, metrics);
    }

    private static UnsupervisedResult FitPca(double[][] x, HyperparameterValues values)
    {
        var model = Pca.Fit(x, ToInt(values.GetLong("n_components"), "n_components"));
        var embedding = model.Transform(x);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [ExplainedVarianceTotal] = model.ExplainedVarianceRatio.Sum(),
        };
        AddTrustworthiness(metrics, x, embedding);
        return new UnsupervisedResult(UnsupervisedAlgorithms.Pca, model, null, embedding, metrics)
        {
            ExplainedVarianceRatio = model.ExplainedVarianceRatio,
        };
    }

    private static UnsupervisedResult FitTsne(double[][] x, HyperparameterValues values, int seed)
    {
        var options = new TsneOptions(
            ToInt(values.GetLong("n_components"), "n_components"),
            values.GetDouble("perplexity"),
            values.GetDouble("learning_rate"),
            ToInt(values.GetLong("n_iter"), "n_iter"),
            values.GetString("method") ?? Tsne.Auto,
            values.GetDouble("theta"));
        var model = Tsne.Fit(x, options, seed);
        var embedding = model.Embedding.Select(r => (double[])r.Clone()).ToArray();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [KlDivergence] = model.KlDivergence,
            [IterationCount] = model.Iterations,
        };
        AddTrustworthiness(metrics, x, embedding);
        return new UnsupervisedResult(UnsupervisedAlgorithms.Tsne, model, null, embedding, metrics);
    }

    private static void AddClusterScores(Dictionary<string, double> metrics, double[][] x, int[] labels, int[]? sample)
    {
        var silhouette = ScoreOrNaN(x, labels, sample, ClusteringMetrics.Silhouette);
        if (!double.IsNaN(silhouette))
        {
            metrics[Silhouette] = silhouette;
        }

        if (ClusteringMetrics.CanScore(x.Length, labels))
        {
            metrics[DaviesBouldin] = ClusteringMetrics.DaviesBouldin(x, labels);
        }

        var explained = ClusteringMetrics.VarianceExplained(x, labels);
        if (!double.IsNaN(explained))
        {
            metrics[VarianceExplained] = explained;
        }
    }

    private static void AddTrustworthiness(Dictionary<string, double> metrics, double[][] x, double[][] embedding)
    {
        const int neighbours = 5;
        if (x.Length <= FullScoringRowLimit && neighbours < x.Length / 2.0)
        {
            metrics[Trustworthiness] = EmbeddingMetrics.Trustworthiness(x, embedding, neighbours);
        }
    }

    /// <summary>The score on all rows, or on the sample when there is one; NaN when the labels cannot be scored.</summary>
    private static double ScoreOrNaN(double[][] x, int[] labels, int[]? sample, Func<double[][], IReadOnlyList<int>, double> score)
    {
        var rows = sample is null ? x : sample.Select(i => x[i]).ToArray();
        var subset = sample is null ? labels : sample.Select(i => labels[i]).ToArray();
        return ClusteringMetrics.CanScore(rows.Length, subset) ? score(rows, subset) : double.NaN;
    }

    /// <summary>A seeded sample of row indices (in row order) when there are too many rows to score all, else null.</summary>
    private static int[]? SampleRows(int rows, int seed)
    {
        if (rows <= FullScoringRowLimit)
        {
            return null;
        }

        var indices = Enumerable.Range(0, rows).ToArray();
        new Random(seed).Shuffle(indices);
        return indices.Take(FullScoringRowLimit).Order().ToArray();
    }

    private static int ToInt(long value, string name) =>
        value is >= int.MinValue and <= int.MaxValue ? (int)value : throw new ArgumentException($"{name} = {value} is out of range.", name);
}
