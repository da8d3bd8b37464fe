using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Packaging;

/// <summary>
/// The trees of a saved xgboost (ML.NET LightGBM) model, flattened into arrays and walked directly. ML.NET scores one
/// call through a data view, a cursor and delegates, which costs about 0.3 ms however few rows it gets; walking 100
/// trees of depth 5 costs a few microseconds. The walk reproduces ML.NET's arithmetic step by step (features as
/// float, <c>x &lt;= threshold</c> goes left, leaf values summed in double over the trees in order, the score cast to
/// float, Platt's sigmoid in double cast to float), so its scores equal ML.NET's; the tests check this on every row
/// of the bundled data.
/// </summary>
/// <remarks>
/// Only what can be reproduced exactly is compiled: binary classification and regression with numeric splits. A
/// multiclass model, a categorical split, a tree weight other than 1 or a bias makes <see cref="TryLoad"/> return
/// null, and the package keeps predicting through ML.NET. A row with a NaN feature is also left to ML.NET, because
/// its per-node defaults for missing values are not in ML.NET's public model API.
/// </remarks>
public sealed class CompiledTreeModel
{
    private const string ZipName = "model.zip";

    // Node i of the flattened forest: its split feature and float threshold, and its children, where a child c >= 0
    // is another node and c < 0 is leaf ~c in _leafValues.
    private readonly int[] _features;
    private readonly float[] _thresholds;
    private readonly int[] _left;
    private readonly int[] _right;
    private readonly double[] _leafValues;

    // Per tree: the node it starts at, or int.MinValue for a tree ML.NET scores as 0 (an empty tree).
    private readonly int[] _roots;
    private readonly bool _binary;
    private readonly double _slope;
    private readonly double _offset;

    private CompiledTreeModel(int featureCount, bool binary, double slope, double offset, int[] roots, int[] features, float[] thresholds, int[] left, int[] right, double[] leafValues)
    {
        FeatureCount = featureCount;
        _binary = binary;
        _slope = slope;
        _offset = offset;
        _roots = roots;
        _features = features;
        _thresholds = thresholds;
        _left = left;
        _right = right;
        _leafValues = leafValues;
    }

    /// <summary>The number of features each row must have.</summary>
    public int FeatureCount { get; }

    /// <summary>The number of trees walked per row.</summary>
    public int TreeCount => _roots.Length;

    /// <summary>
    /// Compiles the model saved in <paramref name="modelDirectory"/> when it is an xgboost model of a supported kind;
    /// null otherwise (another algorithm, multiclass, categorical splits), in which case the caller predicts through
    /// the model itself.
    /// </summary>
    public static CompiledTreeModel? TryLoad(string modelDirectory, ITrainedModel model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelDirectory);
        ArgumentNullException.ThrowIfNull(model);
        var zip = Path.Combine(modelDirectory, ZipName);
        if (model.Algorithm != AlgorithmCatalog.XgBoost || !File.Exists(zip))
        {
            return null;
        }

        var transformer = new MLContext(0).Model.Load(zip, out _);
        return transformer switch
        {
            BinaryPredictionTransformer<CalibratedModelParametersBase<LightGbmBinaryModelParameters, PlattCalibrator>> binary
                when model.Task == ModelTask.Classification && model.ClassCount == 2 =>
                Compile(binary.Model.SubModel.TrainedTreeEnsemble, model.FeatureCount, binary: true, binary.Model.Calibrator.Slope, binary.Model.Calibrator.Offset),
            RegressionPredictionTransformer<LightGbmRegressionModelParameters> regression when model.Task == ModelTask.Regression =>
                Compile(regression.Model.TrainedTreeEnsemble, model.FeatureCount, binary: false, 0, 0),
            _ => null,
        };
    }

    /// <summary>
    /// Scores rows as <see cref="ITrainedModel.Predict"/> does: [P(class 0), P(class 1)] for a binary classifier,
    /// [value] for regression. Null when a row holds NaN, which the caller leaves to ML.NET.
    /// </summary>
    public double[][]? Predict(double[][] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var result = new double[features.Length][];
        Span<float> x = FeatureCount <= 256 ? stackalloc float[FeatureCount] : new float[FeatureCount];
        for (var i = 0; i < features.Length; i++)
        {
            var row = features[i];
            if (row is null || row.Length != FeatureCount)
            {
                throw new ArgumentException($"Row {i} has {row?.Length ?? 0} features; the compiled xgboost model expects {FeatureCount}.", nameof(features));
            }

            for (var j = 0; j < row.Length; j++)
            {
                // ML.NET reads features as float; NaN takes a per-node default that only ML.NET knows.
                x[j] = (float)row[j];
                if (float.IsNaN(x[j]))
                {
                    return null;
                }
            }

            var score = (float)Sum(x);
            if (_binary)
            {
                var p = (float)(1 / (1 + Math.Exp((_slope * score) + _offset)));
                result[i] = [1.0 - p, p];
            }
            else
            {
                result[i] = [score];
            }
        }

        return result;
    }

    private double Sum(ReadOnlySpan<float> x)
    {
        var features = _features;
        var thresholds = _thresholds;
        var left = _left;
        var right = _right;
        double sum = 0;
        foreach (var root in _roots)
        {
            if (root == int.MinValue)
            {
                continue;
            }

            var node = root;
            while (node >= 0)
            {
                node = x[features[node]] <= thresholds[node] ? left[node] : right[node];
            }

            sum += _leafValues[~node];
        }

        return sum;
    }

    private static CompiledTreeModel? Compile(TreeEnsemble<RegressionTree> ensemble, int featureCount, bool binary, double slope, double offset)
    {
        if (ensemble.Bias != 0 || ensemble.TreeWeights.Any(w => w != 1))
        {
            return null;
        }

        var roots = new int[ensemble.Trees.Count];
        var features = new List<int>();
        var thresholds = new List<float>();
        var left = new List<int>();
        var right = new List<int>();
        var leafValues = new List<double>();
        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            if (tree.CategoricalSplitFlags.Any(c => c))
            {
                return null;
            }

            var nodeBase = features.Count;
            var leafBase = leafValues.Count;
            leafValues.AddRange(tree.LeafValues);
            if (tree.NumberOfNodes == 0 || tree.LeftChild.Count == 0 || tree.LeftChild[0] == 0)
            {
                // A first node without a real child is ML.NET's stand-in for an empty tree, which it scores as 0.
                roots[t] = int.MinValue;
                continue;
            }

            for (var n = 0; n < tree.NumberOfNodes; n++)
            {
                var feature = tree.NumericalSplitFeatureIndexes[n];
                if (feature < 0 || feature >= featureCount)
                {
                    return null;
                }

                features.Add(feature);
                thresholds.Add(tree.NumericalSplitThresholds[n]);
                left.Add(Child(tree.LeftChild[n], nodeBase, leafBase));
                right.Add(Child(tree.RightChild[n], nodeBase, leafBase));
            }

            roots[t] = nodeBase;
        }

        return new CompiledTreeModel(featureCount, binary, slope, offset, roots, [.. features], [.. thresholds], [.. left], [.. right], [.. leafValues]);
    }

    private static int Child(int child, int nodeBase, int leafBase) => child >= 0 ? nodeBase + child : ~(leafBase + ~child);
}
