using System.Numerics.Tensors;

namespace MlopsAgents.Plugins.Training.NeuralNetworks;

/// <summary>
/// A trainable tensor: its values and the gradients <see cref="ILayer.Backward"/> accumulates into them, both flat
/// arrays of the same length. Everything in this library is <see cref="double"/>: networks here are small, so the
/// cost over float is minor, and double keeps finite-difference gradient checks tight and results bit-reproducible.
/// </summary>
public sealed class Parameter
{
    public Parameter(string name, int length, bool isWeight)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Name = name;
        Values = new double[length];
        Gradients = new double[length];
        IsWeight = isWeight;
    }

    public string Name { get; }
    public double[] Values { get; }
    public double[] Gradients { get; }

    /// <summary>True for weight matrices, which an L2 penalty applies to; false for biases.</summary>
    public bool IsWeight { get; }

    public int Length => Values.Length;
}

/// <summary>Hidden or output activation of a dense network.</summary>
public enum Activation
{
    Identity,
    ReLU,
    Tanh,
}

/// <summary>How <see cref="DenseLayer.Initialize"/> draws the weights.</summary>
public enum WeightInitialization
{
    /// <summary>Uniform on ±√(6 / fan_in) (He et al. 2015), suited to ReLU.</summary>
    HeUniform,

    /// <summary>Uniform on ±√(6 / (fan_in + fan_out)) (Glorot and Bengio 2010), suited to tanh and linear outputs.</summary>
    XavierUniform,
}

/// <summary>
/// One layer of a <see cref="NeuralNetwork"/>. Batches are row-major: <c>batchSize</c> rows of <see cref="InputSize"/>
/// (or <see cref="OutputSize"/>) values each. A layer keeps what <see cref="Forward"/> saw for <see cref="Backward"/>,
/// so one instance must not be trained from two threads; <see cref="Infer"/> keeps nothing and may run concurrently.
/// </summary>
public interface ILayer
{
    int InputSize { get; }
    int OutputSize { get; }

    /// <summary>Trainable parameters; empty for activations.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// Computes the outputs and remembers the inputs for <see cref="Backward"/>. The returned array belongs to the layer
    /// and is overwritten by its next Forward; it has exactly <c>batchSize × OutputSize</c> elements.
    /// </summary>
    double[] Forward(double[] input, int batchSize);

    /// <summary>
    /// Given ∂loss/∂output of the last <see cref="Forward"/>, adds ∂loss/∂parameters into the parameters' gradients and,
    /// when <paramref name="computeInputGradient"/> is set, returns ∂loss/∂input (a layer-owned array); otherwise returns an empty array.
    /// </summary>
    double[] Backward(double[] gradOutput, int batchSize, bool computeInputGradient = true);

    /// <summary>Computes the outputs without remembering anything: safe to call while another thread reads the same layer.</summary>
    void Infer(ReadOnlySpan<double> input, int batchSize, Span<double> output);

    /// <summary>A deep copy with the same parameter values and zero gradients.</summary>
    ILayer Clone();
}

/// <summary>A fully connected layer y = W·x + b with W stored row-major as [OutputSize × InputSize].</summary>
public sealed class DenseLayer : ILayer
{
    private double[] _input = [];
    private double[] _output = [];
    private double[] _gradInput = [];

    public DenseLayer(int inputSize, int outputSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        InputSize = inputSize;
        OutputSize = outputSize;
        Weights = new Parameter("weights", checked(inputSize * outputSize), isWeight: true);
        Bias = new Parameter("bias", outputSize, isWeight: false);
        Parameters = [Weights, Bias];
    }

    public int InputSize { get; }
    public int OutputSize { get; }

    /// <summary>W[o, i] at index o·InputSize + i.</summary>
    public Parameter Weights { get; }

