using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Trainers.FastTree;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Evaluation.Explanations;

/// <summary>
/// One binary decision tree in flat arrays, as TreeSHAP reads it. Node n is a leaf when <see cref="Left"/>[n] &lt; 0;
/// otherwise rows with x[<see cref="Feature"/>[n]] &lt;= <see cref="Threshold"/>[n] go to <see cref="Left"/>[n], the
/// rest to <see cref="Right"/>[n]. <see cref="Values"/>[n] holds the leaf's outputs (one per explained output).
/// With <see cref="SinglePrecision"/> the feature is rounded to float before the comparison, as ML.NET's trees do.
/// </summary>
public sealed class ExplainableTree
{
    public ExplainableTree(int[] feature, double[] threshold, int[] left, int[] right, double[][] values, bool singlePrecision = false)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(threshold);
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentNullException.ThrowIfNull(values);
        var n = feature.Length;
        if (n == 0 || threshold.Length != n || left.Length != n || right.Length != n || values.Length != n)
        {
            throw new ArgumentException("A tree needs at least one node and arrays of equal length.", nameof(feature));
        }

        for (var i = 0; i < n; i++)
        {
            if (left[i] >= 0 && (left[i] >= n || right[i] < 0 || right[i] >= n || left[i] <= i || right[i] <= i))
            {
                throw new ArgumentException($"Node {i} has children outside the tree or before itself.", nameof(left));
            }
        }

        Feature = feature;
        Threshold = threshold;
        Left = left;
        Right = right;
        Values = values;
        SinglePrecision = singlePrecision;
    }

    public int[] Feature { get; }
    public double[] Threshold { get; }
    public int[] Left { get; }
    public int[] Right { get; }
    public double[][] Values { get; }
    public bool SinglePrecision { get; }

    public bool IsLeaf(int node) => Left[node] < 0;

    /// <summary>The child that a row with <paramref name="x"/> takes at internal node <paramref name="node"/>.</summary>
    public int Next(int node, double[] x)
    {
        var value = x[Feature[node]];
        var goesLeft = SinglePrecision ? (float)value <= (float)Threshold[node] : value <= Threshold[node];
        return goesLeft ? Left[node] : Right[node];
    }

    public int LeafOf(double[] x)
    {
        var node = 0;
        while (!IsLeaf(node))
        {
            node = Next(node, x);
        }

        return node;
    }
}

/// <summary>
/// A sum of trees on one output scale: output[o] = <see cref="Offset"/>[o] + <see cref="Scale"/> · Σ_trees leaf value[o].
/// A random forest is Scale = 1/T over class-probability (or mean-target) leaves; a binary LightGBM model is its
/// boosted margins mapped through the Platt calibrator's line onto log-odds.
/// </summary>
public sealed class ExplainableTreeEnsemble
{
    public ExplainableTreeEnsemble(IReadOnlyList<ExplainableTree> trees, int featureCount, IReadOnlyList<string> outputNames, string outputSpace, double scale, double[] offset)
    {
        ArgumentNullException.ThrowIfNull(trees);
        ArgumentNullException.ThrowIfNull(outputNames);
        ArgumentNullException.ThrowIfNull(offset);
        if (trees.Count == 0)
        {
            throw new ArgumentException("An ensemble needs at least one tree.", nameof(trees));
        }

        if (offset.Length != outputNames.Count || trees.Any(t => t.Values.Any(v => v.Length != outputNames.Count)))
        {
            throw new ArgumentException($"Every leaf and the offset must hold {outputNames.Count} outputs.", nameof(offset));
        }

        if (trees.Any(t => t.Feature.Where((f, n) => !t.IsLeaf(n) && (f < 0 || f >= featureCount)).Any()))
        {
            throw new ArgumentException($"A tree splits on a feature outside 0..{featureCount - 1}.", nameof(trees));
        }

        Trees = trees;
        FeatureCount = featureCount;
        OutputNames = outputNames;
        OutputSpace = outputSpace;
        Scale = scale;
        Offset = offset;
    }

    public IReadOnlyList<ExplainableTree> Trees { get; }
    public int FeatureCount { get; }
    public IReadOnlyList<string> OutputNames { get; }
    public string OutputSpace { get; }
    public double Scale { get; }
    public double[] Offset { get; }
    public int OutputCount => OutputNames.Count;

    /// <summary>The ensemble's outputs for one row.</summary>
    public double[] Evaluate(double[] x)
    {
        var sum = new double[OutputCount];
        foreach (var tree in Trees)
        {
            var leaf = tree.Values[tree.LeafOf(x)];
            for (var o = 0; o < sum.Length; o++)
            {
                sum[o] += leaf[o];
            }
        }

        for (var o = 0; o < sum.Length; o++)
        {
            sum[o] = Offset[o] + (Scale * sum[o]);
        }

        return sum;
    }

    /// <summary>
    /// Reads the trees of a random forest or of a binary or regression xgboost (LightGBM) model; null for any other
    /// model. The models keep their trees private, so this goes through their saved form (model.json for the
    /// forest, ML.NET's model.zip for LightGBM) in a temporary directory. Multiclass LightGBM is not read: ML.NET keeps
    /// its per-class tree ensembles internal to the one-versus-all wrapper.
    /// </summary>
    public static ExplainableTreeEnsemble? TryCreate(ITrainedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model is not (RandomForestModel or XgBoostModel) || (model is XgBoostModel && model.Task == ModelTask.Classification && model.ClassCount != 2))
        {
            return null;
        }

