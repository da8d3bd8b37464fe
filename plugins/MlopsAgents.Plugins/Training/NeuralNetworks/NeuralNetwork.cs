using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlopsAgents.Plugins.Training.NeuralNetworks;

/// <summary>
/// A feed-forward stack of layers over row-major double batches. Training calls (<see cref="Forward"/>,
/// <see cref="Backward"/>) use per-layer buffers and belong to one thread; <see cref="Predict"/> keeps no state.
/// The methods that read another network (<see cref="CopyParametersFrom"/>, <see cref="AddGradientsFrom"/>,
/// <see cref="ApplyGradientsFrom"/>) lock both networks' <see cref="SyncRoot"/>, so A3C-style workers can train local
/// copies and push into a shared network concurrently.
/// </summary>
public sealed class NeuralNetwork
{
    private static long s_nextId;
    private readonly long _id = Interlocked.Increment(ref s_nextId);
    private readonly ILayer[] _layers;
    private readonly Parameter[] _parameters;

    public NeuralNetwork(IEnumerable<ILayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = layers.ToArray();
        if (_layers.Length == 0)
        {
            throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        }

        for (var k = 1; k < _layers.Length; k++)
        {
            if (_layers[k].InputSize != _layers[k - 1].OutputSize)
            {
                throw new ArgumentException($"Layer {k} takes {_layers[k].InputSize} inputs but layer {k - 1} gives {_layers[k - 1].OutputSize}.", nameof(layers));
            }
        }

        _parameters = _layers.SelectMany(l => l.Parameters).ToArray();
    }

    /// <summary>
    /// A multilayer perceptron: Dense → activation for each hidden size, then Dense → <paramref name="outputActivation"/>.
    /// Weights are He-uniform before ReLU and Xavier-uniform otherwise, drawn from <paramref name="random"/>; biases start at zero.
    /// </summary>
    public static NeuralNetwork CreateMlp(int inputSize, IReadOnlyList<int> hiddenSizes, int outputSize, Activation hiddenActivation, Random random, Activation outputActivation = Activation.Identity)
    {
        ArgumentNullException.ThrowIfNull(hiddenSizes);
        ArgumentNullException.ThrowIfNull(random);
        var layers = new List<ILayer>();
        var width = inputSize;
        foreach (var size in hiddenSizes.Append(outputSize))
        {
            var activation = layers.Count / 2 < hiddenSizes.Count ? hiddenActivation : outputActivation;
            var dense = new DenseLayer(width, size);
            dense.Initialize(activation == Activation.ReLU ? WeightInitialization.HeUniform : WeightInitialization.XavierUniform, random);
            layers.Add(dense);
            layers.Add(ActivationLayer.Create(activation, size));
            width = size;
        }

        return new NeuralNetwork(layers);
    }

    public IReadOnlyList<ILayer> Layers => _layers;
    public int InputSize => _layers[0].InputSize;
    public int OutputSize => _layers[^1].OutputSize;

    /// <summary>All trainable parameters, layer by layer; the same instances for the network's lifetime.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    public int ParameterCount => _parameters.Sum(p => p.Length);

    /// <summary>The lock that cross-network operations take; hold it around your own reads or updates of a shared network.</summary>
    public object SyncRoot { get; } = new();

    /// <summary>
    /// Runs the batch through every layer, remembering what <see cref="Backward"/> needs. Returns the network's own output
    /// buffer (exactly batchSize × OutputSize values), valid until the next Forward.
    /// </summary>
    public double[] Forward(double[] input, int batchSize)
    {
        var x = input;
        foreach (var layer in _layers)
        {
            x = layer.Forward(x, batchSize);
        }

        return x;
    }

    /// <summary>Back-propagates ∂loss/∂output of the last <see cref="Forward"/>, adding into the parameter gradients.</summary>
    public void Backward(double[] gradOutput, int batchSize) => BackwardCore(gradOutput, batchSize, computeInputGradient: false);

    /// <summary>As <see cref="Backward"/>, and returns ∂loss/∂input (a network-owned buffer valid until the next Backward).</summary>
    public double[] BackwardToInput(double[] gradOutput, int batchSize) => BackwardCore(gradOutput, batchSize, computeInputGradient: true);

