namespace MlopsAgents.Plugins.Training.Search;

/// <summary>The stationary kernels the Gaussian process offers.</summary>
public enum KernelKind
{
    /// <summary>Matérn ν = 5/2: σ²(1 + √5 r/ℓ + 5r²/(3ℓ²))·exp(−√5 r/ℓ).</summary>
    Matern52,

    /// <summary>Squared exponential: σ²·exp(−r²/(2ℓ²)).</summary>
    Rbf,
}

/// <summary>Kernel settings: isotropic length scale ℓ, signal variance σ² and observation noise variance.</summary>
public sealed record GaussianProcessSettings(KernelKind Kernel, double LengthScale, double SignalVariance, double NoiseVariance);

/// <summary>
/// Exact Gaussian-process regression with a zero prior mean: the posterior at x is mean k(x)ᵀ(K + σₙ²I)⁻¹y and variance
/// k(x, x) − k(x)ᵀ(K + σₙ²I)⁻¹k(x), through a Cholesky factor. Callers standardize y first.
/// </summary>
public sealed class GaussianProcess
{
    private readonly double[][] _x;
    private readonly double[,] _cholesky;
    private readonly double[] _alpha;

    private GaussianProcess(double[][] x, double[,] cholesky, double[] alpha, GaussianProcessSettings settings, double logMarginalLikelihood)
    {
        _x = x;
        _cholesky = cholesky;
        _alpha = alpha;
        Settings = settings;
        LogMarginalLikelihood = logMarginalLikelihood;
    }

    public GaussianProcessSettings Settings { get; }

    /// <summary>log p(y | X) = −½yᵀα − Σ log Lᵢᵢ − (n/2) log 2π.</summary>
    public double LogMarginalLikelihood { get; }

    /// <summary>Conditions the process on observations <paramref name="y"/> at <paramref name="x"/>.</summary>
    public static GaussianProcess Fit(double[][] x, double[] y, GaussianProcessSettings settings)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(settings);
        if (x.Length != y.Length || x.Length == 0)
        {
            throw new ArgumentException($"Need as many targets as points, at least one; got {x.Length} points and {y.Length} targets.", nameof(y));
        }

        if (!(settings.LengthScale > 0) || !(settings.SignalVariance > 0) || !(settings.NoiseVariance >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings, "Length scale and signal variance must be > 0, noise variance >= 0.");
        }

