using System.Globalization;

namespace MlopsAgents.Plugins.Training;

/// <summary>
/// L2-regularized logistic regression fitted by L-BFGS, with scikit-learn's objective
/// C·Σ wᵢ·loglossᵢ + ½‖W‖² (intercepts not penalized; wᵢ are <see cref="TrainingData.SampleWeights"/>, 1 when absent,
/// as scikit-learn's <c>sample_weight</c>). Two classes use one sigmoid weight vector, as scikit-learn does;
/// more classes use a multinomial softmax.
/// </summary>
public sealed class LogisticRegressionTrainer : IModelTrainer
{
    public string Algorithm => AlgorithmCatalog.LogisticRegression;

    public ITrainedModel Train(TrainingData train, TrainingData? validation, IReadOnlyDictionary<string, object> hyperparameters, int seed, IProgress<string>? progress = null)
    {
        TrainingGuards.Check(train, Algorithm, ModelTask.Classification);
        var values = HyperparameterValues.For(Algorithm, hyperparameters);
        var c = values.GetDouble("C");
        var maxIter = checked((int)values.GetLong("max_iter"));
        var tol = values.GetDouble("tol");
        if (!(c > 0) || !double.IsFinite(c))
        {
            throw new ArgumentOutOfRangeException(nameof(hyperparameters), c, "C must be a finite number > 0.");
        }

        var classCount = train.ClassNames.Count;
        var labels = TrainingGuards.ClassIndices(train);
        var objective = new LogisticObjective(train.Features, labels, classCount, c, train.SampleWeights);

        // The optimum is unique (the objective is strictly convex in the weights), so the zero start loses nothing and needs no seed.
        var result = Lbfgs.Minimize(objective.Evaluate, new double[objective.ParameterCount], maxIter, tol);
        progress?.Report(string.Create(CultureInfo.InvariantCulture,
            $"logistic_regression: L-BFGS stopped after {result.Iterations} iterations ({result.StopReason}), loss {result.Value:G6}."));
        return new LogisticRegressionModel(train.FeatureNames, train.ClassNames, objective.ToWeights(result.Solution));
    }
}

/// <summary>
/// The regularized logistic loss and its gradient. Parameters are laid out per output column: the feature weights,
/// then the intercept. Two classes have one output column (sigmoid), k &gt; 2 classes have k (softmax).
/// </summary>
public sealed class LogisticObjective
{
    private readonly double[][] _x;
    private readonly int[] _y;
    private readonly double _c;
    private readonly double[]? _weights;

    /// <param name="weights">Optional per-row weights on the loss; null weighs every row 1.</param>
    public LogisticObjective(double[][] features, int[] labels, int classCount, double c, double[]? weights = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (classCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "Logistic regression needs at least two classes.");
        }