    /// <summary>Outputs for a batch in a new array, touching no training state; safe to call from several threads at once.</summary>
    public double[] Predict(ReadOnlySpan<double> input, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (input.Length < (long)batchSize * InputSize)
        {
            throw new ArgumentException($"A batch of {batchSize} rows of {InputSize} values needs {(long)batchSize * InputSize} elements; got {input.Length}.", nameof(input));
        }

        var current = input[..(batchSize * InputSize)].ToArray();
        foreach (var layer in _layers)
        {
            var next = new double[batchSize * layer.OutputSize];
            layer.Infer(current, batchSize, next);
            current = next;
        }

        return current;
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            Array.Clear(p.Gradients);
        }
    }

    /// <summary>The L2 norm of all gradients together.</summary>
    public double GradientNorm() => GradientClipping.GlobalNorm(_parameters);

    /// <summary>Rescales the gradients so their global norm is at most <paramref name="maxNorm"/>; returns the norm before.</summary>
    public double ClipGradientNorm(double maxNorm) => GradientClipping.ClipByGlobalNorm(_parameters, maxNorm);

    /// <summary>Adds coefficient·W to the gradients of the weight matrices (not the biases): the gradient of ½·coefficient·‖W‖².</summary>
    public void AddL2Gradient(double coefficient)
    {
        foreach (var p in _parameters.Where(p => p.IsWeight))
        {
            TensorPrimitives.MultiplyAdd(p.Values, coefficient, p.Gradients, p.Gradients);
        }
    }

    /// <summary>Σ‖W‖² over the weight matrices (biases excluded).</summary>
    public double SquaredWeightNorm() => _parameters.Where(p => p.IsWeight).Sum(p => TensorPrimitives.SumOfSquares<double>(p.Values));

    /// <summary>A deep copy with the same architecture and parameter values, zero gradients and its own lock.</summary>
    public NeuralNetwork Clone()
    {
        lock (SyncRoot)
        {
            return new NeuralNetwork(_layers.Select(l => l.Clone()));
        }
    }

    /// <summary>Overwrites this network's parameter values with <paramref name="source"/>'s (a target-network sync, or a worker pulling the global net).</summary>
    public void CopyParametersFrom(NeuralNetwork source) => WithBoth(source, () =>
    {
        for (var k = 0; k < _parameters.Length; k++)
        {
            source._parameters[k].Values.CopyTo(_parameters[k].Values, 0);
        }
    });

    /// <summary>Polyak averaging θ ← (1−τ)θ + τ·θ_source, the soft target-network update.</summary>
    public void SoftUpdateFrom(NeuralNetwork source, double tau)
    {
        if (!(tau >= 0 && tau <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "tau must be in [0, 1].");
        }

        WithBoth(source, () =>
        {
            for (var k = 0; k < _parameters.Length; k++)
            {
                var values = _parameters[k].Values;
                TensorPrimitives.Multiply(values, 1 - tau, values);
                TensorPrimitives.MultiplyAdd(source._parameters[k].Values, tau, values, values);
            }
        });
    }

    /// <summary>Adds scale × <paramref name="source"/>'s gradients into this network's gradients.</summary>
    public void AddGradientsFrom(NeuralNetwork source, double scale = 1.0) => WithBoth(source, () =>
    {
        for (var k = 0; k < _parameters.Length; k++)
        {
            var g = _parameters[k].Gradients;
            TensorPrimitives.MultiplyAdd(source._parameters[k].Gradients, scale, g, g);
        }
    });

    /// <summary>
    /// One atomic A3C update of this (shared) network from a worker's local gradients: under the lock, replaces this
    /// network's gradients with the worker's, clips them to <paramref name="maxGradientNorm"/> when it is finite, and
    /// steps <paramref name="optimizer"/>, which must have been built over this network's <see cref="Parameters"/>.
    /// Returns the gradient norm before clipping.
    /// </summary>
    public double ApplyGradientsFrom(NeuralNetwork worker, IOptimizer optimizer, double maxGradientNorm = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer.Parameters.Count != _parameters.Length || (_parameters.Length > 0 && !ReferenceEquals(optimizer.Parameters[0], _parameters[0])))
        {
            throw new ArgumentException("The optimizer was not built over this network's parameters.", nameof(optimizer));
        }

        var norm = 0.0;
        WithBoth(worker, () =>
        {
            for (var k = 0; k < _parameters.Length; k++)
            {
                worker._parameters[k].Gradients.CopyTo(_parameters[k].Gradients, 0);
            }

            norm = double.IsPositiveInfinity(maxGradientNorm) ? GradientNorm() : ClipGradientNorm(maxGradientNorm);
            optimizer.Step();
        });
        return norm;
    }

    /// <summary>The architecture and parameter values as JSON; doubles round-trip exactly.</summary>
    public string ToJson()
    {
        lock (SyncRoot)
        {
            return JsonSerializer.Serialize(ToDocument(), NetworkDocument.Json);
        }
    }

    public static NeuralNetwork FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var document = JsonSerializer.Deserialize<NetworkDocument>(json, NetworkDocument.Json)
            ?? throw new InvalidDataException("The network JSON is empty.");
        return FromDocument(document);
    }

    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        File.WriteAllText(path, ToJson());
    }

    public static NeuralNetwork Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return FromJson(File.ReadAllText(path));
    }

    internal NetworkDocument ToDocument() => new(_layers.Select(l => l switch
    {
        DenseLayer d => new LayerDocument("dense", d.InputSize, d.OutputSize, d.Weights.Values.ToArray(), d.Bias.Values.ToArray()),
        ActivationLayer a => new LayerDocument(a.Kind.ToString().ToLowerInvariant(), a.InputSize, a.OutputSize, null, null),
        _ => throw new NotSupportedException($"Layer type {l.GetType().Name} cannot be serialized."),
    }).ToArray());

    internal static NeuralNetwork FromDocument(NetworkDocument document)
    {
        if (document.Layers is not { Length: > 0 })
        {
            throw new InvalidDataException("The network document has no layers.");
        }

        return new NeuralNetwork(document.Layers.Select((l, k) =>
        {
            if (l.Type == "dense")
            {
                var dense = new DenseLayer(l.InputSize, l.OutputSize);
                if (l.Weights?.Length != dense.Weights.Length || l.Bias?.Length != dense.Bias.Length)
                {
                    throw new InvalidDataException($"Dense layer {k} ({l.InputSize}→{l.OutputSize}) needs {dense.Weights.Length} weights and {dense.Bias.Length} biases.");
                }

                l.Weights.CopyTo(dense.Weights.Values, 0);
                l.Bias.CopyTo(dense.Bias.Values, 0);
                return (ILayer)dense;
            }

            var activation = Enum.GetValues<Activation>().FirstOrDefault(a => a.ToString().Equals(l.Type, StringComparison.OrdinalIgnoreCase), (Activation)(-1));
            if (activation == (Activation)(-1) || l.InputSize != l.OutputSize)
            {
                throw new InvalidDataException($"Layer {k} has unknown type '{l.Type}' or mismatched sizes.");
            }

            return ActivationLayer.Create(activation, l.InputSize);
        }));
    }

    private double[] BackwardCore(double[] gradOutput, int batchSize, bool computeInputGradient)
    {
        var g = gradOutput;
        for (var k = _layers.Length - 1; k >= 0; k--)
        {
            g = _layers[k].Backward(g, batchSize, computeInputGradient || k > 0);
        }

        return g;
    }

    // Locks in a global order (by creation id) so two threads copying between the same pair in opposite directions cannot deadlock.
    private void WithBoth(NeuralNetwork other, Action action)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._parameters.Length != _parameters.Length || other._parameters.Where((p, k) => p.Length != _parameters[k].Length).Any())
        {
            throw new ArgumentException("The networks have different architectures.", nameof(other));
        }

        var (first, second) = _id < other._id ? (this, other) : (other, this);
        lock (first.SyncRoot)
        {
            lock (second.SyncRoot)
            {
                action();
            }
        }
    }
}

/// <summary>The JSON form of a <see cref="NeuralNetwork"/>.</summary>
internal sealed record NetworkDocument(LayerDocument[] Layers)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>One layer: its type ("dense", "relu", "tanh", "identity"), sizes, and for dense layers row-major weights and bias.</summary>
internal sealed record LayerDocument(string Type, int InputSize, int OutputSize, double[]? Weights, double[]? Bias);
