using System.Globalization;
using MlopsAgents.Plugins.Training.NeuralNetworks;

namespace MlopsAgents.Tests.Training.NeuralNetworks;

/// <summary>
/// Analytic gradients against central finite differences (h = 1e-5). Everything is double, so truncation error
/// (~h²) and round-off (~1e-16/h) are both far below the 1e-6 tolerance on the relative error.
/// </summary>
public sealed class GradientCheckTests
{
    private const double Step = 1e-5;
    private const double Tolerance = 1e-6;

    [Fact]
    public void DenseLayer_Backward_MatchesFiniteDifferencesForWeightsBiasAndInput()
    {
        var random = new Random(1);
        var layer = new DenseLayer(4, 3);
        layer.Initialize(WeightInitialization.XavierUniform, random);
        RandomFill(layer.Bias.Values, random);
        CheckLayer(layer, batchSize: 5, random);
    }

    [Fact]
    public void ReLU_Backward_MatchesFiniteDifferences()
    {
        // Inputs kept at least 0.1 away from the kink, where the derivative is undefined.
        CheckLayer(new ReLU(6), batchSize: 4, new Random(2), input => input.Select(v => v + 0.1 * Math.Sign(v)).ToArray());
    }

    [Fact]
    public void Tanh_Backward_MatchesFiniteDifferences() => CheckLayer(new Tanh(6), batchSize: 4, new Random(3));

    [Fact]
    public void Identity_Backward_MatchesFiniteDifferences() => CheckLayer(new Identity(3), batchSize: 2, new Random(4));

    [Fact]
    public void SoftmaxCrossEntropy_Gradient_MatchesFiniteDifferences()
    {
        var random = new Random(5);
        var logits = RandomArray(4 * 3, random, scale: 3);
        int[] labels = [0, 2, 1, 2];
        var gradient = new double[logits.Length];

        SoftmaxCrossEntropy.Compute(logits, labels, 3, gradient);

        AssertMatches(gradient, Numeric(logits, () => SoftmaxCrossEntropy.Loss(logits, labels, 3)));
    }

    [Fact]
    public void SoftmaxCrossEntropy_HugeLogits_StaysFinite()
    {
        double[] logits = [1000, -1000, 0];
        var gradient = new double[3];

        var loss = SoftmaxCrossEntropy.Compute(logits, [1], 3, gradient);

        Assert.Equal(2000, loss, 1e-9);
        Assert.All(gradient, g => Assert.True(double.IsFinite(g)));
    }

    [Fact]
    public void MeanSquaredError_Gradient_MatchesFiniteDifferences()
    {
        var random = new Random(6);
        var predictions = RandomArray(8, random);
        var targets = RandomArray(8, random);
        var gradient = new double[8];

        MeanSquaredError.Compute(predictions, targets, gradient);

        AssertMatches(gradient, Numeric(predictions, () => MeanSquaredError.Loss(predictions, targets)));
    }

