namespace MlopsAgents.Plugins.Training.Unsupervised;

/// <summary>Options of one k-means fit with a fixed number of clusters.</summary>
public sealed record KMeansOptions(int Clusters, int Restarts = 10, int MaxIterations = 300, double Tolerance = 1e-4);

/// <summary>k-means: greedy k-means++ seeding and Lloyd iterations, keeping the restart with the lowest inertia.</summary>
public static class KMeans
{
    public static KMeansModel Fit(double[][] x, KMeansOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        var d = Rows.CheckMatrix(x, nameof(x));
        var n = x.Length;
        if (options.Clusters < 1 || options.Clusters > n)
        {
            throw new ArgumentException($"n_clusters must be between 1 and the row count {n}, got {options.Clusters}.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.Restarts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxIterations, 1, nameof(options));

        // As in scikit-learn the tolerance is relative to the data: a fraction of the mean feature variance.
        var meanVariance = 0.0;
        for (var j = 0; j < d; j++)
        {
            var mean = 0.0;
            foreach (var row in x)
            {
                mean += row[j];
            }

            mean /= n;
            var variance = 0.0;
            foreach (var row in x)
            {
                variance += (row[j] - mean) * (row[j] - mean);
            }

            meanVariance += variance / n;
        }

        var tolerance = options.Tolerance * meanVariance / d;
        var master = new Random(seed);
        Run? best = null;
        for (var restart = 0; restart < options.Restarts; restart++)
        {
            var random = new Random(master.Next());
            var run = Lloyd(x, Seed(x, options.Clusters, random), options.MaxIterations, tolerance);
            if (best is null || run.Inertia < best.Inertia)
            {
                best = run;
            }
        }

        return new KMeansModel(best!.Centres, best.Inertia, best.Iterations);
    }

    /// <summary>Greedy k-means++: each new centre is the best of 2 + ln k candidates drawn in proportion to squared distance.</summary>
    private static double[][] Seed(double[][] x, int k, Random random)
    {
        var n = x.Length;
        var centres = new double[k][];
        centres[0] = (double[])x[random.Next(n)].Clone();
        var closest = new double[n];
        for (var i = 0; i < n; i++)
        {
            closest[i] = Rows.SquaredDistance(x[i], centres[0]);
        }

        var potential = closest.Sum();
        var trials = 2 + (int)Math.Log(k);
        var candidateDistances = new double[n];
        var bestDistances = new double[n];
        for (var c = 1; c < k; c++)
        {
            var bestCandidate = -1;
            var bestPotential = double.PositiveInfinity;
            for (var t = 0; t < trials; t++)
            {
                var candidate = potential > 0 ? Draw(closest, potential, random) : random.Next(n);
                var candidatePotential = 0.0;
                for (var i = 0; i < n; i++)
                {
                    candidateDistances[i] = Math.Min(closest[i], Rows.SquaredDistance(x[i], x[candidate]));
                    candidatePotential += candidateDistances[i];
                }

                if (candidatePotential < bestPotential)
                {
                    bestPotential = candidatePotential;
                    bestCandidate = candidate;
                    Array.Copy(candidateDistances, bestDistances, n);
                }
            }

            centres[c] = (double[])x[bestCandidate].Clone();
            Array.Copy(bestDistances, closest, n);
            potential = bestPotential;
        }

        return centres;
    }

    private static int Draw(double[] weights, double total, Random random)
    {
        var target = random.NextDouble() * total;
        var cumulative = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            cumulative += weights[i];
            if (cumulative > target)
            {
                return i;
            }
        }

        // Rounding can leave the target just above the last cumulative sum; take the last row with weight.
        return Array.FindLastIndex(weights, w => w > 0);
    }

    private static Run Lloyd(double[][] x, double[][] centres, int maxIterations, double tolerance)
    {
        var n = x.Length;
        var k = centres.Length;
        var d = x[0].Length;
        var labels = new int[n];
        var distances = new double[n];
        var iterations = 0;
        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            iterations = iteration;
            var changed = AssignAll(x, centres, labels, distances) || iteration == 1;
            var sums = new double[k][];
            var counts = new int[k];
            for (var c = 0; c < k; c++)
            {
                sums[c] = new double[d];
            }

            for (var i = 0; i < n; i++)
            {
                counts[labels[i]]++;
                var sum = sums[labels[i]];
                for (var j = 0; j < d; j++)
                {
                    sum[j] += x[i][j];
                }
            }

            RelocateEmptyClusters(x, labels, distances, sums, counts);
            var shift = 0.0;
            for (var c = 0; c < k; c++)
            {
                for (var j = 0; j < d; j++)
                {
                    var updated = sums[c][j] / counts[c];
                    shift += (updated - centres[c][j]) * (updated - centres[c][j]);
                    centres[c][j] = updated;
                }
            }

            if (!changed || shift <= tolerance)
            {
                break;
            }
        }

        AssignAll(x, centres, labels, distances);
        return new Run(centres, distances.Sum(), iterations);
    }