        var n = x.Length;
        var k = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                k[i, j] = k[j, i] = Kernel(settings, x[i], x[j]);
            }

            // A little jitter keeps the factorization stable when two points coincide and the noise is 0.
            k[i, i] += settings.NoiseVariance + 1e-10 * settings.SignalVariance;
        }

        var l = Cholesky(k);
        var alpha = SolveUpper(l, SolveLower(l, y));
        var fit = 0.0;
        var logDet = 0.0;
        for (var i = 0; i < n; i++)
        {
            fit += y[i] * alpha[i];
            logDet += Math.Log(l[i, i]);
        }

        var lml = -0.5 * fit - logDet - 0.5 * n * Math.Log(2 * Math.PI);
        return new GaussianProcess(x.Select(r => r.ToArray()).ToArray(), l, alpha, settings, lml);
    }

    /// <summary>
    /// Fits one process per pair of length scale and noise variance (signal variance 1, for standardized targets) and
    /// keeps the one with the highest marginal likelihood.
    /// </summary>
    public static GaussianProcess FitByMarginalLikelihood(double[][] x, double[] y, KernelKind kernel, IReadOnlyList<double> lengthScales, IReadOnlyList<double> noiseVariances)
    {
        ArgumentNullException.ThrowIfNull(lengthScales);
        ArgumentNullException.ThrowIfNull(noiseVariances);
        GaussianProcess? best = null;
        foreach (var lengthScale in lengthScales)
        {
            foreach (var noise in noiseVariances)
            {
                var gp = Fit(x, y, new GaussianProcessSettings(kernel, lengthScale, 1.0, noise));
                if (best is null || gp.LogMarginalLikelihood > best.LogMarginalLikelihood)
                {
                    best = gp;
                }
            }
        }

        return best ?? throw new ArgumentException("Give at least one length scale and one noise variance.", nameof(lengthScales));
    }

    /// <summary>Posterior mean and variance of the latent function (without observation noise) at <paramref name="point"/>.</summary>
    public (double Mean, double Variance) Predict(double[] point)
    {
        ArgumentNullException.ThrowIfNull(point);
        var n = _x.Length;
        var ks = new double[n];
        var mean = 0.0;
        for (var i = 0; i < n; i++)
        {
            ks[i] = Kernel(Settings, point, _x[i]);
            mean += ks[i] * _alpha[i];
        }

        var v = SolveLower(_cholesky, ks);
        var variance = Settings.SignalVariance;
        for (var i = 0; i < n; i++)
        {
            variance -= v[i] * v[i];
        }

        return (mean, Math.Max(variance, 0));
    }

    public static double Kernel(GaussianProcessSettings settings, double[] a, double[] b)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var squared = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            squared += d * d;
        }

        var l = settings.LengthScale;
        if (settings.Kernel == KernelKind.Rbf)
        {
            return settings.SignalVariance * Math.Exp(-squared / (2 * l * l));
        }

        var s = Math.Sqrt(5 * squared) / l;
        return settings.SignalVariance * (1 + s + s * s / 3) * Math.Exp(-s);
    }

    private static double[,] Cholesky(double[,] a)
    {
        var n = a.GetLength(0);
        var l = new double[n, n];
        for (var j = 0; j < n; j++)
        {
            var diagonal = a[j, j];
            for (var k = 0; k < j; k++)
            {
                diagonal -= l[j, k] * l[j, k];
            }

            if (!(diagonal > 0))
            {
                throw new InvalidOperationException("The kernel matrix is not positive definite; add observation noise.");
            }

            l[j, j] = Math.Sqrt(diagonal);
            for (var i = j + 1; i < n; i++)
            {
                var sum = a[i, j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[i, k] * l[j, k];
                }

                l[i, j] = sum / l[j, j];
            }
        }

        return l;
    }

    private static double[] SolveLower(double[,] l, double[] b)
    {
        var n = b.Length;
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[i, k] * x[k];
            }

            x[i] = sum / l[i, i];
        }

        return x;
    }

    private static double[] SolveUpper(double[,] l, double[] b)
    {
        // Solves Lᵀx = b.
        var n = b.Length;
        var x = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var sum = b[i];
            for (var k = i + 1; k < n; k++)
            {
                sum -= l[k, i] * x[k];
            }

            x[i] = sum / l[i, i];
        }

        return x;
    }
}

/// <summary>Expected improvement for maximization.</summary>
public static class ExpectedImprovement
{
    /// <summary>
    /// E[max(f − best − ξ, 0)] for f ~ N(mean, variance): (μ − best − ξ)Φ(z) + σφ(z) with z = (μ − best − ξ)/σ, and
    /// max(μ − best − ξ, 0) when σ = 0.
    /// </summary>
    public static double Compute(double mean, double variance, double best, double xi = 0.01)
    {
        var improvement = mean - best - xi;
        var sigma = Math.Sqrt(Math.Max(variance, 0));
        if (sigma < 1e-12)
        {
            return Math.Max(improvement, 0);
        }

        var z = improvement / sigma;
        return Math.Max(improvement * NormalCdf(z) + sigma * NormalPdf(z), 0);
    }

    public static double NormalPdf(double z) => Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);

    /// <summary>Φ(z) through erfc, accurate to about 1e-7 (Numerical Recipes' Chebyshev fit).</summary>
    public static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    private static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1.0 / (1.0 + 0.5 * z);
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2.0 - r;
    }
}
