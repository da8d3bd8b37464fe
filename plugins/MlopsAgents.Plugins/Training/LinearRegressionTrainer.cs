namespace MlopsAgents.Plugins.Training;

/// <summary>
/// Ordinary least squares (alpha = 0) or ridge regression (alpha &gt; 0), solved exactly by Cholesky on the normal
/// equations. With fit_intercept the data are centred first, so the intercept is not penalized.
/// </summary>
public sealed class LinearRegressionTrainer : IModelTrainer
{
    public string Algorithm => AlgorithmCatalog.LinearRegression;

    public ITrainedModel Train(TrainingData train, TrainingData? validation, IReadOnlyDictionary<string, object> hyperparameters, int seed, IProgress<string>? progress = null)
    {
        TrainingGuards.Check(train, Algorithm, ModelTask.Regression);
        var values = HyperparameterValues.For(Algorithm, hyperparameters);
        var alpha = values.GetDouble("alpha");
        var fitIntercept = values.GetBool("fit_intercept");
        if (alpha < 0 || !double.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(hyperparameters), alpha, "alpha must be a finite number >= 0.");
        }

        var (coefficients, intercept) = Fit(train.Features, train.Labels, alpha, fitIntercept);
        progress?.Report(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"linear_regression: solved {train.FeatureCount} coefficients on {train.RowCount} rows (alpha={alpha})."));
        return new LinearRegressionModel(train.FeatureNames, coefficients, intercept);
    }

    /// <summary>Solves min ||y - Xw - b||² + alpha·||w||² exactly.</summary>
    public static (double[] Coefficients, double Intercept) Fit(double[][] x, double[] y, double alpha, bool fitIntercept)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var n = x.Length;
        var d = n == 0 ? 0 : x[0].Length;
        var xMean = new double[d];
        var yMean = 0.0;
        if (fitIntercept && n > 0)
        {
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < d; j++)
                {
                    xMean[j] += x[i][j];
                }

                yMean += y[i];
            }

            for (var j = 0; j < d; j++)
            {
                xMean[j] /= n;
            }

            yMean /= n;
        }

        // Normal equations on centred data: (XcᵀXc + alpha·I) w = Xcᵀyc.
        var a = new double[d, d];
        var b = new double[d];
        var row = new double[d];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                row[j] = x[i][j] - xMean[j];
            }

            var yi = y[i] - yMean;
            for (var j = 0; j < d; j++)
            {
                b[j] += row[j] * yi;
                for (var k = 0; k <= j; k++)
                {
                    a[j, k] += row[j] * row[k];
                }
            }
        }

        for (var j = 0; j < d; j++)
        {
            a[j, j] += alpha;
            for (var k = 0; k < j; k++)
            {
                a[k, j] = a[j, k];
            }
        }

        var w = SolveSymmetric(a, b);
        var intercept = fitIntercept ? yMean - Dot(xMean, w) : 0.0;
        return (w, intercept);
    }

    /// <summary>
    /// Cholesky solve of a symmetric positive semi-definite system. A singular matrix (collinear or constant features)
    /// gets a growing diagonal jitter, which picks a near minimum-norm solution.
    /// </summary>
    internal static double[] SolveSymmetric(double[,] a, double[] b)
    {
        var d = b.Length;
        var scale = 0.0;
        for (var j = 0; j < d; j++)
        {
            scale = Math.Max(scale, Math.Abs(a[j, j]));
        }

        scale = scale > 0 ? scale : 1.0;
        for (var jitter = 0.0; ; jitter = jitter == 0 ? scale * 1e-12 : jitter * 100)
        {
            if (TryCholesky(a, jitter, out var l))
            {
                return CholeskySolve(l, b);
            }

            if (jitter > scale)
            {
                throw new InvalidOperationException("The normal equations could not be factorized even with regularization; the features may contain NaN or infinite values.");
            }
        }
    }

    private static bool TryCholesky(double[,] a, double jitter, out double[,] l)
    {
        var d = a.GetLength(0);
        l = new double[d, d];
        for (var j = 0; j < d; j++)
        {
            var sum = a[j, j] + jitter;
            for (var k = 0; k < j; k++)
            {
                sum -= l[j, k] * l[j, k];
            }

            // A pivot that is tiny relative to the diagonal means the matrix is numerically singular.
            if (!(sum > 1e-13 * (Math.Abs(a[j, j]) + jitter)) || !double.IsFinite(sum))
            {
                return false;
            }

            var pivot = Math.Sqrt(sum);
            l[j, j] = pivot;
            for (var i = j + 1; i < d; i++)
            {
                var s = a[i, j];
                for (var k = 0; k < j; k++)
                {
                    s -= l[i, k] * l[j, k];
                }

                l[i, j] = s / pivot;
            }
        }

        return true;
    }

    private static double[] CholeskySolve(double[,] l, double[] b)
    {
        var d = b.Length;
        var z = new double[d];
        for (var i = 0; i < d; i++)
        {
            var s = b[i];
            for (var k = 0; k < i; k++)
            {
                s -= l[i, k] * z[k];
            }

            z[i] = s / l[i, i];
        }

        var w = new double[d];
        for (var i = d - 1; i >= 0; i--)
        {
            var s = z[i];
            for (var k = i + 1; k < d; k++)
            {
                s -= l[k, i] * w[k];
            }

            w[i] = s / l[i, i];
        }

        return w;
    }

    internal static double Dot(double[] a, double[] b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }
}

/// <summary>A fitted linear regression: prediction = intercept + coefficients · x.</summary>
public sealed class LinearRegressionModel : TrainedModel
{
    private readonly double[] _coefficients;

    public LinearRegressionModel(IReadOnlyList<string> featureNames, double[] coefficients, double intercept)
        : base(AlgorithmCatalog.LinearRegression, ModelTask.Regression, featureNames, [])
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        if (coefficients.Length != featureNames.Count)
        {
            throw new ArgumentException($"{coefficients.Length} coefficients for {featureNames.Count} features.", nameof(coefficients));
        }

        _coefficients = coefficients.ToArray();
        Intercept = intercept;
    }

    public IReadOnlyList<double> Coefficients => _coefficients;
    public double Intercept { get; }

    internal static LinearRegressionModel Load(string directory)
    {
        var document = ModelFile.ReadDocument<LinearParameters>(directory);
        return new LinearRegressionModel(document.FeatureNames, document.Parameters.Coefficients, document.Parameters.Intercept);
    }

    private protected override double[][] PredictCore(double[][] features) =>
        features.Select(row => new[] { Intercept + LinearRegressionTrainer.Dot(_coefficients, row) }).ToArray();

    private protected override void SaveCore(string directory) =>
        WriteDocument(directory, new LinearParameters(_coefficients, Intercept));

    internal sealed record LinearParameters(double[] Coefficients, double Intercept);
}
