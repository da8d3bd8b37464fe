using System.Numerics.Tensors;

namespace MlopsAgents.Plugins.Training.NeuralNetworks;

/// <summary>Updates a fixed list of parameters from their accumulated gradients.</summary>
public interface IOptimizer
{
    /// <summary>The parameters this optimizer was built over, in order.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    double LearningRate { get; set; }

    /// <summary>Applies one update from the current gradients; it does not clear them.</summary>
    void Step();
}

/// <summary>Stochastic gradient descent, optionally with (heavy-ball) momentum: v = μv + g; w −= lr·v.</summary>
public sealed class Sgd : IOptimizer
{
    private readonly double[][] _velocity;

    public Sgd(IReadOnlyList<Parameter> parameters, double learningRate, double momentum = 0.0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Optimizers.CheckRate(learningRate);
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1).");
        }

        Parameters = parameters.ToArray();
        LearningRate = learningRate;
        Momentum = momentum;
        _velocity = momentum > 0 ? Parameters.Select(p => new double[p.Length]).ToArray() : [];
    }

    public IReadOnlyList<Parameter> Parameters { get; }
    public double LearningRate { get; set; }
    public double Momentum { get; }

    public void Step()
    {
        for (var k = 0; k < Parameters.Count; k++)
        {
            var p = Parameters[k];
            ReadOnlySpan<double> step = p.Gradients;
            if (Momentum > 0)
            {
                var v = _velocity[k];
                TensorPrimitives.MultiplyAdd(v, Momentum, p.Gradients, v);
                step = v;
            }

            TensorPrimitives.MultiplyAdd(step, -LearningRate, p.Values, p.Values);
        }
    }
}

/// <summary>
/// Adam (Kingma and Ba 2015) with bias correction folded into the step size, as scikit-learn and the paper's
/// section 2 do: w −= lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε).
/// </summary>
public sealed class Adam : IOptimizer
{
    private readonly double[][] _m;
    private readonly double[][] _v;
    private double[] _scratch = [];

    public Adam(IReadOnlyList<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Optimizers.CheckRate(learningRate);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), "beta1 and beta2 must be in [0, 1).");
        }

        if (!(epsilon > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be > 0.");
        }

        Parameters = parameters.ToArray();
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        _m = Parameters.Select(p => new double[p.Length]).ToArray();
        _v = Parameters.Select(p => new double[p.Length]).ToArray();
    }

    public IReadOnlyList<Parameter> Parameters { get; }
    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    /// <summary>Updates taken so far.</summary>
    public long StepCount { get; private set; }

    public void Step()
    {
        StepCount++;
        var stepSize = LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, StepCount)) / (1 - Math.Pow(Beta1, StepCount));
        for (var k = 0; k < Parameters.Count; k++)
        {
            var p = Parameters[k];
            var m = _m[k];
            var v = _v[k];
            ReadOnlySpan<double> g = p.Gradients;
            LayerBuffers.Ensure(ref _scratch, Math.Max(_scratch.Length, p.Length));
            var s = _scratch.AsSpan(0, p.Length);

            // m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g².
            TensorPrimitives.Multiply(m, Beta1, m);
            TensorPrimitives.MultiplyAdd(g, 1 - Beta1, m, m);
            TensorPrimitives.Multiply(g, g, s);
            TensorPrimitives.Multiply(v, Beta2, v);
            TensorPrimitives.MultiplyAdd(s, 1 - Beta2, v, v);

            TensorPrimitives.Sqrt(v, s);
            TensorPrimitives.Add(s, Epsilon, s);
            TensorPrimitives.Divide(m, s, s);
            TensorPrimitives.MultiplyAdd(s, -stepSize, p.Values, p.Values);
        }
    }
}

/// <summary>Gradient utilities over a parameter list.</summary>
public static class GradientClipping
{
    /// <summary>The L2 norm of all the gradients taken together.</summary>
    public static double GlobalNorm(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var sum = 0.0;
        foreach (var p in parameters)
        {
            sum += TensorPrimitives.SumOfSquares<double>(p.Gradients);
        }

        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Scales every gradient by maxNorm / norm when the global norm exceeds <paramref name="maxNorm"/>, as PyTorch's
    /// <c>clip_grad_norm_</c> does. Returns the norm before clipping.
    /// </summary>
    public static double ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        if (!(maxNorm > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be > 0.");
        }

        var norm = GlobalNorm(parameters);
        if (norm > maxNorm && double.IsFinite(norm))
        {
            var scale = maxNorm / norm;
            foreach (var p in parameters)
            {
                TensorPrimitives.Multiply(p.Gradients, scale, p.Gradients);
            }
        }

        return norm;
    }
}

internal static class Optimizers
{
    public static void CheckRate(double learningRate)
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learningRate must be a finite number > 0.");
        }
    }
}
