namespace MlopsAgents.Plugins.Training.Unsupervised;

/// <summary>
/// DBSCAN with Euclidean distance, giving the labels scikit-learn gives: a point is core when at least
/// <c>min_samples</c> points (itself included) lie within <c>eps</c> (distance ≤ eps); clusters are numbered in the
/// order of their lowest-index core point; a border point joins the first cluster that reaches it; noise is -1.
/// </summary>
public static class Dbscan
{
    public static DbscanModel Fit(double[][] x, double eps, int minSamples)
    {
        var d = Rows.CheckMatrix(x, nameof(x));
        if (!(eps > 0) || !double.IsFinite(eps))
        {
            throw new ArgumentException($"eps must be a positive number, got {eps.ToString(System.Globalization.CultureInfo.InvariantCulture)}.", nameof(eps));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minSamples, 1);
        var n = x.Length;

        // scikit-learn's trees compare the squared distance with eps², which decides points at exactly eps the same way.
        var radius = eps * eps;
        var neighbourhoods = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            neighbourhoods[i] = [];
        }

        for (var i = 0; i < n; i++)
        {
            neighbourhoods[i].Add(i);
            for (var j = i + 1; j < n; j++)
            {
                if (Rows.SquaredDistance(x[i], x[j]) <= radius)
                {
                    neighbourhoods[i].Add(j);
                    neighbourhoods[j].Add(i);
                }
            }
        }

        var isCore = neighbourhoods.Select(nb => nb.Count >= minSamples).ToArray();
        var labels = Enumerable.Repeat(-1, n).ToArray();
        var clusters = 0;
        var stack = new Stack<int>();
        for (var start = 0; start < n; start++)
        {
            if (labels[start] != -1 || !isCore[start])
            {
                continue;
            }

            // Depth-first expansion through core points, as scikit-learn's dbscan_inner does; non-core points it
            // reaches are labelled but not expanded.
            stack.Push(start);
            while (stack.Count > 0)
            {
                var i = stack.Pop();
                if (labels[i] != -1)
                {
                    continue;
                }

                labels[i] = clusters;
                if (!isCore[i])
                {
                    continue;
                }

                foreach (var j in neighbourhoods[i])
                {
                    if (labels[j] == -1)
                    {
                        stack.Push(j);
                    }
                }
            }

            clusters++;
        }

        var coreIndices = Enumerable.Range(0, n).Where(i => isCore[i]).ToArray();
        return new DbscanModel(eps, minSamples, coreIndices.Select(i => (double[])x[i].Clone()).ToArray(), coreIndices.Select(i => labels[i]).ToArray(), labels, d);
    }
}

/// <summary>
/// Fitted DBSCAN. DBSCAN has no true out-of-sample transform; <see cref="Assign"/> gives a new row the cluster of the
/// nearest core point within eps, or -1 (noise), without changing the clusters.
/// </summary>
public sealed class DbscanModel : IClusteringModel
{
    private readonly double[][] _corePoints;
    private readonly int[] _coreLabels;

    internal DbscanModel(double eps, int minSamples, double[][] corePoints, int[] coreLabels, int[] trainingLabels, int featureCount)
    {
        Eps = eps;
        MinSamples = minSamples;
        _corePoints = corePoints;
        _coreLabels = coreLabels;
        Labels = trainingLabels;
        FeatureCount = featureCount;
    }

    public string Algorithm => UnsupervisedAlgorithms.Dbscan;
    public int FeatureCount { get; }
    public double Eps { get; }
    public int MinSamples { get; }

    /// <summary>Labels of the training rows in input order; -1 is noise.</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>Clusters found (noise not counted).</summary>
    public int ClusterCount => Labels.Count == 0 ? 0 : Labels.Max() + 1;

    public int CoreSampleCount => _corePoints.Length;

    public int[] Assign(double[][] rows)
    {
        Rows.CheckMatrix(rows, nameof(rows), FeatureCount, allowEmpty: true);
        var radius = Eps * Eps;
        var result = new int[rows.Length];
        for (var r = 0; r < rows.Length; r++)
        {
            var label = -1;
            var best = double.PositiveInfinity;
            for (var c = 0; c < _corePoints.Length; c++)
            {
                var distance = Rows.SquaredDistance(rows[r], _corePoints[c]);
                if (distance <= radius && distance < best)
                {
                    best = distance;
                    label = _coreLabels[c];
                }
            }

            result[r] = label;
        }

        return result;
    }

    public void Save(string directory) =>
        UnsupervisedModelFile.Write(directory, Algorithm, Requests.TaskTypes.Clustering, FeatureCount,
            new Parameters(Eps, MinSamples, _corePoints, _coreLabels, Labels.ToArray()));

    public static DbscanModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var p = UnsupervisedModelFile.ReadParameters<Parameters>(directory, UnsupervisedAlgorithms.Dbscan);
        var header = UnsupervisedModelFile.Read<UnsupervisedModelHeader>(directory);
        if (p.CorePoints is null || p.CoreLabels is null || p.Labels is null || p.CorePoints.Length != p.CoreLabels.Length)
        {
            throw new InvalidDataException($"The DBSCAN model in '{directory}' has missing or inconsistent core points.");
        }

        Rows.CheckMatrix(p.CorePoints, nameof(directory), header.FeatureCount, allowEmpty: true);
        return new DbscanModel(p.Eps, p.MinSamples, p.CorePoints, p.CoreLabels, p.Labels, header.FeatureCount);
    }

    private sealed record Parameters(double Eps, int MinSamples, double[][] CorePoints, int[] CoreLabels, int[] Labels);
}