        var directory = Directory.CreateTempSubdirectory("mlops-shap-").FullName;
        try
        {
            model.Save(directory);
            return model is RandomForestModel ? FromForest(model, directory) : FromLightGbm(model, directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static ExplainableTreeEnsemble FromForest(ITrainedModel model, string directory)
    {
        var document = ModelFile.ReadDocument<RandomForestModel.ForestParameters>(directory);
        var classes = model.Task == ModelTask.Classification ? model.ClassCount : 0;
        var stored = classes > 0 ? classes : 1;

        // A binary forest is explained on the positive class only; the other probability is its complement.
        int[] explained = classes == 2 ? [1] : Enumerable.Range(0, stored).ToArray();
        var trees = document.Parameters.Trees.Select(t =>
        {
            var n = t.Feature.Length;
            var values = new double[n][];
            for (var node = 0; node < n; node++)
            {
                values[node] = explained.Select(k => t.Value[(node * stored) + k]).ToArray();
            }

            return new ExplainableTree(t.Feature, t.Threshold, t.Left, t.Right, values);
        }).ToArray();
        return new ExplainableTreeEnsemble(trees, model.FeatureCount, OutputNamesOf(model), classes > 0 ? ShapOutputSpaces.Probability : ShapOutputSpaces.Value,
            1.0 / trees.Length, new double[explained.Length]);
    }

    private static ExplainableTreeEnsemble? FromLightGbm(ITrainedModel model, string directory)
    {
        var document = ModelFile.ReadDocument<XgBoostModel.XgBoostParameters>(directory);
        var ml = new MLContext(0);
        var transformer = ml.Model.Load(Path.Combine(directory, Path.GetFileName(document.Parameters.ModelFile)), out _);
        if (transformer is IEnumerable<ITransformer> chain)
        {
            transformer = chain.LastOrDefault() ?? transformer;
        }

        var parameters = (transformer as IPredictionTransformer<object>)?.Model;
        var (slope, offset) = (1.0, 0.0);
        if (parameters is CalibratedModelParametersBase calibrated)
        {
            // Probability = 1 / (1 + exp(a·margin + b)), so log-odds = −a·margin − b.
            if (calibrated.Calibrator is not PlattCalibrator platt)
            {
                return null;
            }

            (slope, offset) = (-platt.Slope, -platt.Offset);
            parameters = calibrated.SubModel;
        }

        if (parameters is not TreeEnsembleModelParametersBasedOnRegressionTree ensemble)
        {
            return null;
        }

        var trees = new List<ExplainableTree>();
        foreach (var tree in ensemble.TrainedTreeEnsemble.Trees)
        {
            if (tree.NumberOfNodes == 0)
            {
                // ML.NET scores a tree without splits as 0 (InternalRegressionTree.GetOutput), whatever its leaf holds.
                continue;
            }

            if (tree.CategoricalSplitFlags.Any(flag => flag))
            {
                return null;
            }

            trees.Add(FlattenMlNetTree(tree));
        }

        if (trees.Count == 0)
        {
            trees.Add(new ExplainableTree([-1], [0], [-1], [-1], [[0.0]], singlePrecision: true));
        }

        var outputSpace = model.Task == ModelTask.Classification ? ShapOutputSpaces.LogOdds : ShapOutputSpaces.Value;
        return new ExplainableTreeEnsemble(trees, model.FeatureCount, OutputNamesOf(model), outputSpace, slope, [offset]);
    }

    /// <summary>
    /// ML.NET numbers internal nodes 0..N−1 and leaves by ~child; this lays them out as one node array
    /// (internal nodes first, then leaves) in which every child comes after its parent.
    /// </summary>
    private static ExplainableTree FlattenMlNetTree(RegressionTree tree)
    {
        var internalCount = tree.NumberOfNodes;
        var total = internalCount + tree.NumberOfLeaves;
        var feature = new int[total];
        var threshold = new double[total];
        var left = new int[total];
        var right = new int[total];
        var values = new double[total][];
        var order = new int[internalCount];
        var position = new int[internalCount];

        // Breadth-first from the root, so each internal node's index is larger than its parent's.
        var queue = new Queue<int>();
        queue.Enqueue(0);
        var next = 0;
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            order[next] = node;
            position[node] = next++;
            foreach (var child in new[] { tree.LeftChild[node], tree.RightChild[node] })
            {
                if (child >= 0)
                {
                    queue.Enqueue(child);
                }
            }
        }

        int Index(int child) => child >= 0 ? position[child] : internalCount + ~child;
        for (var i = 0; i < internalCount; i++)
        {
            var node = order[i];
            feature[i] = tree.NumericalSplitFeatureIndexes[node];
            threshold[i] = tree.NumericalSplitThresholds[node];
            left[i] = Index(tree.LeftChild[node]);
            right[i] = Index(tree.RightChild[node]);
            values[i] = [0.0];
        }

        for (var leaf = 0; leaf < tree.NumberOfLeaves; leaf++)
        {
            var i = internalCount + leaf;
            feature[i] = -1;
            left[i] = -1;
            right[i] = -1;
            values[i] = [tree.LeafValues[leaf]];
        }

        return new ExplainableTree(feature, threshold, left, right, values, singlePrecision: true);
    }

    internal static IReadOnlyList<string> OutputNamesOf(ITrainedModel model) => model.Task switch
    {
        ModelTask.Regression => ["value"],
        _ when model.ClassCount == 2 => [ClassName(model, 1)],
        _ => Enumerable.Range(0, model.ClassCount).Select(k => ClassName(model, k)).ToArray(),
    };

    private static string ClassName(ITrainedModel model, int k) =>
        k < model.ClassNames.Count ? model.ClassNames[k] : k.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