    /// <summary>An empty cluster takes the row farthest from its centre, as scikit-learn does, so k clusters survive.</summary>
    private static void RelocateEmptyClusters(double[][] x, int[] labels, double[] distances, double[][] sums, int[] counts)
    {
        var d = x[0].Length;
        for (var c = 0; c < counts.Length; c++)
        {
            if (counts[c] > 0)
            {
                continue;
            }

            var far = -1;
            for (var i = 0; i < x.Length; i++)
            {
                if (counts[labels[i]] > 1 && (far < 0 || distances[i] > distances[far]))
                {
                    far = i;
                }
            }

            var from = labels[far];
            counts[from]--;
            counts[c] = 1;
            for (var j = 0; j < d; j++)
            {
                sums[from][j] -= x[far][j];
                sums[c][j] = x[far][j];
            }

            labels[far] = c;
            distances[far] = 0;
        }
    }

    private static bool AssignAll(double[][] x, double[][] centres, int[] labels, double[] distances)
    {
        var changed = false;
        for (var i = 0; i < x.Length; i++)
        {
            var (label, distance) = Nearest(centres, x[i]);
            changed |= label != labels[i];
            labels[i] = label;
            distances[i] = distance;
        }

        return changed;
    }

    internal static (int Label, double SquaredDistance) Nearest(double[][] centres, double[] row)
    {
        var best = 0;
        var bestDistance = double.PositiveInfinity;
        for (var c = 0; c < centres.Length; c++)
        {
            var distance = Rows.SquaredDistance(row, centres[c]);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = c;
            }
        }

        return (best, bestDistance);
    }

    private sealed record Run(double[][] Centres, double Inertia, int Iterations);
}

/// <summary>Fitted k-means: the centres, and the inertia (sum of squared distances to the nearest centre) on the training rows.</summary>
public sealed class KMeansModel : IClusteringModel
{
    public KMeansModel(double[][] centres, double inertia, int iterations)
    {
        Rows.CheckMatrix(centres, nameof(centres));
        Centres = centres.Select(c => (double[])c.Clone()).ToArray();
        Inertia = inertia;
        Iterations = iterations;
    }

    public string Algorithm => UnsupervisedAlgorithms.KMeans;
    public int FeatureCount => Centres[0].Length;
    public int ClusterCount => Centres.Count;
    public IReadOnlyList<double[]> Centres { get; }
    public double Inertia { get; }

    /// <summary>Lloyd iterations of the winning restart.</summary>
    public int Iterations { get; }

    /// <summary>The index of the nearest centre for each row (ties go to the lower index).</summary>
    public int[] Assign(double[][] rows)
    {
        Rows.CheckMatrix(rows, nameof(rows), FeatureCount, allowEmpty: true);
        var centres = Centres.ToArray();
        return rows.Select(r => KMeans.Nearest(centres, r).Label).ToArray();
    }

    /// <summary>Euclidean distance from each row to each centre, like scikit-learn's <c>KMeans.transform</c>.</summary>
    public double[][] Transform(double[][] rows)
    {
        Rows.CheckMatrix(rows, nameof(rows), FeatureCount, allowEmpty: true);
        return rows.Select(r => Centres.Select(c => Math.Sqrt(Rows.SquaredDistance(r, c))).ToArray()).ToArray();
    }

    public void Save(string directory) =>
        UnsupervisedModelFile.Write(directory, Algorithm, Requests.TaskTypes.Clustering, FeatureCount, new Parameters(Centres.ToArray(), Inertia, Iterations));

    public static KMeansModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var p = UnsupervisedModelFile.ReadParameters<Parameters>(directory, UnsupervisedAlgorithms.KMeans);
        return new KMeansModel(p.Centres ?? throw new InvalidDataException($"The k-means model in '{directory}' has no centres."), p.Inertia, p.Iterations);
    }

    private sealed record Parameters(double[][] Centres, double Inertia, int Iterations);
}
