using System.Globalization;

namespace MlopsAgents.Plugins.Training.NeuralNetworks;

/// <summary>
/// Multilayer perceptron trained by Adam on seeded, shuffled mini-batches. Classification uses a softmax output and
/// cross-entropy; regression a linear output and squared error on an internally standardized target. Features are
/// standardized internally too (a no-op on already scaled data), because unscaled inputs stall gradient descent.
/// The L2 term follows scikit-learn's MLP: ½·l2·‖W‖² / batch rows, biases unpenalized. Training stops after
/// early_stopping_patience epochs without the monitored loss improving by more than 1e-4 (the validation loss when a
/// validation split is given, else the epoch's training loss) and keeps the best epoch's weights.
/// </summary>
public sealed class MlpTrainer : IModelTrainer
{
    /// <summary>Minimum improvement of the monitored loss that resets the patience counter (scikit-learn's tol).</summary>
    public const double Tolerance = 1e-4;

    public string Algorithm => NeuralNetworkAlgorithms.NeuralNetwork;

    public ITrainedModel Train(TrainingData train, TrainingData? validation, IReadOnlyDictionary<string, object> hyperparameters, int seed, IProgress<string>? progress = null)
    {
        TrainingGuards.Check(train, Algorithm);
        if (validation is { RowCount: 0 })
        {
            validation = null;
        }

        if (validation is not null)
        {
            TrainingGuards.Check(validation, Algorithm, train.Task);
            if (validation.FeatureCount != train.FeatureCount || validation.ClassNames.Count != train.ClassNames.Count)
            {
                throw new ArgumentException("The validation split has different features or classes from the training split.", nameof(validation));
            }
        }

        var settings = MlpSettings.Read(Algorithm, hyperparameters);
        var classification = train.Task == ModelTask.Classification;
        var inputs = train.FeatureCount;
        var outputs = classification ? train.ClassNames.Count : 1;
        var scaler = Standardizer.Fit(train.Features);
        var (targetMean, targetScale) = classification ? (0.0, 1.0) : MeanAndScale(train.Labels);

        var x = scaler.Flatten(train.Features);
        var labels = TrainingGuards.ClassIndices(train);
        var targets = train.Labels.Select(y => (y - targetMean) / targetScale).ToArray();
        var validationX = validation is null ? null : scaler.Flatten(validation.Features);
        var validationLabels = validation is null ? null : TrainingGuards.ClassIndices(validation);
        var validationTargets = validation?.Labels.Select(y => (y - targetMean) / targetScale).ToArray();

        var random = new Random(seed);
        var network = NeuralNetwork.CreateMlp(inputs, settings.HiddenLayers, outputs, settings.Activation, random);
        var best = network.Clone();
        var optimizer = new Adam(network.Parameters, settings.LearningRate);

        var n = train.RowCount;
        var batchSize = Math.Min(settings.BatchSize, n);
        var order = Enumerable.Range(0, n).ToArray();
        var batchX = new double[batchSize * inputs];
        var batchLabels = new int[batchSize];
        var batchTargets = new double[batchSize];
        var gradient = new double[batchSize * outputs];

        var bestLoss = double.PositiveInfinity;
        var bestEpoch = 0;
        var epoch = 0;
        var stale = 0;
        var lastTrainingLoss = double.NaN;
        while (epoch < settings.MaxEpochs && stale < settings.Patience)
        {
            epoch++;
            random.Shuffle(order);
            var epochLoss = 0.0;
            for (var start = 0; start < n; start += batchSize)
            {
                var rows = Math.Min(batchSize, n - start);
                for (var r = 0; r < rows; r++)
                {
                    var row = order[start + r];
                    x.AsSpan(row * inputs, inputs).CopyTo(batchX.AsSpan(r * inputs, inputs));
                    batchLabels[r] = labels[row];
                    batchTargets[r] = targets[row];
                }

                var output = network.Forward(batchX, rows);
                var g = gradient.AsSpan(0, rows * outputs);
                var loss = classification
                    ? SoftmaxCrossEntropy.Compute(output, batchLabels.AsSpan(0, rows), outputs, g)
                    : HalfSquaredError(output, batchTargets.AsSpan(0, rows), g);

                network.ZeroGrad();
                network.Backward(gradient, rows);
                if (settings.L2 > 0)
                {
                    network.AddL2Gradient(settings.L2 / rows);
                    loss += 0.5 * settings.L2 * network.SquaredWeightNorm() / rows;
                }

                optimizer.Step();
                epochLoss += loss * rows;
            }

            lastTrainingLoss = epochLoss / n;
            if (!double.IsFinite(lastTrainingLoss))
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"{Algorithm}: the training loss diverged at epoch {epoch}; lower learning_rate (now {settings.LearningRate:G6})."));
            }

            var monitored = validation is null
                ? lastTrainingLoss
                : Loss(network, validationX!, validationLabels!, validationTargets!, classification, outputs);
            if (monitored < bestLoss - Tolerance)
            {
                stale = 0;
            }
            else
            {
                stale++;
            }

            if (monitored < bestLoss)
            {
                bestLoss = monitored;
                bestEpoch = epoch;
                best.CopyParametersFrom(network);
            }
        }

        var stopReason = stale >= settings.Patience ? "early stopping" : "max_epochs";
        progress?.Report(string.Create(CultureInfo.InvariantCulture,
            $"{Algorithm}: {epoch} epochs ({stopReason}), best epoch {bestEpoch}, training loss {lastTrainingLoss:G6}, best {(validation is null ? "training" : "validation")} loss {bestLoss:G6}."));
        return new MlpModel(train.FeatureNames, train.ClassNames, best, scaler.Means, scaler.Scales, targetMean, targetScale, epoch, bestEpoch);
    }

    // scikit-learn's squared_loss, ½·mean((p − t)²), so that l2 keeps the meaning of its alpha.
    private static double HalfSquaredError(ReadOnlySpan<double> predictions, ReadOnlySpan<double> targets, Span<double> gradient)
    {
        var loss = MeanSquaredError.Compute(predictions, targets, gradient);
        System.Numerics.Tensors.TensorPrimitives.Multiply(gradient, 0.5, gradient);
        return 0.5 * loss;
    }

    private static double Loss(NeuralNetwork network, double[] x, int[] labels, double[] targets, bool classification, int outputs)
    {
        var output = network.Predict(x, labels.Length);
        return classification
            ? SoftmaxCrossEntropy.Loss(output, labels, outputs)
            : 0.5 * MeanSquaredError.Loss(output, targets);
    }

    private static (double Mean, double Scale) MeanAndScale(double[] values)
    {
        var mean = values.Average();
        var variance = values.Average(v => (v - mean) * (v - mean));
        return (mean, variance > 0 ? Math.Sqrt(variance) : 1.0);
    }

    private sealed record MlpSettings(int[] HiddenLayers, Activation Activation, double LearningRate, int BatchSize, int MaxEpochs, int Patience, double L2)
    {
        public static MlpSettings Read(string algorithm, IReadOnlyDictionary<string, object> hyperparameters)
        {
            var values = HyperparameterValues.For(algorithm, hyperparameters);
            var hidden = values.GetLongList("hidden_layers");
            if (hidden.Length == 0 || hidden.Any(h => h is < 1 or > 4096))
            {
                throw new ArgumentOutOfRangeException(nameof(hyperparameters), $"hidden_layers must list 1 or more layer sizes in 1..4096, got [{string.Join(", ", hidden.Select(h => h.ToString(CultureInfo.InvariantCulture)))}].");
            }

            var activation = values.GetString("activation") switch
            {
                "relu" => Activation.ReLU,
                "tanh" => Activation.Tanh,
                var other => throw new ArgumentOutOfRangeException(nameof(hyperparameters), other, "activation must be 'relu' or 'tanh'."),
            };
            var learningRate = values.GetDouble("learning_rate");
            var l2 = values.GetDouble("l2");
            if (!(learningRate > 0) || !double.IsFinite(learningRate) || !(l2 >= 0) || !double.IsFinite(l2))
            {
                throw new ArgumentOutOfRangeException(nameof(hyperparameters), "learning_rate must be a finite number > 0 and l2 a finite number ≥ 0.");
            }

            return new MlpSettings(
                hidden.Select(h => (int)h).ToArray(),
                activation,
                learningRate,
                PositiveInt(values.GetLong("batch_size"), "batch_size"),
                PositiveInt(values.GetLong("max_epochs"), "max_epochs"),
                PositiveInt(values.GetLong("early_stopping_patience"), "early_stopping_patience"),
                l2);
        }

        private static int PositiveInt(long value, string name) =>
            value is >= 1 and <= int.MaxValue
                ? (int)value
                : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive integer.");
    }
}

