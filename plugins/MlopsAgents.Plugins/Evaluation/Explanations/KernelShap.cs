namespace MlopsAgents.Plugins.Evaluation.Explanations;

/// <summary>
/// Kernel SHAP (Lundberg and Lee 2017) as the shap library runs it: features whose value equals every background row's
/// get 0; over the M others, coalitions are drawn with the Shapley kernel weight (M−1)/(C(M,s)·s·(M−s)), whole subset
/// sizes are enumerated (smallest and largest first) while the budget covers them, the rest are sampled in
/// complementary pairs; then a weighted linear regression with the efficiency constraint Σφ = f(x) − base solved
/// exactly (by eliminating the last feature) gives the values. When the budget covers all 2^M − 2 coalitions the
/// answer is the exact Shapley value.
/// </summary>
internal static class KernelShap
{
    public static double[][][] Explain(CoalitionGame game, double[][] background, double[][] rows, double[] baseValues, int? sampleCount, int seed)
    {
        var d = background[0].Length;
        var outputs = game.OutputCount;
        var modelOutputs = game.Outputs(rows);
        var result = new double[rows.Length][][];
        for (var i = 0; i < rows.Length; i++)
        {
            var x = rows[i];
            var phi = new double[outputs][];
            for (var o = 0; o < outputs; o++)
            {
                phi[o] = new double[d];
            }

            result[i] = phi;
            var varying = Enumerable.Range(0, d).Where(j => background.Any(b => b[j] != x[j])).ToArray();
            var m = varying.Length;
            if (m == 0)
            {
                continue;
            }

            if (m == 1)
            {
                for (var o = 0; o < outputs; o++)
                {
                    phi[o][varying[0]] = modelOutputs[i][o] - baseValues[o];
                }

                continue;
            }

            // A per-row seed keeps each row's answer independent of which other rows are explained with it.
            var random = new Random(unchecked((seed * 1_000_003) + i));
            var budget = sampleCount ?? ((2 * m) + 2048);
            var (masks, weights) = Coalitions(m, budget, random);
            var coalitions = masks.Select(mask =>
            {
                var full = Enumerable.Repeat(true, d).ToArray();
                for (var k = 0; k < m; k++)
                {
                    full[varying[k]] = mask[k];
                }

                return full;
            }).ToArray();
            var values = game.Values(x, coalitions);

            // Eliminate the last varying feature through the constraint: φ_last = (f(x) − base) − Σ others.
            var design = masks.Select(mask => Enumerable.Range(0, m - 1).Select(k => (mask[k] ? 1.0 : 0.0) - (mask[m - 1] ? 1.0 : 0.0)).ToArray()).ToArray();
            for (var o = 0; o < outputs; o++)
            {
                var total = modelOutputs[i][o] - baseValues[o];
                var target = values.Select((v, c) => v[o] - baseValues[o] - ((masks[c][m - 1] ? 1.0 : 0.0) * total)).ToArray();
                var beta = DenseSolver.WeightedLeastSquares(design, target, weights, ridge: 0);
                for (var k = 0; k < m - 1; k++)
                {
                    phi[o][varying[k]] = beta[k];
                }

                phi[o][varying[m - 1]] = total - beta.Sum();
            }
        }

        return result;
    }

