using MlopsAgents.Plugins.Training.NeuralNetworks;

namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>Maths of a softmax policy over discrete actions, shared by the policy-gradient learners.</summary>
internal static class CategoricalPolicy
{
    /// <summary>Index of the largest value; the first one wins ties so greedy play is deterministic.</summary>
    public static int Argmax(ReadOnlySpan<double> values)
    {
        var best = 0;
        for (var k = 1; k < values.Length; k++)
        {
            if (values[k] > values[best])
            {
                best = k;
            }
        }

        return best;
    }

    /// <summary>Draws an action from softmax(<paramref name="logits"/>) and returns it with its log-probability.</summary>
    public static (int Action, double LogProbability) Sample(ReadOnlySpan<double> logits, Random random)
    {
        Span<double> logp = stackalloc double[logits.Length];
        Softmax.LogForward(logits, logits.Length, logp);
        var u = random.NextDouble();
        var cumulative = 0.0;
        for (var k = 0; k < logp.Length; k++)
        {
            cumulative += Math.Exp(logp[k]);
            if (u < cumulative)
            {
                return (k, logp[k]);
            }
        }

        // Rounding can leave the cumulative sum a hair under 1; the last action takes that sliver.
        return (logp.Length - 1, logp[^1]);
    }

    /// <summary>
    /// ∂loss/∂logits for loss = mean_i[−w_i·log π(a_i|s_i)] − c·mean_i H(π(·|s_i)); returns the mean entropy.
    /// With w_i the advantage this is the actor-critic policy gradient; PPO passes w_i = r_i·A_i where the clipped
    /// objective is not flat and 0 where it is. Uses ∂H/∂z_j = −p_j(log p_j + H).
    /// </summary>
    public static double Gradient(
        ReadOnlySpan<double> logits, int actionCount, ReadOnlySpan<int> actions, ReadOnlySpan<double> weights, double entropyCoefficient, Span<double> gradient)
    {
        var rows = actions.Length;
        var logp = new double[rows * actionCount];
        Softmax.LogForward(logits[..(rows * actionCount)], actionCount, logp);
        var totalEntropy = 0.0;
        for (var i = 0; i < rows; i++)
        {
            var row = logp.AsSpan(i * actionCount, actionCount);
            var entropy = 0.0;
            foreach (var lp in row)
            {
                entropy -= Math.Exp(lp) * lp;
            }

            totalEntropy += entropy;
            for (var j = 0; j < actionCount; j++)
            {
                var p = Math.Exp(row[j]);
                var g = weights[i] * (p - (j == actions[i] ? 1.0 : 0.0)) + entropyCoefficient * p * (row[j] + entropy);
                gradient[i * actionCount + j] = g / rows;
            }
        }

        return totalEntropy / rows;
    }

    /// <summary>log π(a_i|s_i) for each row.</summary>
    public static double[] LogProbabilities(ReadOnlySpan<double> logits, int actionCount, ReadOnlySpan<int> actions)
    {
        var rows = actions.Length;
        var logp = new double[rows * actionCount];
        Softmax.LogForward(logits[..(rows * actionCount)], actionCount, logp);
        var result = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            result[i] = logp[i * actionCount + actions[i]];
        }

        return result;
    }
}
