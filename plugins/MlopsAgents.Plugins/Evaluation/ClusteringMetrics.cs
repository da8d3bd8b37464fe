namespace MlopsAgents.Plugins.Evaluation;

/// <summary>
/// Internal clustering scores with Euclidean distance, matching scikit-learn's <c>silhouette_score</c> and
/// <c>davies_bouldin_score</c> on the same label vector. Labels are taken as given: DBSCAN's noise label -1 counts as
/// one more cluster, as it does when scikit-learn is handed the raw labels.
/// </summary>
public static class ClusteringMetrics
{
    /// <summary>
    /// Mean silhouette coefficient, (b − a) / max(a, b) per row, where a is the mean distance to the rest of its cluster
    /// and b the lowest mean distance to another cluster; rows alone in their cluster score 0. Needs 2 to n − 1 labels.
    /// </summary>
    public static double Silhouette(double[][] x, IReadOnlyList<int> labels)
    {
        var (codes, clusters) = Encode(x, labels);
        var n = x.Length;
        var sizes = new int[clusters];
        foreach (var c in codes)
        {
            sizes[c]++;
        }

        var scores = new double[n];
        Parallel.For(0, n, () => new double[clusters], (i, _, sums) =>
        {
            Array.Clear(sums);
            var row = x[i];
            for (var j = 0; j < n; j++)
            {
                if (j != i)
                {
                    sums[codes[j]] += Distance(row, x[j]);
                }
            }

            var own = codes[i];
            var a = sums[own] / (sizes[own] - 1);
            var b = double.PositiveInfinity;
            for (var c = 0; c < clusters; c++)
            {
                if (c != own)
                {
                    b = Math.Min(b, sums[c] / sizes[c]);
                }
            }

            // scikit-learn's 0/0 cases (a cluster of one row, or a = b = 0) become 0.
            var score = (b - a) / Math.Max(a, b);
            scores[i] = double.IsNaN(score) ? 0.0 : score;
            return sums;
        }, _ => { });

        return scores.Sum() / n;
    }

    /// <summary>
    /// Davies–Bouldin index: the mean over clusters of the worst (sᵢ + sⱼ) / d(cᵢ, cⱼ), where s is the mean distance of a
    /// cluster's rows to its centroid. Lower is better; 0 when every cluster or every centroid coincides.
    /// </summary>
    public static double DaviesBouldin(double[][] x, IReadOnlyList<int> labels)
    {
        var (codes, clusters) = Encode(x, labels);
        var d = x[0].Length;
        var centroids = new double[clusters][];
        var sizes = new int[clusters];
        for (var c = 0; c < clusters; c++)
        {
            centroids[c] = new double[d];
        }

        for (var i = 0; i < x.Length; i++)
        {
            sizes[codes[i]]++;
            for (var j = 0; j < d; j++)
            {
                centroids[codes[i]][j] += x[i][j];
            }
        }

        for (var c = 0; c < clusters; c++)
        {
            for (var j = 0; j < d; j++)
            {
                centroids[c][j] /= sizes[c];
            }
        }

        var spread = new double[clusters];
        for (var i = 0; i < x.Length; i++)
        {
            spread[codes[i]] += Distance(x[i], centroids[codes[i]]);
        }

        for (var c = 0; c < clusters; c++)
        {
            spread[c] /= sizes[c];
        }

        var between = new double[clusters, clusters];
        var allCoincide = true;
        for (var a = 0; a < clusters; a++)
        {
            for (var b = 0; b < clusters; b++)
            {
                between[a, b] = Distance(centroids[a], centroids[b]);
                allCoincide &= Math.Abs(between[a, b]) <= 1e-8;
            }
        }

        // scikit-learn's np.allclose(…, 0) tests.
        if (spread.All(s => Math.Abs(s) <= 1e-8) || allCoincide)
        {
            return 0.0;
        }

        var total = 0.0;
        for (var a = 0; a < clusters; a++)
        {
            var worst = double.NegativeInfinity;
            for (var b = 0; b < clusters; b++)
            {
                var distance = between[a, b] == 0 ? double.PositiveInfinity : between[a, b];
                worst = Math.Max(worst, (spread[a] + spread[b]) / distance);
            }

            total += worst;
        }

        return total / clusters;
    }

    internal static double Distance(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var j = 0; j < a.Length; j++)
        {
            var t = a[j] - b[j];
            sum += t * t;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>Maps labels to 0..k−1 in sorted order, as scikit-learn's LabelEncoder, and checks 2 ≤ k ≤ n − 1.</summary>
    private static (int[] Codes, int Clusters) Encode(double[][] x, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(labels);
        if (x.Length != labels.Count)
        {
            throw new ArgumentException($"There are {x.Length} rows but {labels.Count} labels.", nameof(labels));
        }

        if (x.Length == 0 || x.Any(r => r is null || r.Length != x[0].Length || r.Length == 0))
        {
            throw new ArgumentException("The rows must be non-empty and all of one length.", nameof(x));
        }

        var distinct = labels.Distinct().Order().ToArray();
        if (distinct.Length < 2 || distinct.Length > x.Length - 1)
        {
            throw new ArgumentException($"These scores need between 2 and {x.Length - 1} distinct labels (rows − 1); got {distinct.Length}.", nameof(labels));
        }

        var index = distinct.Select((label, code) => (label, code)).ToDictionary(p => p.label, p => p.code);
        return (labels.Select(l => index[l]).ToArray(), distinct.Length);
    }

    /// <summary>
    /// The share of the variance the clusters explain: 1 − (squared distances of the rows to their cluster's mean) /
    /// (squared distances to the overall mean), k-means' between-to-total sum of squares; NaN when every row is the same
    /// point. SageMaker K-Means runs report the same ratio on their test split (MlopsAgents.Aws SageMakerKMeans).
    /// </summary>
    public static double VarianceExplained(double[][] x, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(labels);
        if (x.Length == 0 || x.Length != labels.Count)
        {
            throw new ArgumentException($"{x.Length} rows and {labels.Count} labels: one label per row is needed.", nameof(labels));
        }

        var dims = x[0].Length;
        var mean = new double[dims];
        var sums = new Dictionary<int, (double[] Sum, int Count)>();
        for (var i = 0; i < x.Length; i++)
        {
            if (!sums.TryGetValue(labels[i], out var group))
            {
                group = (new double[dims], 0);
            }

            for (var d = 0; d < dims; d++)
            {
                mean[d] += x[i][d] / x.Length;
                group.Sum[d] += x[i][d];
            }

            sums[labels[i]] = (group.Sum, group.Count + 1);
        }

        double total = 0, within = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var (sum, count) = sums[labels[i]];
            for (var d = 0; d < dims; d++)
            {
                total += (x[i][d] - mean[d]) * (x[i][d] - mean[d]);
                var centre = sum[d] / count;
                within += (x[i][d] - centre) * (x[i][d] - centre);
            }
        }

        return total <= 0 ? double.NaN : 1 - within / total;
    }

    /// <summary>Whether <see cref="Silhouette"/> and <see cref="DaviesBouldin"/> accept this many distinct labels for this many rows.</summary>
    public static bool CanScore(int rows, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var distinct = labels.Distinct().Count();
        return distinct >= 2 && distinct <= rows - 1;
    }
}
