using System.Numerics.Tensors;

namespace MlopsAgents.Plugins.Training.NeuralNetworks;

/// <summary>Row-wise softmax over row-major batches, shifted by each row's maximum so large logits cannot overflow.</summary>
public static class Softmax
{
    /// <summary>Writes softmax(row) for each row of <paramref name="classCount"/> logits; the spans may be the same memory.</summary>
    public static void Forward(ReadOnlySpan<double> logits, int classCount, Span<double> probabilities)
    {
        var rows = RowCount(logits, classCount, probabilities.Length);
        for (var r = 0; r < rows; r++)
        {
            var z = logits.Slice(r * classCount, classCount);
            var p = probabilities.Slice(r * classCount, classCount);
            TensorPrimitives.Subtract(z, TensorPrimitives.Max(z), p);
            TensorPrimitives.Exp(p, p);
            TensorPrimitives.Divide(p, TensorPrimitives.Sum<double>(p), p);
        }
    }

    /// <summary>Writes log softmax(row) = z − max − log Σ exp(z − max) for each row.</summary>
    public static void LogForward(ReadOnlySpan<double> logits, int classCount, Span<double> logProbabilities)
    {
        var rows = RowCount(logits, classCount, logProbabilities.Length);
        Span<double> shifted = classCount <= 256 ? stackalloc double[classCount] : new double[classCount];
        for (var r = 0; r < rows; r++)
        {
            var z = logits.Slice(r * classCount, classCount);
            TensorPrimitives.Subtract(z, TensorPrimitives.Max(z), shifted);
            var logSum = Math.Log(SumExp(shifted));
            TensorPrimitives.Subtract(shifted, logSum, logProbabilities.Slice(r * classCount, classCount));
        }
    }

    internal static int RowCount(ReadOnlySpan<double> logits, int classCount, int destinationLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if (logits.Length % classCount != 0)
        {
            throw new ArgumentException($"{logits.Length} values are not whole rows of {classCount}.", nameof(logits));
        }

        if (destinationLength < logits.Length)
        {
            throw new ArgumentException($"The destination holds {destinationLength} values; {logits.Length} are needed.");
        }

        return logits.Length / classCount;
    }

    internal static double SumExp(ReadOnlySpan<double> shifted)
    {
        var sum = 0.0;
        foreach (var v in shifted)
        {
            sum += Math.Exp(v);
        }

        return sum;
    }
}

/// <summary>
/// Softmax followed by cross-entropy, fused so the gradient with respect to the logits is simply
/// (softmax − one-hot) / batch. The loss is the mean over rows of −log p[label].
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>Returns the mean loss and writes ∂loss/∂logits into <paramref name="gradient"/> (same layout as the logits).</summary>
    public static double Compute(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, int classCount, Span<double> gradient)
    {
        var rows = Softmax.RowCount(logits, classCount, gradient.Length);
        if (labels.Length != rows)
        {
            throw new ArgumentException($"There are {rows} rows of logits but {labels.Length} labels.", nameof(labels));
        }

        var loss = 0.0;
        for (var r = 0; r < rows; r++)
        {
            var label = labels[r];
            if ((uint)label >= (uint)classCount)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Row {r}: labels must be in 0..{classCount - 1}.");
            }

            var z = logits.Slice(r * classCount, classCount);
            var g = gradient.Slice(r * classCount, classCount);
            TensorPrimitives.Subtract(z, TensorPrimitives.Max(z), g);
            var shiftedLabel = g[label];
            TensorPrimitives.Exp(g, g);
            var sum = TensorPrimitives.Sum<double>(g);
            loss += Math.Log(sum) - shiftedLabel;
            TensorPrimitives.Divide(g, sum * rows, g);
            g[label] -= 1.0 / rows;
        }

        return loss / rows;
    }

    /// <summary>The mean loss only, without a gradient.</summary>
    public static double Loss(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, int classCount) =>
        Compute(logits, labels, classCount, new double[logits.Length]);
}

/// <summary>Mean squared error over every element, PyTorch's <c>MSELoss</c>: mean((p − t)²), gradient 2(p − t)/n.</summary>
public static class MeanSquaredError
{
    /// <summary>Returns the loss and writes ∂loss/∂predictions into <paramref name="gradient"/>.</summary>
    public static double Compute(ReadOnlySpan<double> predictions, ReadOnlySpan<double> targets, Span<double> gradient)
    {
        Check(predictions, targets, gradient.Length);
        var n = predictions.Length;
        var diff = gradient[..n];
        TensorPrimitives.Subtract(predictions, targets, diff);
        var loss = TensorPrimitives.SumOfSquares<double>(diff) / n;
        TensorPrimitives.Multiply(diff, 2.0 / n, diff);
        return loss;
    }

    /// <summary>The loss only, without a gradient.</summary>
    public static double Loss(ReadOnlySpan<double> predictions, ReadOnlySpan<double> targets)
    {
        Check(predictions, targets, predictions.Length);
        var diff = new double[predictions.Length];
        TensorPrimitives.Subtract(predictions, targets, diff);
        return TensorPrimitives.SumOfSquares<double>(diff) / diff.Length;
    }

    internal static void Check(ReadOnlySpan<double> predictions, ReadOnlySpan<double> targets, int gradientLength)
    {
        if (predictions.Length == 0 || predictions.Length != targets.Length || gradientLength < predictions.Length)
        {
            throw new ArgumentException($"Predictions ({predictions.Length}), targets ({targets.Length}) and gradient ({gradientLength}) must be non-empty and of equal length.");
        }
    }
}

/// <summary>
/// Huber (smooth L1) loss, the usual DQN temporal-difference loss: ½d² for |d| ≤ δ, else δ(|d| − ½δ), averaged over
/// every element; its gradient is d clipped to ±δ, over n.
/// </summary>
public static class HuberLoss
{
    /// <summary>Returns the loss and writes ∂loss/∂predictions into <paramref name="gradient"/>.</summary>
    public static double Compute(ReadOnlySpan<double> predictions, ReadOnlySpan<double> targets, double delta, Span<double> gradient)
    {
        MeanSquaredError.Check(predictions, targets, gradient.Length);
        if (!(delta > 0) || !double.IsFinite(delta))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be a finite number > 0.");
        }

        var n = predictions.Length;
        var loss = 0.0;
        for (var k = 0; k < n; k++)
        {
            var d = predictions[k] - targets[k];
            var a = Math.Abs(d);
            loss += a <= delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
            gradient[k] = Math.Clamp(d, -delta, delta) / n;
        }

        return loss / n;
    }
}
