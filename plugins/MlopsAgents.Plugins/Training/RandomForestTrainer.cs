using System.Globalization;

namespace MlopsAgents.Plugins.Training;

/// <summary>
/// Random forest of CART trees grown on bootstrap samples: Gini impurity with class-distribution leaves for
/// classification, variance reduction with mean leaves for regression, as scikit-learn grows them. Trees train in
/// parallel; each tree's seed is drawn up front from <c>seed</c>, so the forest does not depend on thread scheduling.
/// <see cref="TrainingData.SampleWeights"/> weigh the impurity and the leaf values (weighted class counts, weighted
/// means), as scikit-learn's <c>sample_weight</c> does; the bootstrap itself stays uniform, and min_samples_split and
/// min_samples_leaf still count rows.
/// </summary>
public sealed class RandomForestTrainer : IModelTrainer
{
    public string Algorithm => AlgorithmCatalog.RandomForest;

    public ITrainedModel Train(TrainingData train, TrainingData? validation, IReadOnlyDictionary<string, object> hyperparameters, int seed, IProgress<string>? progress = null)
    {
        TrainingGuards.Check(train, Algorithm);
        var values = HyperparameterValues.For(Algorithm, hyperparameters);
        var classification = train.Task == ModelTask.Classification;
        var d = train.FeatureCount;
        var options = new TreeOptions(
            MaxDepth: values.GetNullableLong("max_depth") is { } depth ? (int)Math.Min(depth, int.MaxValue) : int.MaxValue,
            MinSamplesSplit: (int)Math.Min(values.GetLong("min_samples_split"), int.MaxValue),
            MinSamplesLeaf: (int)Math.Min(values.GetLong("min_samples_leaf"), int.MaxValue),
            MaxFeatures: (values.GetString("max_features") ?? (classification ? "sqrt" : "all")) switch
            {
                "sqrt" => Math.Max(1, (int)Math.Sqrt(d)),
                "log2" => Math.Max(1, (int)Math.Log2(d)),
                "all" => d,
                var other => throw new ArgumentException($"max_features must be sqrt, log2 or all, got '{other}'.", nameof(hyperparameters)),
            });
        var treeCount = checked((int)values.GetLong("n_estimators"));
        var bootstrap = values.GetBool("bootstrap");

        var master = new Random(seed);
        var treeSeeds = Enumerable.Range(0, treeCount).Select(_ => master.Next()).ToArray();
        var classCount = classification ? train.ClassNames.Count : 0;
        var labels = classification ? TrainingGuards.ClassIndices(train) : null;
        var trees = new DecisionTree[treeCount];
        Parallel.For(0, treeCount, t =>
        {
            var random = new Random(treeSeeds[t]);
            var n = train.RowCount;
            var rows = bootstrap ? Enumerable.Range(0, n).Select(_ => random.Next(n)).ToArray() : Enumerable.Range(0, n).ToArray();
            trees[t] = new TreeBuilder(train.Features, train.Labels, labels, classCount, options, random, train.SampleWeights).Build(rows);
        });

        progress?.Report(string.Create(CultureInfo.InvariantCulture,
            $"random_forest: grew {treeCount} trees, {trees.Sum(t => t.Feature.Length)} nodes in all."));
        return new RandomForestModel(train.FeatureNames, train.ClassNames, trees);
    }
}

internal sealed record TreeOptions(int MaxDepth, int MinSamplesSplit, int MinSamplesLeaf, int MaxFeatures);

/// <summary>
/// One tree in flat arrays. <see cref="Feature"/> is -1 at a leaf. Rows with x[feature] &lt;= threshold go left.
/// <see cref="Value"/> holds <c>outputs</c> numbers per node: the class distribution, or the mean target.
/// </summary>
internal sealed record DecisionTree(int[] Feature, double[] Threshold, int[] Left, int[] Right, double[] Value)
{
    public int LeafOf(double[] x)
    {
        var node = 0;
        while (Feature[node] >= 0)
        {
            node = x[Feature[node]] <= Threshold[node] ? Left[node] : Right[node];
        }

        return node;
    }
}

/// <summary>Grows one CART tree; not thread-safe, one builder per tree.</summary>
internal sealed class TreeBuilder
{
    private readonly double[][] _x;
    private readonly double[] _y;
    private readonly int[]? _classes;
    private readonly int _classCount;
    private readonly int _outputs;
    private readonly TreeOptions _options;
    private readonly Random _random;
    private readonly int _featureCount;
    private readonly double[]? _weights;

    private readonly List<int> _feature = [];
    private readonly List<double> _threshold = [];
    private readonly List<int> _left = [];
    private readonly List<int> _right = [];
    private readonly List<double> _value = [];

    private double[] _keys = [];
    private int[] _sorted = [];
    private readonly int[] _features;
    private readonly double[] _leftCounts;
    private readonly double[] _rightCounts;

