namespace MlopsAgents.Plugins.Evaluation.Explanations;

/// <summary>
/// Interventional TreeSHAP (Lundberg et al., "From local explanations to global understanding with explainable AI for
/// trees", Nature Machine Intelligence 2020): exact SHAP values of a tree ensemble under the value function
/// v(S) = mean over background rows b of f(x_S, b_rest), in O(trees · leaves · background) per row.
/// <para>
/// The path-dependent variant of Lundberg et al. 2018 weighs each split by the share of training rows that went each
/// way. Neither of the project's tree models stores those counts (the random forest keeps only class distributions,
/// and ML.NET's LightGBM trees expose no per-node counts), so this class uses the interventional variant against a
/// background sample instead. That is the value function <see cref="ExactShap"/> and <see cref="KernelShap"/> use too,
/// so all three methods estimate the same numbers and the base value is the mean prediction over the background.
/// </para>
/// <para>
/// For one background row r, a leaf reached with the features in U taken from x and those in V taken from r (the
/// splits where x and r part ways) is a game that pays the leaf's value exactly when U ⊆ S and V ∩ S = ∅. Its Shapley
/// values are value·(|U|−1)!|V|!/(|U|+|V|)! for each feature in U and −value·|U|!(|V|−1)!/(|U|+|V|)! for each in V.
/// Summing those over the leaves that x and r can reach together gives SHAP(x) relative to r; averaging over r gives
/// the interventional SHAP values.
/// </para>
/// </summary>
public static class TreeShap
{
    /// <summary>
    /// SHAP values of each row: result[row][output][feature]. <paramref name="baseValues"/> receives the mean ensemble
    /// output over <paramref name="background"/>.
    /// </summary>
    public static double[][][] Explain(ExplainableTreeEnsemble ensemble, double[][] background, double[][] rows, out double[] baseValues)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ArgumentNullException.ThrowIfNull(background);
        ArgumentNullException.ThrowIfNull(rows);
        if (background.Length == 0)
        {
            throw new ArgumentException("TreeSHAP needs at least one background row.", nameof(background));
        }

        var outputs = ensemble.OutputCount;
        var d = ensemble.FeatureCount;
        baseValues = new double[outputs];
        foreach (var b in background)
        {
            var f = ensemble.Evaluate(b);
            for (var o = 0; o < outputs; o++)
            {
                baseValues[o] += f[o] / background.Length;
            }
        }

        var maxDepth = ensemble.Trees.Max(Depth);
        var logFactorial = new double[maxDepth + 2];
        for (var i = 2; i < logFactorial.Length; i++)
        {
            logFactorial[i] = logFactorial[i - 1] + Math.Log(i);
        }

        var result = new double[rows.Length][][];
        Parallel.For(0, rows.Length, i =>
        {
            var phi = new double[outputs][];
            for (var o = 0; o < outputs; o++)
            {
                phi[o] = new double[d];
            }

            var walker = new Walker(rows[i], phi, d, logFactorial);
            foreach (var tree in ensemble.Trees)
            {
                foreach (var r in background)
                {
                    walker.Run(tree, r);
                }
            }

            var scale = ensemble.Scale / background.Length;
            for (var o = 0; o < outputs; o++)
            {
                for (var j = 0; j < d; j++)
                {
                    phi[o][j] *= scale;
                }
            }

            result[i] = phi;
        });
        return result;
    }

    private static int Depth(ExplainableTree tree)
    {
        var depth = new int[tree.Feature.Length];
        var max = 0;
        for (var n = 0; n < depth.Length; n++)
        {
            if (!tree.IsLeaf(n))
            {
                depth[tree.Left[n]] = depth[n] + 1;
                depth[tree.Right[n]] = depth[n] + 1;
            }

            max = Math.Max(max, depth[n]);
        }

        return max;
    }

    /// <summary>Walks one tree for one (row, reference) pair and adds its Shapley values into phi; one per thread.</summary>
    private sealed class Walker(double[] x, double[][] phi, int featureCount, double[] logFactorial)
    {
        private const byte Unassigned = 0;
        private const byte FromRow = 1;
        private const byte FromReference = 2;

        private readonly byte[] _state = new byte[featureCount];
        private readonly List<int> _fromRow = [];
        private readonly List<int> _fromReference = [];
        private ExplainableTree _tree = null!;
        private double[] _reference = [];

        public void Run(ExplainableTree tree, double[] reference)
        {
            _tree = tree;
            _reference = reference;
            Visit(0);
        }

        private void Visit(int node)
        {
            if (_tree.IsLeaf(node))
            {
                AddLeaf(_tree.Values[node]);
                return;
            }

            var feature = _tree.Feature[node];
            var rowChild = _tree.Next(node, x);
            var referenceChild = _tree.Next(node, _reference);
            switch (_state[feature])
            {
                case FromRow:
                    Visit(rowChild);
                    return;
                case FromReference:
                    Visit(referenceChild);
                    return;
            }

            if (rowChild == referenceChild)
            {
                Visit(rowChild);
                return;
            }

            _state[feature] = FromRow;
            _fromRow.Add(feature);
            Visit(rowChild);
            _fromRow.RemoveAt(_fromRow.Count - 1);

            _state[feature] = FromReference;
            _fromReference.Add(feature);
            Visit(referenceChild);
            _fromReference.RemoveAt(_fromReference.Count - 1);
            _state[feature] = Unassigned;
        }

        private void AddLeaf(double[] value)
        {
            var u = _fromRow.Count;
            var v = _fromReference.Count;
            if (u + v == 0)
            {
                return;
            }

            var total = logFactorial[u + v];
            var rowWeight = u > 0 ? Math.Exp(logFactorial[u - 1] + logFactorial[v] - total) : 0;
            var referenceWeight = v > 0 ? Math.Exp(logFactorial[u] + logFactorial[v - 1] - total) : 0;
            for (var o = 0; o < value.Length; o++)
            {
                var target = phi[o];
                var leaf = value[o];
                foreach (var j in _fromRow)
                {
                    target[j] += rowWeight * leaf;
                }

                foreach (var j in _fromReference)
                {
                    target[j] -= referenceWeight * leaf;
                }
            }
        }
    }
}
