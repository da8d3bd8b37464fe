namespace MlopsAgents.Plugins.Training.Unsupervised;

/// <summary>Principal component analysis: centre the rows, eigen-decompose their covariance, keep the leading components.</summary>
public static class Pca
{
    public static PcaModel Fit(double[][] x, int components)
    {
        var d = Rows.CheckMatrix(x, nameof(x));
        var n = x.Length;
        var limit = Math.Min(n, d);
        if (components < 1 || components > limit)
        {
            throw new ArgumentException($"n_components must be between 1 and min(rows, columns) = {limit}, got {components}.", nameof(components));
        }

        var mean = new double[d];
        foreach (var row in x)
        {
            for (var j = 0; j < d; j++)
            {
                mean[j] += row[j];
            }
        }

        for (var j = 0; j < d; j++)
        {
            mean[j] /= n;
        }

        var centred = x.Select(r => r.Select((v, j) => v - mean[j]).ToArray()).ToArray();
        var covariance = new double[d][];
        for (var a = 0; a < d; a++)
        {
            covariance[a] = new double[d];
        }

        var denominator = Math.Max(n - 1, 1);
        for (var a = 0; a < d; a++)
        {
            for (var b = a; b < d; b++)
            {
                var sum = 0.0;
                foreach (var row in centred)
                {
                    sum += row[a] * row[b];
                }

                covariance[a][b] = covariance[b][a] = sum / denominator;
            }
        }

        var (values, vectors) = SymmetricEigen.Decompose(covariance);

        // Rounding can leave the eigenvalues of a rank-deficient covariance slightly below zero.
        var variances = values.Select(v => Math.Max(v, 0)).ToArray();
        var total = variances.Sum();
        var kept = new double[components][];
        for (var k = 0; k < components; k++)
        {
            kept[k] = vectors[k];
            FlipSign(kept[k], centred);
        }

        var ratios = variances.Take(components).Select(v => total > 0 ? v / total : 0.0).ToArray();
        return new PcaModel(mean, kept, variances.Take(components).ToArray(), ratios);
    }

    /// <summary>
    /// scikit-learn's svd_flip (u-based, 1.2): the sign makes the largest-magnitude score of the component on the
    /// training rows (the first such row on ties) positive, so the components match scikit-learn's.
    /// </summary>
    private static void FlipSign(double[] component, double[][] centred)
    {
        var bestAbs = -1.0;
        var bestScore = 0.0;
        foreach (var row in centred)
        {
            var score = 0.0;
            for (var j = 0; j < row.Length; j++)
            {
                score += row[j] * component[j];
            }

            if (Math.Abs(score) > bestAbs)
            {
                bestAbs = Math.Abs(score);
                bestScore = score;
            }
        }

        if (bestScore < 0)
        {
            for (var j = 0; j < component.Length; j++)
            {
                component[j] = -component[j];
            }
        }
    }
}

/// <summary>Fitted PCA: mean, unit components (rows, largest variance first), their variances and explained-variance ratios.</summary>
public sealed class PcaModel : IUnsupervisedModel
{
    public PcaModel(double[] mean, double[][] components, double[] explainedVariance, double[] explainedVarianceRatio)
    {
        ArgumentNullException.ThrowIfNull(mean);
        Rows.CheckMatrix(components, nameof(components), mean.Length);
        ArgumentNullException.ThrowIfNull(explainedVariance);
        ArgumentNullException.ThrowIfNull(explainedVarianceRatio);
        if (explainedVariance.Length != components.Length || explainedVarianceRatio.Length != components.Length)
        {
            throw new ArgumentException("There must be one explained variance and one ratio per component.", nameof(explainedVariance));
        }

        Mean = (double[])mean.Clone();
        Components = components.Select(c => (double[])c.Clone()).ToArray();
        ExplainedVariance = (double[])explainedVariance.Clone();
        ExplainedVarianceRatio = (double[])explainedVarianceRatio.Clone();
    }

    public string Algorithm => UnsupervisedAlgorithms.Pca;
    public int FeatureCount => Mean.Count;
    public int ComponentCount => Components.Count;
    public IReadOnlyList<double> Mean { get; }

    /// <summary>Unit-length components, one per row, in scikit-learn's sign convention.</summary>
    public IReadOnlyList<double[]> Components { get; }

    /// <summary>Variance along each component (divisor n − 1), largest first.</summary>
    public IReadOnlyList<double> ExplainedVariance { get; }

    /// <summary>Share of the total variance along each component, largest first.</summary>
    public IReadOnlyList<double> ExplainedVarianceRatio { get; }

    /// <summary>Projects rows onto the components: (x − mean) · componentsᵀ.</summary>
    public double[][] Transform(double[][] rows)
    {
        Rows.CheckMatrix(rows, nameof(rows), FeatureCount, allowEmpty: true);
        var result = new double[rows.Length][];
        for (var i = 0; i < rows.Length; i++)
        {
            result[i] = new double[ComponentCount];
            for (var k = 0; k < ComponentCount; k++)
            {
                var component = Components[k];
                var sum = 0.0;
                for (var j = 0; j < component.Length; j++)
                {
                    sum += (rows[i][j] - Mean[j]) * component[j];
                }

                result[i][k] = sum;
            }
        }

        return result;
    }

    public void Save(string directory) =>
        UnsupervisedModelFile.Write(directory, Algorithm, Requests.TaskTypes.DimensionalityReduction, FeatureCount,
            new Parameters(Mean.ToArray(), Components.ToArray(), ExplainedVariance.ToArray(), ExplainedVarianceRatio.ToArray()));

    public static PcaModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var p = UnsupervisedModelFile.ReadParameters<Parameters>(directory, UnsupervisedAlgorithms.Pca);
        if (p.Mean is null || p.Components is null || p.ExplainedVariance is null || p.ExplainedVarianceRatio is null)
        {
            throw new InvalidDataException($"The PCA model in '{directory}' is missing its mean, components or variances.");
        }

        return new PcaModel(p.Mean, p.Components, p.ExplainedVariance, p.ExplainedVarianceRatio);
    }

    private sealed record Parameters(double[] Mean, double[][] Components, double[] ExplainedVariance, double[] ExplainedVarianceRatio);
}
