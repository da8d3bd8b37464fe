namespace MlopsAgents.Plugins.Training.Unsupervised;

/// <summary>Options of a t-SNE fit; the names and defaults follow the catalog entry <c>tsne</c>.</summary>
public sealed record TsneOptions(
    int Components = 2,
    double Perplexity = 30.0,
    double LearningRate = 200.0,
    int Iterations = 1000,
    string Method = Tsne.Auto,
    double Theta = 0.5);

/// <summary>
/// t-SNE as scikit-learn 1.2 runs it: Gaussian affinities calibrated to the perplexity by binary search, Student-t
/// similarities in the embedding, 250 iterations with early exaggeration 12 and momentum 0.5, then momentum 0.8,
/// with per-coordinate gains (+0.2 / ×0.8, at least 0.01). Gradients are exact, or Barnes–Hut (affinities over the
/// 3·perplexity nearest neighbours and a space-partitioning tree for the repulsion) above
/// <see cref="ExactRowLimit"/> rows or when asked. The start is the PCA projection scaled to a first-coordinate
/// standard deviation of 1e-4, as scikit-learn's <c>init="pca"</c>, so a fit is deterministic; only when the data
/// has fewer columns than the embedding does it start from a seeded Gaussian of the same scale.
/// t-SNE has no out-of-sample transform: the embedding exists only for the rows it was fitted on.
/// </summary>
public static class Tsne
{
    public const string Auto = "auto";
    public const string Exact = "exact";
    public const string BarnesHut = "barnes_hut";

    /// <summary>With method auto, exact gradients are used up to this many rows.</summary>
    public const int ExactRowLimit = 2000;

    private const int ExplorationIterations = 250;
    private const double EarlyExaggeration = 12.0;
    private const int CheckEvery = 50;
    private const double MinGain = 0.01;
    private const double MinGradientNorm = 1e-7;
    private const double MachineEpsilon = 2.220446049250313e-16;

    public static TsneModel Fit(double[][] x, TsneOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        var d = Rows.CheckMatrix(x, nameof(x));
        var n = x.Length;
        if (options.Components is < 1 or > 3)
        {
            throw new ArgumentException($"t-SNE embeds into 1 to 3 dimensions, got n_components = {options.Components}.", nameof(options));
        }

        if (!(options.Perplexity > 0) || options.Perplexity >= n)
        {
            throw new ArgumentException($"perplexity must be positive and below the row count {n}, got {options.Perplexity.ToString(System.Globalization.CultureInfo.InvariantCulture)}.", nameof(options));
        }

        if (!(options.LearningRate > 0))
        {
            throw new ArgumentException("learning_rate must be positive.", nameof(options));
        }

        if (options.Iterations < ExplorationIterations)
        {
            throw new ArgumentException($"n_iter must be at least {ExplorationIterations}, got {options.Iterations}.", nameof(options));
        }

        var method = options.Method switch
        {
            Auto => n > ExactRowLimit ? BarnesHut : Exact,
            Exact or BarnesHut => options.Method,
            _ => throw new ArgumentException($"method must be auto, exact or barnes_hut, got '{options.Method}'.", nameof(options)),
        };

        IAffinities affinities = method == Exact
            ? new DenseAffinities(x, options.Perplexity)
            : new SparseAffinities(x, options.Perplexity, options.Theta);

        var y = Initialise(x, options.Components, seed, d);
        var dof = Math.Max(options.Components - 1, 1);
        var exploration = Optimise(y, affinities, dof, options.LearningRate, 0, ExplorationIterations, 0.5, EarlyExaggeration, ExplorationIterations);
        var result = exploration;
        if (options.Iterations > ExplorationIterations && !exploration.Converged)
        {
            result = Optimise(y, affinities, dof, options.LearningRate, ExplorationIterations, options.Iterations, 0.8, 1.0, 300);
        }

        return new TsneModel(y, result.Error, result.Iterations, method, options, d);
    }

    private static double[][] Initialise(double[][] x, int components, int seed, int columns)
    {
        double[][] y;
        if (columns >= components && x.Length >= components)
        {
            y = Pca.Fit(x, components).Transform(x);
        }
        else
        {
            var random = new Random(seed);
            y = x.Select(_ => Enumerable.Range(0, components).Select(_ => Gaussian(random)).ToArray()).ToArray();
        }

        var mean = y.Average(r => r[0]);
        var sd = Math.Sqrt(y.Average(r => (r[0] - mean) * (r[0] - mean)));
        var scale = sd > 0 ? 1e-4 / sd : 1.0;
        foreach (var row in y)
        {
            for (var k = 0; k < components; k++)
            {
                row[k] *= scale;
            }
        }

        return y;
    }