        _x = features;
        _y = labels;
        _c = c;
        _weights = weights;
        FeatureCount = features.Length == 0 ? 0 : features[0].Length;
        OutputCount = classCount == 2 ? 1 : classCount;
    }

    public int FeatureCount { get; }
    public int OutputCount { get; }
    public int ParameterCount => OutputCount * (FeatureCount + 1);

    /// <summary>Returns the loss at <paramref name="parameters"/> and writes its gradient into <paramref name="gradient"/>.</summary>
    public double Evaluate(double[] parameters, double[] gradient)
    {
        var d = FeatureCount;
        var m = OutputCount;
        var stride = d + 1;
        Array.Clear(gradient);
        var loss = 0.0;
        var z = new double[m];
        for (var i = 0; i < _x.Length; i++)
        {
            var row = _x[i];
            for (var k = 0; k < m; k++)
            {
                var offset = k * stride;
                var sum = parameters[offset + d];
                for (var j = 0; j < d; j++)
                {
                    sum += parameters[offset + j] * row[j];
                }

                z[k] = sum;
            }

            var weight = _weights?[i] ?? 1.0;
            if (m == 1)
            {
                var yi = _y[i] == 1 ? 1.0 : 0.0;
                loss += weight * (Softplus(z[0]) - yi * z[0]);
                z[0] = weight * (Sigmoid(z[0]) - yi);
            }
            else
            {
                var max = z.Max();
                var sumExp = 0.0;
                for (var k = 0; k < m; k++)
                {
                    z[k] = Math.Exp(z[k] - max);
                    sumExp += z[k];
                }

                // log Σ exp(z) - z_y, computed from the shifted values.
                loss += weight * (Math.Log(sumExp) - Math.Log(z[_y[i]]));
                for (var k = 0; k < m; k++)
                {
                    z[k] = weight * (z[k] / sumExp - (k == _y[i] ? 1.0 : 0.0));
                }
            }

            for (var k = 0; k < m; k++)
            {
                var offset = k * stride;
                var dz = z[k];
                for (var j = 0; j < d; j++)
                {
                    gradient[offset + j] += dz * row[j];
                }

                gradient[offset + d] += dz;
            }
        }

        loss *= _c;
        for (var p = 0; p < gradient.Length; p++)
        {
            gradient[p] *= _c;
        }

        for (var k = 0; k < m; k++)
        {
            for (var j = 0; j < d; j++)
            {
                var w = parameters[k * stride + j];
                loss += 0.5 * w * w;
                gradient[k * stride + j] += w;
            }
        }

        return loss;
    }

    /// <summary>Splits a flat parameter vector into per-output weight rows (intercept last).</summary>
    public double[][] ToWeights(double[] parameters) =>
        Enumerable.Range(0, OutputCount).Select(k => parameters.AsSpan(k * (FeatureCount + 1), FeatureCount + 1).ToArray()).ToArray();

    internal static double Sigmoid(double z) => z >= 0 ? 1.0 / (1.0 + Math.Exp(-z)) : Math.Exp(z) / (1.0 + Math.Exp(z));

    private static double Softplus(double z) => z > 0 ? z + Math.Log(1.0 + Math.Exp(-z)) : Math.Log(1.0 + Math.Exp(z));
}

/// <summary>A fitted logistic regression. Each weight row holds the feature weights followed by the intercept.</summary>
public sealed class LogisticRegressionModel : TrainedModel
{
    private readonly double[][] _weights;

    public LogisticRegressionModel(IReadOnlyList<string> featureNames, IReadOnlyList<string> classNames, double[][] weights)
        : base(AlgorithmCatalog.LogisticRegression, ModelTask.Classification, featureNames, classNames)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var expectedRows = classNames.Count == 2 ? 1 : classNames.Count;
        if (classNames.Count < 2 || weights.Length != expectedRows || weights.Any(w => w.Length != featureNames.Count + 1))
        {
            throw new ArgumentException($"Expected {expectedRows} weight rows of {featureNames.Count + 1} values for {classNames.Count} classes.", nameof(weights));
        }

        _weights = weights.Select(w => w.ToArray()).ToArray();
    }

    public IReadOnlyList<IReadOnlyList<double>> Weights => _weights;

    internal static LogisticRegressionModel Load(string directory)
    {
        var document = ModelFile.ReadDocument<LogisticParameters>(directory);
        return new LogisticRegressionModel(document.FeatureNames, document.ClassNames, document.Parameters.Weights);
    }

    private protected override double[][] PredictCore(double[][] features)
    {
        var d = FeatureCount;
        var result = new double[features.Length][];
        for (var i = 0; i < features.Length; i++)
        {
            var z = new double[_weights.Length];
            for (var k = 0; k < _weights.Length; k++)
            {
                var w = _weights[k];
                var sum = w[d];
                for (var j = 0; j < d; j++)
                {
                    sum += w[j] * features[i][j];
                }

                z[k] = sum;
            }

            if (_weights.Length == 1)
            {
                var p = LogisticObjective.Sigmoid(z[0]);
                result[i] = [1.0 - p, p];
            }
            else
            {
                var max = z.Max();
                var total = 0.0;
                for (var k = 0; k < z.Length; k++)
                {
                    z[k] = Math.Exp(z[k] - max);
                    total += z[k];
                }

                for (var k = 0; k < z.Length; k++)
                {
                    z[k] /= total;
                }

                result[i] = z;
            }
        }

        return result;
    }

    private protected override void SaveCore(string directory) => WriteDocument(directory, new LogisticParameters(_weights));

    internal sealed record LogisticParameters(double[][] Weights);
}
