namespace MlopsAgents.Plugins.Evaluation.Explanations;

/// <summary>
/// Exact Shapley values by enumerating all 2^d coalitions of the interventional game: φ_j = Σ_{S ∌ j}
/// |S|!(d−|S|−1)!/d! · (v(S ∪ {j}) − v(S)). Costs 2^d · background predictions per row, so it serves small d only.
/// </summary>
internal static class ExactShap
{
    public const int MaxFeatures = 20;

    public static double[][][] Explain(CoalitionGame game, int featureCount, double[][] rows)
    {
        var d = featureCount;
        if (d > MaxFeatures)
        {
            throw new ArgumentOutOfRangeException(nameof(featureCount), d, $"Exact SHAP enumerates 2^d coalitions and is limited to {MaxFeatures} features.");
        }

        var count = 1 << d;
        var coalitions = new bool[count][];
        for (var mask = 0; mask < count; mask++)
        {
            coalitions[mask] = Enumerable.Range(0, d).Select(j => (mask & (1 << j)) != 0).ToArray();
        }

        var weight = ShapleyWeights(d);
        var result = new double[rows.Length][][];
        for (var i = 0; i < rows.Length; i++)
        {
            var v = game.Values(rows[i], coalitions);
            var phi = new double[game.OutputCount][];
            for (var o = 0; o < phi.Length; o++)
            {
                phi[o] = new double[d];
            }

            for (var mask = 0; mask < count; mask++)
            {
                var size = System.Numerics.BitOperations.PopCount((uint)mask);
                for (var j = 0; j < d; j++)
                {
                    if ((mask & (1 << j)) != 0)
                    {
                        continue;
                    }

                    var with = v[mask | (1 << j)];
                    var without = v[mask];
                    for (var o = 0; o < phi.Length; o++)
                    {
                        phi[o][j] += weight[size] * (with[o] - without[o]);
                    }
                }
            }

            result[i] = phi;
        }

        return result;
    }

    /// <summary>weight[s] = s!(d−s−1)!/d!, the Shapley weight of a coalition of size s not holding the feature.</summary>
    private static double[] ShapleyWeights(int d)
    {
        var weight = new double[d];
        for (var s = 0; s < d; s++)
        {
            // s!(d−s−1)!/d! = 1 / (d · C(d−1, s)).
            var binomial = 1.0;
            for (var k = 1; k <= s; k++)
            {
                binomial = binomial * (d - 1 - s + k) / k;
            }

            weight[s] = 1.0 / (d * binomial);
        }

        return weight;
    }
}