    private static double Gaussian(Random random)
    {
        var u = 1.0 - random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }

    /// <summary>scikit-learn's <c>_gradient_descent</c>: momentum, gains, and a progress check every 50 iterations.</summary>
    private static Stage Optimise(double[][] y, IAffinities affinities, int dof, double learningRate, int start, int end, double momentum, double exaggeration, int patience)
    {
        var n = y.Length;
        var dims = y[0].Length;
        var gradient = new double[n][];
        var update = new double[n][];
        var gains = new double[n][];
        for (var i = 0; i < n; i++)
        {
            gradient[i] = new double[dims];
            update[i] = new double[dims];
            gains[i] = Enumerable.Repeat(1.0, dims).ToArray();
        }

        var error = double.MaxValue;
        var bestError = double.MaxValue;
        var bestIteration = start;
        var iteration = start;
        for (; iteration < end; iteration++)
        {
            var check = (iteration + 1) % CheckEvery == 0 || iteration == end - 1;
            var currentError = affinities.Gradient(y, dof, exaggeration, gradient, check);
            if (check)
            {
                error = currentError;
            }

            var norm = 0.0;
            for (var i = 0; i < n; i++)
            {
                for (var k = 0; k < dims; k++)
                {
                    var g = gradient[i][k];
                    norm += g * g;
                    gains[i][k] = update[i][k] * g < 0 ? gains[i][k] + 0.2 : gains[i][k] * 0.8;
                    gains[i][k] = Math.Max(gains[i][k], MinGain);
                    update[i][k] = (momentum * update[i][k]) - (learningRate * gains[i][k] * g);
                    y[i][k] += update[i][k];
                }
            }

            if ((iteration + 1) % CheckEvery == 0)
            {
                if (error < bestError)
                {
                    bestError = error;
                    bestIteration = iteration;
                }
                else if (iteration - bestIteration > patience)
                {
                    return new Stage(error, iteration + 1, true);
                }

                if (Math.Sqrt(norm) <= MinGradientNorm)
                {
                    return new Stage(error, iteration + 1, true);
                }
            }
        }

        return new Stage(error, iteration, false);
    }

    /// <summary>Binary search for the precision of one row's Gaussian so that its entropy is ln(perplexity), as scikit-learn's <c>_binary_search_perplexity</c>.</summary>
    private static void ConditionalRow(ReadOnlySpan<double> squaredDistances, double perplexity, Span<double> p)
    {
        var desiredEntropy = Math.Log(perplexity);
        var beta = 1.0;
        var betaMin = double.NegativeInfinity;
        var betaMax = double.PositiveInfinity;
        for (var step = 0; step < 100; step++)
        {
            var sum = 0.0;
            for (var j = 0; j < p.Length; j++)
            {
                p[j] = Math.Exp(-squaredDistances[j] * beta);
                sum += p[j];
            }

            if (sum == 0)
            {
                sum = 1e-8;
            }

            var weighted = 0.0;
            for (var j = 0; j < p.Length; j++)
            {
                p[j] /= sum;
                weighted += squaredDistances[j] * p[j];
            }

            var entropy = Math.Log(sum) + (beta * weighted);
            var difference = entropy - desiredEntropy;
            if (Math.Abs(difference) <= 1e-5)
            {
                break;
            }

            if (difference > 0)
            {
                betaMin = beta;
                beta = double.IsPositiveInfinity(betaMax) ? beta * 2 : (beta + betaMax) / 2;
            }
            else
            {
                betaMax = beta;
                beta = double.IsNegativeInfinity(betaMin) ? beta / 2 : (beta + betaMin) / 2;
            }
        }
    }

    private sealed record Stage(double Error, int Iterations, bool Converged);

    private interface IAffinities
    {
        /// <summary>Writes the KL gradient into <paramref name="gradient"/>; returns the KL divergence when asked, else NaN.</summary>
        double Gradient(double[][] y, int dof, double exaggeration, double[][] gradient, bool computeError);
    }

    /// <summary>All-pairs affinities and exact gradients, O(n²) per iteration.</summary>
    private sealed class DenseAffinities : IAffinities
    {
        private readonly double[][] _p;
        private readonly double[][] _w;