    public Parameter Bias { get; }
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Draws the weights from <paramref name="random"/> and zeroes the bias.</summary>
    public void Initialize(WeightInitialization initialization, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var bound = initialization switch
        {
            WeightInitialization.HeUniform => Math.Sqrt(6.0 / InputSize),
            WeightInitialization.XavierUniform => Math.Sqrt(6.0 / (InputSize + OutputSize)),
            _ => throw new ArgumentOutOfRangeException(nameof(initialization), initialization, null),
        };
        var w = Weights.Values;
        for (var k = 0; k < w.Length; k++)
        {
            w[k] = (2 * random.NextDouble() - 1) * bound;
        }

        Array.Clear(Bias.Values);
    }

    public double[] Forward(double[] input, int batchSize)
    {
        LayerBuffers.CheckBatch(input, batchSize, InputSize);
        LayerBuffers.Ensure(ref _input, batchSize * InputSize);
        LayerBuffers.Ensure(ref _output, batchSize * OutputSize);
        input.AsSpan(0, _input.Length).CopyTo(_input);
        Infer(_input, batchSize, _output);
        return _output;
    }

    public void Infer(ReadOnlySpan<double> input, int batchSize, Span<double> output)
    {
        var inSize = InputSize;
        var outSize = OutputSize;
        ReadOnlySpan<double> w = Weights.Values;
        ReadOnlySpan<double> b = Bias.Values;
        for (var r = 0; r < batchSize; r++)
        {
            var x = input.Slice(r * inSize, inSize);
            var y = output.Slice(r * outSize, outSize);
            for (var o = 0; o < outSize; o++)
            {
                y[o] = TensorPrimitives.Dot(w.Slice(o * inSize, inSize), x) + b[o];
            }
        }
    }

    public double[] Backward(double[] gradOutput, int batchSize, bool computeInputGradient = true)
    {
        LayerBuffers.CheckBackward(gradOutput, batchSize, OutputSize, _input.Length == batchSize * InputSize);
        var inSize = InputSize;
        var outSize = OutputSize;
        var w = Weights.Values.AsSpan();
        var gw = Weights.Gradients.AsSpan();
        var gb = Bias.Gradients.AsSpan();
        for (var r = 0; r < batchSize; r++)
        {
            var g = gradOutput.AsSpan(r * outSize, outSize);
            var x = _input.AsSpan(r * inSize, inSize);
            TensorPrimitives.Add(gb, g, gb);
            for (var o = 0; o < outSize; o++)
            {
                // ReLU zeroes many upstream gradients; skipping them is exact.
                if (g[o] != 0)
                {
                    var row = gw.Slice(o * inSize, inSize);
                    TensorPrimitives.MultiplyAdd(x, g[o], row, row);
                }
            }
        }

        if (!computeInputGradient)
        {
            return [];
        }

        LayerBuffers.Ensure(ref _gradInput, batchSize * inSize);
        Array.Clear(_gradInput);
        for (var r = 0; r < batchSize; r++)
        {
            var g = gradOutput.AsSpan(r * outSize, outSize);
            var gi = _gradInput.AsSpan(r * inSize, inSize);
            for (var o = 0; o < outSize; o++)
            {
                if (g[o] != 0)
                {
                    TensorPrimitives.MultiplyAdd(w.Slice(o * inSize, inSize), g[o], gi, gi);
                }
            }
        }

        return _gradInput;
    }

    public ILayer Clone()
    {
        var copy = new DenseLayer(InputSize, OutputSize);
        Weights.Values.CopyTo(copy.Weights.Values, 0);
        Bias.Values.CopyTo(copy.Bias.Values, 0);
        return copy;
    }
}

/// <summary>Element-wise max(0, x).</summary>
public sealed class ReLU(int size) : ActivationLayer(size)
{
    public override Activation Kind => Activation.ReLU;

    public override void Infer(ReadOnlySpan<double> input, int batchSize, Span<double> output) =>
        TensorPrimitives.Max(input[..(batchSize * InputSize)], 0.0, output);

    private protected override void BackwardCore(ReadOnlySpan<double> output, ReadOnlySpan<double> gradOutput, Span<double> gradInput)
    {
        for (var k = 0; k < gradOutput.Length; k++)
        {
            gradInput[k] = output[k] > 0 ? gradOutput[k] : 0.0;
        }
    }

    public override ILayer Clone() => new ReLU(InputSize);
}