    public TreeBuilder(double[][] x, double[] y, int[]? classes, int classCount, TreeOptions options, Random random, double[]? weights = null)
    {
        _weights = weights;
        _x = x;
        _y = y;
        _classes = classes;
        _classCount = classCount;
        _outputs = classes is null ? 1 : classCount;
        _options = options;
        _random = random;
        _featureCount = x[0].Length;
        _features = Enumerable.Range(0, _featureCount).ToArray();
        _leftCounts = new double[Math.Max(classCount, 1)];
        _rightCounts = new double[Math.Max(classCount, 1)];
    }

    public DecisionTree Build(int[] rows)
    {
        _keys = new double[rows.Length];
        _sorted = new int[rows.Length];
        var stack = new Stack<(int Node, int Start, int End, int Depth)>();
        stack.Push((NewNode(), 0, rows.Length, 0));
        while (stack.Count > 0)
        {
            var (node, start, end, depth) = stack.Pop();
            var pure = SetValue(node, rows, start, end);
            var n = end - start;
            if (pure || depth >= _options.MaxDepth || n < _options.MinSamplesSplit || n < 2 * _options.MinSamplesLeaf)
            {
                continue;
            }

            if (!FindSplit(rows, start, end, out var feature, out var threshold))
            {
                continue;
            }

            // Partition rows[start..end) so the left child's rows come first.
            var mid = start;
            for (var i = start; i < end; i++)
            {
                if (_x[rows[i]][feature] <= threshold)
                {
                    (rows[i], rows[mid]) = (rows[mid], rows[i]);
                    mid++;
                }
            }

            var left = NewNode();
            var right = NewNode();
            _feature[node] = feature;
            _threshold[node] = threshold;
            _left[node] = left;
            _right[node] = right;
            stack.Push((right, mid, end, depth + 1));
            stack.Push((left, start, mid, depth + 1));
        }

        return new DecisionTree(_feature.ToArray(), _threshold.ToArray(), _left.ToArray(), _right.ToArray(), _value.ToArray());
    }

    private int NewNode()
    {
        _feature.Add(-1);
        _threshold.Add(0);
        _left.Add(-1);
        _right.Add(-1);
        for (var k = 0; k < _outputs; k++)
        {
            _value.Add(0);
        }

        return _feature.Count - 1;
    }

