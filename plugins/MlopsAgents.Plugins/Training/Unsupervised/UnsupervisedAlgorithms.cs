using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Plugins.Training.Unsupervised;

/// <summary>Catalog entries of the clustering and dimensionality-reduction algorithms.</summary>
public static class UnsupervisedAlgorithms
{
    public const string KMeans = "kmeans";
    public const string Dbscan = "dbscan";
    public const string Pca = "pca";
    public const string Tsne = "tsne";

    public static readonly IReadOnlyList<AlgorithmSpec> Specs =
    [
        new(KMeans, [TaskTypes.Clustering],
            "k-means (k-means++ initialisation, Lloyd iterations, best of n_init); k given, or chosen by silhouette score over k_min..k_max.",
            [
                new("n_clusters", HyperparameterType.Int, "Number of clusters; omit to choose k by silhouette score.", null, Min: 2, Max: 1000, Aliases: ["k"]),
                new("k_min", HyperparameterType.Int, "Smallest k tried when n_clusters is omitted.", 2L, Min: 2, Max: 1000),
                new("k_max", HyperparameterType.Int, "Largest k tried when n_clusters is omitted.", 10L, Min: 2, Max: 1000),
                new("n_init", HyperparameterType.Int, "Restarts with different seeds; the lowest inertia wins.", 10L, Min: 1, Max: 1000),
                new("max_iter", HyperparameterType.Int, "Maximum Lloyd iterations per restart.", 300L, Min: 1, Max: 100000),
                new("tol", HyperparameterType.Float, "Convergence tolerance on centre movement.", 1e-4, Min: 0, Max: 1),
            ]),
        new(Dbscan, [TaskTypes.Clustering],
            "DBSCAN density clustering with Euclidean distance; noise points get label -1.",
            [
                new("eps", HyperparameterType.Float, "Neighbourhood radius.", 0.5, Min: 0, Max: 1e9, MinExclusive: true),
                new("min_samples", HyperparameterType.Int, "Points (the point included) within eps for a core point.", 5L, Min: 1, Max: 100000),
            ]),
        new(Pca, [TaskTypes.DimensionalityReduction],
            "Principal component analysis on centred data (SVD of the covariance), components ordered by explained variance.",
            [
                new("n_components", HyperparameterType.Int, "Number of components kept.", 2L, Min: 1, Max: 10000),
            ]),
        new(Tsne, [TaskTypes.DimensionalityReduction],
            "t-SNE: exact gradients for small data, Barnes–Hut above a few thousand rows.",
            [
                new("n_components", HyperparameterType.Int, "Embedding dimensions.", 2L, Min: 1, Max: 3),
                new("perplexity", HyperparameterType.Float, "Effective number of neighbours.", 30.0, Min: 1, Max: 1000),
                new("learning_rate", HyperparameterType.Float, "Gradient step size.", 200.0, Min: 0, Max: 1e6, MinExclusive: true),
                new("n_iter", HyperparameterType.Int, "Optimisation iterations.", 1000L, Min: 250, Max: 100000),
                new("method", HyperparameterType.Categorical, "exact, barnes_hut, or auto (exact up to 2,000 rows).", "auto", Values: ["auto", "exact", "barnes_hut"]),
                new("theta", HyperparameterType.Float, "Barnes–Hut accuracy/speed trade-off.", 0.5, Min: 0, Max: 1),
            ]),
    ];
}
