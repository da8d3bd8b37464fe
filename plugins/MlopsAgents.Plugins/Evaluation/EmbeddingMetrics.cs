using MlopsAgents.Plugins.Training.Unsupervised;

namespace MlopsAgents.Plugins.Evaluation;

/// <summary>Quality measures of a dimensionality reduction.</summary>
public static class EmbeddingMetrics
{
    /// <summary>
    /// scikit-learn's <c>sklearn.manifold.trustworthiness</c> with Euclidean distance: 1 minus a penalty for every
    /// embedding neighbour that is not among the <paramref name="neighbours"/> nearest in the input space, weighted by
    /// how far down the input ranking it is. 1 means the embedding invents no neighbours. Needs neighbours &lt; n / 2.
    /// Input-space ties are ranked by row index; O(n² log n) time, O(n) memory per thread.
    /// </summary>
    public static double Trustworthiness(double[][] x, double[][] embedding, int neighbours = 5)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(embedding);
        var n = x.Length;
        if (embedding.Length != n)
        {
            throw new ArgumentException($"There are {n} input rows but {embedding.Length} embedded rows.", nameof(embedding));
        }

        if (neighbours < 1 || neighbours >= n / 2.0)
        {
            throw new ArgumentException($"n_neighbors must be at least 1 and below rows / 2 = {(n / 2.0).ToString(System.Globalization.CultureInfo.InvariantCulture)}, got {neighbours}.", nameof(neighbours));
        }

        var penalties = new long[n];
        Parallel.For(0, n, () => (Input: new (double, int)[n - 1], Embedded: new (double, int)[n - 1], Rank: new int[n]), (i, _, buffers) =>
        {
            var (input, embedded, rank) = buffers;
            for (int j = 0, m = 0; j < n; j++)
            {
                if (j != i)
                {
                    input[m] = (ClusteringMetrics.Distance(x[i], x[j]), j);
                    embedded[m] = (ClusteringMetrics.Distance(embedding[i], embedding[j]), j);
                    m++;
                }
            }

            // Sorting (distance, index) pairs ranks ties by row index, so the result does not depend on the sort.
            Array.Sort(input);
            for (var m = 0; m < n - 1; m++)
            {
                rank[input[m].Item2] = m + 1;
            }

            Array.Sort(embedded);
            long penalty = 0;
            for (var m = 0; m < neighbours; m++)
            {
                var excess = rank[embedded[m].Item2] - neighbours;
                if (excess > 0)
                {
                    penalty += excess;
                }
            }

            penalties[i] = penalty;
            return buffers;
        }, _ => { });

        var total = (double)penalties.Sum();
        return 1.0 - (total * (2.0 / (n * neighbours * ((2.0 * n) - (3.0 * neighbours) - 1.0))));
    }

    /// <summary>Share of the total variance along every principal component of <paramref name="x"/>, largest first (sums to 1).</summary>
    public static IReadOnlyList<double> ExplainedVarianceRatio(double[][] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length == 0 || x[0] is null)
        {
            throw new ArgumentException("There are no rows.", nameof(x));
        }

        return Pca.Fit(x, Math.Min(x.Length, x[0].Length)).ExplainedVarianceRatio;
    }
}