/// <summary>Element-wise hyperbolic tangent.</summary>
public sealed class Tanh(int size) : ActivationLayer(size)
{
    public override Activation Kind => Activation.Tanh;

    public override void Infer(ReadOnlySpan<double> input, int batchSize, Span<double> output) =>
        TensorPrimitives.Tanh(input[..(batchSize * InputSize)], output);

    // d tanh(x)/dx = 1 - y², so gradInput = g - g·y².
    private protected override void BackwardCore(ReadOnlySpan<double> output, ReadOnlySpan<double> gradOutput, Span<double> gradInput)
    {
        TensorPrimitives.Multiply(output, output, gradInput);
        TensorPrimitives.Multiply(gradInput, gradOutput, gradInput);
        TensorPrimitives.Subtract(gradOutput, gradInput, gradInput);
    }

    public override ILayer Clone() => new Tanh(InputSize);
}

/// <summary>Passes values through unchanged; the explicit linear output of a regression or value network.</summary>
public sealed class Identity(int size) : ActivationLayer(size)
{
    public override Activation Kind => Activation.Identity;

    public override void Infer(ReadOnlySpan<double> input, int batchSize, Span<double> output) =>
        input[..(batchSize * InputSize)].CopyTo(output);

    private protected override void BackwardCore(ReadOnlySpan<double> output, ReadOnlySpan<double> gradOutput, Span<double> gradInput) =>
        gradOutput.CopyTo(gradInput);

    public override ILayer Clone() => new Identity(InputSize);
}

/// <summary>A parameter-free element-wise layer whose derivative is a function of its output.</summary>
public abstract class ActivationLayer : ILayer
{
    private double[] _output = [];
    private double[] _gradInput = [];

    private protected ActivationLayer(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        InputSize = size;
    }

    public int InputSize { get; }
    public int OutputSize => InputSize;
    public IReadOnlyList<Parameter> Parameters => [];
    public abstract Activation Kind { get; }

    /// <summary>The layer for <paramref name="activation"/> over <paramref name="size"/> values.</summary>
    public static ActivationLayer Create(Activation activation, int size) => activation switch
    {
        Activation.Identity => new Identity(size),
        Activation.ReLU => new ReLU(size),
        Activation.Tanh => new Tanh(size),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    public double[] Forward(double[] input, int batchSize)
    {
        LayerBuffers.CheckBatch(input, batchSize, InputSize);
        LayerBuffers.Ensure(ref _output, batchSize * OutputSize);
        Infer(input, batchSize, _output);
        return _output;
    }

    public double[] Backward(double[] gradOutput, int batchSize, bool computeInputGradient = true)
    {
        LayerBuffers.CheckBackward(gradOutput, batchSize, OutputSize, _output.Length == batchSize * OutputSize);
        if (!computeInputGradient)
        {
            return [];
        }

        LayerBuffers.Ensure(ref _gradInput, batchSize * InputSize);
        BackwardCore(_output, gradOutput.AsSpan(0, _gradInput.Length), _gradInput);
        return _gradInput;
    }

    public abstract void Infer(ReadOnlySpan<double> input, int batchSize, Span<double> output);

    public abstract ILayer Clone();

    private protected abstract void BackwardCore(ReadOnlySpan<double> output, ReadOnlySpan<double> gradOutput, Span<double> gradInput);
}

internal static class LayerBuffers
{
    public static void Ensure(ref double[] buffer, int length)
    {
        if (buffer.Length != length)
        {
            buffer = new double[length];
        }
    }

    public static void CheckBatch(double[] input, int batchSize, int width)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (input.Length < (long)batchSize * width)
        {
            throw new ArgumentException($"A batch of {batchSize} rows of {width} values needs {(long)batchSize * width} elements; got {input.Length}.", nameof(input));
        }
    }

    public static void CheckBackward(double[] gradOutput, int batchSize, int width, bool matchesForward)
    {
        CheckBatch(gradOutput, batchSize, width);
        if (!matchesForward)
        {
            throw new InvalidOperationException($"Backward with a batch of {batchSize} rows does not follow a Forward of the same batch size.");
        }
    }
}