/// <summary>Per-feature z-scoring with the training rows' mean and population standard deviation.</summary>
internal sealed record Standardizer(double[] Means, double[] Scales)
{
    public static Standardizer Fit(double[][] rows)
    {
        var d = rows[0].Length;
        var means = new double[d];
        var scales = new double[d];
        for (var j = 0; j < d; j++)
        {
            var column = j;
            means[j] = rows.Average(r => r[column]);
            var variance = rows.Average(r => (r[column] - means[column]) * (r[column] - means[column]));
            scales[j] = variance > 0 ? Math.Sqrt(variance) : 1.0;
        }

        return new Standardizer(means, scales);
    }

    /// <summary>The standardized rows as one row-major array.</summary>
    public double[] Flatten(double[][] rows)
    {
        var d = Means.Length;
        var flat = new double[rows.Length * d];
        for (var i = 0; i < rows.Length; i++)
        {
            for (var j = 0; j < d; j++)
            {
                flat[i * d + j] = (rows[i][j] - Means[j]) / Scales[j];
            }
        }

        return flat;
    }
}

/// <summary>A trained multilayer perceptron with its input and target scaling.</summary>
public sealed class MlpModel : TrainedModel
{
    private readonly NeuralNetwork _network;
    private readonly Standardizer _scaler;