    /// <summary>Stores the node's prediction and reports whether the node is pure (nothing left to split).</summary>
    private bool SetValue(int node, int[] rows, int start, int end)
    {
        var offset = node * _outputs;
        var mass = 0.0;
        for (var i = start; i < end; i++)
        {
            mass += Weight(rows[i]);
        }

        if (_classes is not null)
        {
            for (var i = start; i < end; i++)
            {
                _value[offset + _classes[rows[i]]] += Weight(rows[i]);
            }

            var pure = false;
            for (var k = 0; k < _classCount; k++)
            {
                pure |= _value[offset + k] == mass;
                _value[offset + k] /= mass;
            }

            return pure;
        }

        var sum = 0.0;
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        for (var i = start; i < end; i++)
        {
            var v = _y[rows[i]];
            sum += Weight(rows[i]) * v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        _value[offset] = sum / mass;
        return min == max;
    }

    private double Weight(int row) => _weights?[row] ?? 1.0;

    /// <summary>
    /// Best split over up to max_features randomly drawn features that vary within the node (constant ones do not
    /// count against the budget, as in scikit-learn). Maximizes the impurity-decrease proxy
    /// Σ_children (Σ_k count_k²)/n for Gini, or (Σy)²/n for variance, with counts, sums and n weighted by the sample weights.
    /// </summary>
    private bool FindSplit(int[] rows, int start, int end, out int bestFeature, out double bestThreshold)
    {
        var n = end - start;
        var minLeaf = _options.MinSamplesLeaf;
        bestFeature = -1;
        bestThreshold = 0;
        var bestProxy = double.NegativeInfinity;
        var visited = 0;
        for (var f = 0; f < _featureCount && visited < _options.MaxFeatures; f++)
        {
            var pick = f + _random.Next(_featureCount - f);
            (_features[f], _features[pick]) = (_features[pick], _features[f]);
            var feature = _features[f];

            for (var i = 0; i < n; i++)
            {
                var row = rows[start + i];
                _sorted[i] = row;
                _keys[i] = _x[row][feature];
            }

            Array.Sort(_keys, _sorted, 0, n);
            if (_keys[0] == _keys[n - 1])
            {
                continue;
            }

            visited++;
            if (_classes is not null)
            {
                Array.Clear(_leftCounts);
                Array.Clear(_rightCounts);
                var massRight = 0.0;
                for (var i = 0; i < n; i++)
                {
                    var w = Weight(_sorted[i]);
                    _rightCounts[_classes[_sorted[i]]] += w;
                    massRight += w;
                }

                var massLeft = 0.0;

                var sumSqLeft = 0.0;
                var sumSqRight = 0.0;
                for (var k = 0; k < _classCount; k++)
                {
                    sumSqRight += _rightCounts[k] * _rightCounts[k];
                }

                for (var i = 0; i < n - 1; i++)
                {
                    var c = _classes[_sorted[i]];
                    var w = Weight(_sorted[i]);

                    // (a + w)² - a² and b² - (b - w)², which for w = 1 are the unweighted 2a + 1 and 2b - 1.
                    sumSqLeft += (2 * _leftCounts[c] + w) * w;
                    _leftCounts[c] += w;
                    sumSqRight -= (2 * _rightCounts[c] - w) * w;
                    _rightCounts[c] -= w;
                    massLeft += w;
                    massRight -= w;
                    if (_keys[i] == _keys[i + 1])
                    {
                        continue;
                    }

                    var nLeft = i + 1;
                    var nRight = n - nLeft;
                    if (nLeft < minLeaf || nRight < minLeaf)
                    {
                        continue;
                    }

                    var proxy = sumSqLeft / massLeft + sumSqRight / massRight;
                    if (proxy > bestProxy)
                    {
                        bestProxy = proxy;
                        bestFeature = feature;
                        bestThreshold = Midpoint(_keys[i], _keys[i + 1]);
                    }
                }
            }
            else
            {
                var total = 0.0;
                var mass = 0.0;
                for (var i = 0; i < n; i++)
                {
                    var w = Weight(_sorted[i]);
                    total += w * _y[_sorted[i]];
                    mass += w;
                }

                var sumLeft = 0.0;
                var massLeft = 0.0;
                for (var i = 0; i < n - 1; i++)
                {
                    var w = Weight(_sorted[i]);
                    sumLeft += w * _y[_sorted[i]];
                    massLeft += w;
                    if (_keys[i] == _keys[i + 1])
                    {
                        continue;
                    }

                    var nLeft = i + 1;
                    var nRight = n - nLeft;
                    if (nLeft < minLeaf || nRight < minLeaf)
                    {
                        continue;
                    }

                    var sumRight = total - sumLeft;
                    var proxy = sumLeft * sumLeft / massLeft + sumRight * sumRight / (mass - massLeft);
                    if (proxy > bestProxy)
                    {
                        bestProxy = proxy;
                        bestFeature = feature;
                        bestThreshold = Midpoint(_keys[i], _keys[i + 1]);
                    }
                }
            }
        }

        return bestFeature >= 0;
    }

    private static double Midpoint(double low, double high)
    {
        // Rounding can land the midpoint on the upper value, which would send it left; fall back to the lower one.
        var mid = low / 2 + high / 2;
        return mid < high ? mid : low;
    }
}

/// <summary>A fitted random forest; predictions average the trees' leaf values.</summary>
public sealed class RandomForestModel : TrainedModel
{
    private readonly DecisionTree[] _trees;

    internal RandomForestModel(IReadOnlyList<string> featureNames, IReadOnlyList<string> classNames, DecisionTree[] trees)
        : base(AlgorithmCatalog.RandomForest, classNames.Count > 0 ? ModelTask.Classification : ModelTask.Regression, featureNames, classNames)
    {
        _trees = trees;
    }

    public int TreeCount => _trees.Length;

    internal static RandomForestModel Load(string directory)
    {
        var document = ModelFile.ReadDocument<ForestParameters>(directory);
        var outputs = document.ClassNames.Count > 0 ? document.ClassNames.Count : 1;
        var trees = document.Parameters.Trees.Select((t, i) =>
        {
            var nodes = t.Feature.Length;
            if (t.Threshold.Length != nodes || t.Left.Length != nodes || t.Right.Length != nodes || t.Value.Length != nodes * outputs)
            {
                throw new InvalidDataException($"Tree {i} in '{directory}' has arrays of inconsistent lengths.");
            }

            return new DecisionTree(t.Feature, t.Threshold, t.Left, t.Right, t.Value);
        }).ToArray();
        return new RandomForestModel(document.FeatureNames, document.ClassNames, trees);
    }

    private protected override double[][] PredictCore(double[][] features)
    {
        var outputs = OutputCount;
        var result = new double[features.Length][];
        for (var i = 0; i < features.Length; i++)
        {
            var sum = new double[outputs];
            foreach (var tree in _trees)
            {
                var offset = tree.LeafOf(features[i]) * outputs;
                for (var k = 0; k < outputs; k++)
                {
                    sum[k] += tree.Value[offset + k];
                }
            }

            for (var k = 0; k < outputs; k++)
            {
                sum[k] /= _trees.Length;
            }

            result[i] = sum;
        }

        return result;
    }

    private protected override void SaveCore(string directory) =>
        WriteDocument(directory, new ForestParameters(_trees.Select(t => new TreeArrays(t.Feature, t.Threshold, t.Left, t.Right, t.Value)).ToArray()));

    internal sealed record ForestParameters(TreeArrays[] Trees);

    internal sealed record TreeArrays(int[] Feature, double[] Threshold, int[] Left, int[] Right, double[] Value);
}