        public DenseAffinities(double[][] x, double perplexity)
        {
            var n = x.Length;
            var conditional = new double[n][];
            Parallel.For(0, n, i =>
            {
                var distances = new double[n - 1];
                for (int j = 0, k = 0; j < n; j++)
                {
                    if (j != i)
                    {
                        distances[k++] = Rows.SquaredDistance(x[i], x[j]);
                    }
                }

                var row = new double[n - 1];
                ConditionalRow(distances, perplexity, row);
                conditional[i] = new double[n];
                for (int j = 0, k = 0; j < n; j++)
                {
                    conditional[i][j] = j == i ? 0 : row[k++];
                }
            });

            _p = new double[n][];
            var total = 0.0;
            for (var i = 0; i < n; i++)
            {
                _p[i] = new double[n];
                for (var j = 0; j < n; j++)
                {
                    _p[i][j] = conditional[i][j] + conditional[j][i];
                    total += _p[i][j];
                }
            }

            total = Math.Max(total, MachineEpsilon);
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    _p[i][j] = i == j ? 0 : Math.Max(_p[i][j] / total, MachineEpsilon);
                }
            }

            _w = new double[n][];
            for (var i = 0; i < n; i++)
            {
                _w[i] = new double[n];
            }
        }

        public double Gradient(double[][] y, int dof, double exaggeration, double[][] gradient, bool computeError)
        {
            var n = y.Length;
            var dims = y[0].Length;
            var exponent = (dof + 1.0) / 2;
            var rowSums = new double[n];
            Parallel.For(0, n, i =>
            {
                var sum = 0.0;
                for (var j = 0; j < n; j++)
                {
                    if (j == i)
                    {
                        _w[i][j] = 0;
                        continue;
                    }

                    var d2 = Rows.SquaredDistance(y[i], y[j]);
                    var w = dof == 1 ? 1 / (1 + d2) : Math.Pow(1 + (d2 / dof), -exponent);
                    _w[i][j] = w;
                    sum += w;
                }

                rowSums[i] = sum;
            });

            var z = rowSums.Sum();
            var c = 2.0 * (dof + 1) / dof;
            var errors = new double[n];
            Parallel.For(0, n, i =>
            {
                var g = gradient[i];
                Array.Clear(g);
                var error = 0.0;
                for (var j = 0; j < n; j++)
                {
                    if (j == i)
                    {
                        continue;
                    }

                    var p = _p[i][j] * exaggeration;
                    var q = Math.Max(_w[i][j] / z, MachineEpsilon);
                    var factor = (p - q) * _w[i][j];
                    for (var k = 0; k < dims; k++)
                    {
                        g[k] += factor * (y[i][k] - y[j][k]);
                    }

                    if (computeError)
                    {
                        error += p * Math.Log(Math.Max(p, MachineEpsilon) / q);
                    }
                }

                for (var k = 0; k < dims; k++)
                {
                    g[k] *= c;
                }

                errors[i] = error;
            });

            return computeError ? errors.Sum() : double.NaN;
        }
    }

    /// <summary>Affinities over the nearest neighbours and Barnes–Hut gradients, O(n log n) per iteration.</summary>
    private sealed class SparseAffinities : IAffinities
    {
        private readonly int[][] _neighbours;
        private readonly double[][] _p;
        private readonly double _thetaSquared;

        public SparseAffinities(double[][] x, double perplexity, double theta)
        {
            var n = x.Length;
            var k = Math.Min(n - 1, (int)((3 * perplexity) + 1));
            var nearest = new int[n][];
            var conditional = new double[n][];
            Parallel.For(0, n, i =>
            {
                var heap = new PriorityQueue<int, double>(k + 1, Comparer<double>.Create((a, b) => b.CompareTo(a)));
                for (var j = 0; j < n; j++)
                {
                    if (j == i)
                    {
                        continue;
                    }

                    var d2 = Rows.SquaredDistance(x[i], x[j]);
                    if (heap.Count < k)
                    {
                        heap.Enqueue(j, d2);
                    }
                    else if (heap.TryPeek(out _, out var worst) && d2 < worst)
                    {
                        heap.DequeueEnqueue(j, d2);
                    }
                }

                var found = new (int Index, double Distance)[heap.Count];
                var m = 0;
                while (heap.TryDequeue(out var j, out var d2))
                {
                    found[m++] = (j, d2);
                }

                Array.Sort(found, (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Index.CompareTo(b.Index));
                nearest[i] = found.Select(f => f.Index).ToArray();
                conditional[i] = new double[found.Length];
                ConditionalRow(found.Select(f => f.Distance).ToArray(), perplexity, conditional[i]);
            });

            // Symmetrise: p_ij = (p_j|i + p_i|j) / Σ, over the union of both neighbour lists.
            var rows = new SortedDictionary<int, double>[n];
            for (var i = 0; i < n; i++)
            {
                rows[i] = [];
            }

            var total = 0.0;
            for (var i = 0; i < n; i++)
            {
                for (var m = 0; m < nearest[i].Length; m++)
                {
                    var j = nearest[i][m];
                    var p = conditional[i][m];
                    rows[i][j] = rows[i].GetValueOrDefault(j) + p;
                    rows[j][i] = rows[j].GetValueOrDefault(i) + p;
                    total += 2 * p;
                }
            }

            total = Math.Max(total, MachineEpsilon);
            _neighbours = rows.Select(r => r.Keys.ToArray()).ToArray();
            _p = rows.Select(r => r.Values.Select(v => v / total).ToArray()).ToArray();
            _thetaSquared = theta * theta;
        }

        public double Gradient(double[][] y, int dof, double exaggeration, double[][] gradient, bool computeError)
        {
            var n = y.Length;
            var dims = y[0].Length;
            var tree = new SpaceTree(y);
            var sums = new double[n];
            var repulsion = new double[n][];
            Parallel.For(0, n, () => new int[256], (i, _, stack) =>
            {
                repulsion[i] = new double[dims];
                sums[i] = tree.Repulsion(i, _thetaSquared, dof, repulsion[i], ref stack);
                return stack;
            }, _ => { });

            var z = Math.Max(sums.Sum(), MachineEpsilon);
            var c = 2.0 * (dof + 1) / dof;
            var exponent = (dof + 1.0) / 2;
            var errors = new double[n];
            Parallel.For(0, n, i =>
            {
                var g = gradient[i];
                Array.Clear(g);
                var error = 0.0;
                var neighbours = _neighbours[i];
                var affinities = _p[i];
                for (var m = 0; m < neighbours.Length; m++)
                {
                    var j = neighbours[m];
                    var d2 = Rows.SquaredDistance(y[i], y[j]);
                    var w = dof == 1 ? 1 / (1 + d2) : Math.Pow(1 + (d2 / dof), -exponent);
                    var p = affinities[m] * exaggeration;
                    for (var k = 0; k < dims; k++)
                    {
                        g[k] += p * w * (y[i][k] - y[j][k]);
                    }

                    if (computeError)
                    {
                        error += p * Math.Log(Math.Max(p, MachineEpsilon) / Math.Max(w / z, MachineEpsilon));
                    }
                }

                for (var k = 0; k < dims; k++)
                {
                    g[k] = c * (g[k] - (repulsion[i][k] / z));
                }

                errors[i] = error;
            });

            return computeError ? errors.Sum() : double.NaN;
        }
    }
}