    internal MlpModel(IReadOnlyList<string> featureNames, IReadOnlyList<string> classNames, NeuralNetwork network, double[] featureMeans, double[] featureScales, double targetMean, double targetScale, int epochs, int bestEpoch)
        : base(NeuralNetworkAlgorithms.NeuralNetwork, classNames.Count > 0 ? ModelTask.Classification : ModelTask.Regression, featureNames, classNames)
    {
        var outputs = classNames.Count > 0 ? classNames.Count : 1;
        if (network.InputSize != featureNames.Count || network.OutputSize != outputs || featureMeans.Length != featureNames.Count || featureScales.Length != featureNames.Count)
        {
            throw new ArgumentException($"The network ({network.InputSize}→{network.OutputSize}) and scaling ({featureMeans.Length} features) do not fit {featureNames.Count} features and {outputs} outputs.", nameof(network));
        }

        _network = network;
        _scaler = new Standardizer(featureMeans.ToArray(), featureScales.ToArray());
        TargetMean = targetMean;
        TargetScale = targetScale;
        Epochs = epochs;
        BestEpoch = bestEpoch;
    }

    /// <summary>Epochs trained before stopping.</summary>
    public int Epochs { get; }

    /// <summary>The epoch whose weights the model keeps (the lowest monitored loss).</summary>
    public int BestEpoch { get; }

    public double TargetMean { get; }
    public double TargetScale { get; }

    /// <summary>A copy of the underlying network.</summary>
    public NeuralNetwork Network => _network.Clone();

    internal static MlpModel Load(string directory)
    {
        var document = ModelFile.ReadDocument<MlpParameters>(directory);
        var p = document.Parameters;
        if (p.Network is null || p.FeatureMeans is null || p.FeatureScales is null)
        {
            throw new InvalidDataException($"'{Path.Combine(directory, ModelFile.FileName)}' lacks the network or the feature scaling.");
        }

        return new MlpModel(document.FeatureNames, document.ClassNames, NeuralNetwork.FromDocument(p.Network), p.FeatureMeans, p.FeatureScales, p.TargetMean, p.TargetScale, p.Epochs, p.BestEpoch);
    }

    private protected override double[][] PredictCore(double[][] features)
    {
        var output = _network.Predict(_scaler.Flatten(features), features.Length);
        var k = _network.OutputSize;
        if (Task == ModelTask.Classification)
        {
            Softmax.Forward(output, k, output);
        }

        var result = new double[features.Length][];
        for (var i = 0; i < features.Length; i++)
        {
            result[i] = Task == ModelTask.Classification
                ? output.AsSpan(i * k, k).ToArray()
                : [output[i] * TargetScale + TargetMean];
        }

        return result;
    }

    private protected override void SaveCore(string directory) =>
        WriteDocument(directory, new MlpParameters(_scaler.Means, _scaler.Scales, TargetMean, TargetScale, Epochs, BestEpoch, _network.ToDocument()));

    internal sealed record MlpParameters(double[] FeatureMeans, double[] FeatureScales, double TargetMean, double TargetScale, int Epochs, int BestEpoch, NetworkDocument Network);
}