    /// <summary>Coalitions over m features (never empty or full) and their kernel weights, at most <paramref name="budget"/> of them.</summary>
    internal static (List<bool[]> Masks, double[] Weights) Coalitions(int m, int budget, Random random)
    {
        var maxSamples = m >= 30 ? int.MaxValue : (1 << m) - 2;
        budget = Math.Max(Math.Min(budget, maxSamples), Math.Min(2 * m, maxSamples));
        var sizes = (m + 1) / 2;          // subset sizes 1..ceil((m−1)/2); each stands for itself and its complement
        var pairedSizes = (m - 1) / 2;    // sizes whose complement is a different size
        var sizeWeight = new double[sizes];
        for (var s = 1; s <= sizes; s++)
        {
            sizeWeight[s - 1] = (m - 1.0) / (s * (m - s)) * (s <= pairedSizes ? 2 : 1);
        }

        var norm = sizeWeight.Sum();
        for (var s = 0; s < sizes; s++)
        {
            sizeWeight[s] /= norm;
        }

        var masks = new List<bool[]>();
        var weights = new List<double>();
        var left = budget;
        var remaining = (double[])sizeWeight.Clone();
        var fullSizes = 0;
        for (var s = 1; s <= sizes; s++)
        {
            var paired = s <= pairedSizes;
            var subsets = Binomial(m, s) * (paired ? 2 : 1);
            if (!(left * remaining[s - 1] / subsets >= 1.0 - 1e-8))
            {
                break;
            }

            fullSizes++;
            left -= (int)subsets;
            if (remaining[s - 1] < 1)
            {
                var rest = 1 - remaining[s - 1];
                for (var k = 0; k < sizes; k++)
                {
                    remaining[k] /= rest;
                }
            }

            var w = sizeWeight[s - 1] / subsets;
            foreach (var subset in Combinations(m, s))
            {
                masks.Add(subset);
                weights.Add(w);
                if (paired)
                {
                    masks.Add(subset.Select(b => !b).ToArray());
                    weights.Add(w);
                }
            }
        }

        var fixedCount = masks.Count;
        if (fullSizes < sizes && left > 0)
        {
            var draw = new double[sizes - fullSizes];
            for (var s = fullSizes + 1; s <= sizes; s++)
            {
                draw[s - fullSizes - 1] = sizeWeight[s - 1] / (s <= pairedSizes ? 2 : 1);
            }

            var drawTotal = draw.Sum();
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var attempts = 0;
            while (left > 0 && attempts++ < 4 * budget)
            {
                var u = random.NextDouble() * drawTotal;
                var pick = 0;
                while (pick < draw.Length - 1 && u >= draw[pick])
                {
                    u -= draw[pick];
                    pick++;
                }

                var size = pick + fullSizes + 1;
                var mask = RandomSubset(m, size, random);
                Add(mask);
                if (left > 0 && size <= pairedSizes)
                {
                    Add(mask.Select(b => !b).ToArray());
                }
            }

            // The sampled coalitions share the kernel weight the enumerated sizes left over, in proportion to how often each was drawn.
            var leftover = sizeWeight.Skip(fullSizes).Sum();
            var sampled = weights.Skip(fixedCount).Sum();
            for (var k = fixedCount; k < weights.Count; k++)
            {
                weights[k] *= leftover / sampled;
            }

            void Add(bool[] mask)
            {
                var key = new string(mask.Select(b => b ? '1' : '0').ToArray());
                if (index.TryGetValue(key, out var at))
                {
                    weights[at] += 1;
                    return;
                }

                index[key] = masks.Count;
                masks.Add(mask);
                weights.Add(1);
                left--;
            }
        }

        return (masks, weights.ToArray());
    }

    private static double Binomial(int n, int k)
    {
        var result = 1.0;
        for (var i = 1; i <= k; i++)
        {
            result = result * (n - k + i) / i;
        }

        return Math.Round(result);
    }

    private static IEnumerable<bool[]> Combinations(int n, int k)
    {
        var chosen = Enumerable.Range(0, k).ToArray();
        while (true)
        {
            var mask = new bool[n];
            foreach (var c in chosen)
            {
                mask[c] = true;
            }

            yield return mask;
            var i = k - 1;
            while (i >= 0 && chosen[i] == n - k + i)
            {
                i--;
            }

            if (i < 0)
            {
                yield break;
            }

            chosen[i]++;
            for (var j = i + 1; j < k; j++)
            {
                chosen[j] = chosen[j - 1] + 1;
            }
        }
    }

    private static bool[] RandomSubset(int n, int size, Random random)
    {
        var order = Enumerable.Range(0, n).ToArray();
        for (var i = 0; i < size; i++)
        {
            var j = i + random.Next(n - i);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var mask = new bool[n];
        for (var i = 0; i < size; i++)
        {
            mask[order[i]] = true;
        }

        return mask;
    }
}