    [Fact]
    public void HuberLoss_Gradient_MatchesFiniteDifferences()
    {
        double[] predictions = [0.3, -2.5, 1.7, 0.0, -0.4];
        double[] targets = [0.1, 0.5, -1.0, 0.2, 0.4];
        var gradient = new double[5];

        HuberLoss.Compute(predictions, targets, 1.0, gradient);

        AssertMatches(gradient, Numeric(predictions, () => HuberLoss.Compute(predictions, targets, 1.0, new double[5])));
    }

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Tanh)]
    public void TwoHiddenLayerNetwork_Backward_MatchesFiniteDifferencesEndToEnd(Activation activation)
    {
        var random = new Random(7);
        var network = NeuralNetwork.CreateMlp(5, [7, 6], 3, activation, random);
        foreach (var layer in network.Layers.OfType<DenseLayer>())
        {
            RandomFill(layer.Bias.Values, random, scale: 0.1);
        }

        const int batch = 4;
        var input = RandomArray(batch * 5, random);
        int[] labels = [2, 0, 1, 1];
        double Loss() => SoftmaxCrossEntropy.Loss(network.Predict(input, batch), labels, 3);

        var output = network.Forward(input, batch);
        var gradOutput = new double[output.Length];
        SoftmaxCrossEntropy.Compute(output, labels, 3, gradOutput);
        network.ZeroGrad();
        var gradInput = network.BackwardToInput(gradOutput, batch).ToArray();

        foreach (var parameter in network.Parameters)
        {
            AssertMatches(parameter.Gradients, Numeric(parameter.Values, Loss));
        }

        AssertMatches(gradInput, Numeric(input, Loss));
    }

    [Fact]
    public void Backward_TwoBatches_AccumulatesUntilZeroGrad()
    {
        var network = NeuralNetwork.CreateMlp(3, [4], 2, Activation.Tanh, new Random(8));
        var input = RandomArray(6, new Random(9));
        double[] gradOutput = [1, -1, 0.5, 2];

        network.Forward(input, 2);
        network.Backward(gradOutput, 2);
        var once = network.Parameters.Select(p => p.Gradients.ToArray()).ToArray();
        network.Forward(input, 2);
        network.Backward(gradOutput, 2);

        for (var k = 0; k < once.Length; k++)
        {
            Assert.Equal(once[k].Select(g => 2 * g), network.Parameters[k].Gradients, (a, b) => Math.Abs(a - b) < 1e-12);
        }

        network.ZeroGrad();
        Assert.Equal(0, network.GradientNorm());
    }

    /// <summary>Checks ∂(Σ c·y)/∂(parameters, input) of one layer for random upstream gradients c.</summary>
    private static void CheckLayer(ILayer layer, int batchSize, Random random, Func<double[], double[]>? shapeInput = null)
    {
        var input = RandomArray(batchSize * layer.InputSize, random);
        input = shapeInput?.Invoke(input) ?? input;
        var upstream = RandomArray(batchSize * layer.OutputSize, random);
        double Loss()
        {
            var output = new double[upstream.Length];
            layer.Infer(input, batchSize, output);
            return output.Select((y, k) => y * upstream[k]).Sum();
        }

        layer.Forward(input, batchSize);
        foreach (var p in layer.Parameters)
        {
            Array.Clear(p.Gradients);
        }

        var gradInput = layer.Backward(upstream, batchSize).ToArray();

        foreach (var p in layer.Parameters)
        {
            AssertMatches(p.Gradients, Numeric(p.Values, Loss));
        }

        AssertMatches(gradInput, Numeric(input, Loss));
    }

    private static double[] Numeric(double[] values, Func<double> loss)
    {
        var gradient = new double[values.Length];
        for (var k = 0; k < values.Length; k++)
        {
            var saved = values[k];
            values[k] = saved + Step;
            var plus = loss();
            values[k] = saved - Step;
            var minus = loss();
            values[k] = saved;
            gradient[k] = (plus - minus) / (2 * Step);
        }

        return gradient;
    }

    private static void AssertMatches(double[] analytic, double[] numeric)
    {
        Assert.Equal(numeric.Length, analytic.Length);
        for (var k = 0; k < analytic.Length; k++)
        {
            var error = Math.Abs(analytic[k] - numeric[k]) / Math.Max(Math.Abs(analytic[k]) + Math.Abs(numeric[k]), 1e-7);
            Assert.True(error < Tolerance, string.Create(CultureInfo.InvariantCulture, $"Element {k}: analytic {analytic[k]:R}, numeric {numeric[k]:R}, relative error {error:E2}."));
        }
    }

    private static double[] RandomArray(int length, Random random, double scale = 1.0)
    {
        var values = new double[length];
        RandomFill(values, random, scale);
        return values;
    }

    private static void RandomFill(double[] values, Random random, double scale = 1.0)
    {
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = (2 * random.NextDouble() - 1) * scale;
        }
    }
}