/// <summary>
/// A fitted t-SNE embedding of the training rows. t-SNE has no out-of-sample transform: new rows need a new fit
/// (together with the old ones), so the model holds only the embedding and the settings that produced it.
/// </summary>
public sealed class TsneModel : IUnsupervisedModel
{
    internal TsneModel(double[][] embedding, double klDivergence, int iterations, string method, TsneOptions options, int featureCount)
    {
        Embedding = embedding;
        KlDivergence = klDivergence;
        Iterations = iterations;
        Method = method;
        Options = options;
        FeatureCount = featureCount;
    }

    public string Algorithm => UnsupervisedAlgorithms.Tsne;
    public int FeatureCount { get; }

    /// <summary>One row per training row, in input order.</summary>
    public IReadOnlyList<double[]> Embedding { get; }

    /// <summary>KL divergence of the final embedding (with Barnes–Hut, its approximation).</summary>
    public double KlDivergence { get; }

    public int Iterations { get; }

    /// <summary>The gradient method used: <c>exact</c> or <c>barnes_hut</c>.</summary>
    public string Method { get; }

    public TsneOptions Options { get; }

    public void Save(string directory) =>
        UnsupervisedModelFile.Write(directory, Algorithm, Requests.TaskTypes.DimensionalityReduction, FeatureCount,
            new Parameters(Embedding.ToArray(), KlDivergence, Iterations, Method, Options));

    public static TsneModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var p = UnsupervisedModelFile.ReadParameters<Parameters>(directory, UnsupervisedAlgorithms.Tsne);
        var header = UnsupervisedModelFile.Read<UnsupervisedModelHeader>(directory);
        if (p.Embedding is null || p.Method is null || p.Options is null)
        {
            throw new InvalidDataException($"The t-SNE model in '{directory}' is missing its embedding or settings.");
        }

        Rows.CheckMatrix(p.Embedding, nameof(directory), p.Options.Components);
        return new TsneModel(p.Embedding, p.KlDivergence, p.Iterations, p.Method, p.Options, header.FeatureCount);
    }

    private sealed record Parameters(double[][] Embedding, double KlDivergence, int Iterations, string Method, TsneOptions Options);
}
