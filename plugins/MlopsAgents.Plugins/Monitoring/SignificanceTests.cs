namespace MlopsAgents.Plugins.Monitoring;

/// <summary>The outcome of a two-sample test: the statistic, its two-sided p-value and, for t, the degrees of freedom.</summary>
public sealed record SignificanceResult(string Test, double Statistic, double PValue, double? DegreesOfFreedom)
{
    /// <summary>True when the p-value is below <paramref name="alpha"/>.</summary>
    public bool IsSignificant(double alpha = 0.05) => PValue < alpha;
}

/// <summary>
/// Two-sample tests for A/B comparisons, matching SciPy: the two-proportion z-test (pooled, as
/// statsmodels' <c>proportions_ztest</c>) for accuracy, and Welch's t-test (<c>scipy.stats.ttest_ind(equal_var=False)</c>)
/// for a continuous metric such as absolute error.
/// </summary>
public static class SignificanceTests
{
    /// <summary>Two-sided pooled z-test of successesA/nA against successesB/nB.</summary>
    public static SignificanceResult TwoProportionZ(long successesA, long nA, long successesB, long nB)
    {
        if (nA <= 0 || nB <= 0)
        {
            throw new ArgumentException($"Both samples need at least one observation; got nA = {nA}, nB = {nB}.");
        }

        if (successesA < 0 || successesA > nA || successesB < 0 || successesB > nB)
        {
            throw new ArgumentException($"Successes must lie between 0 and the sample size; got {successesA}/{nA} and {successesB}/{nB}.");
        }

        var pA = successesA / (double)nA;
        var pB = successesB / (double)nB;
        var pooled = (successesA + successesB) / (double)(nA + nB);
        var se = Math.Sqrt(pooled * (1 - pooled) * ((1.0 / nA) + (1.0 / nB)));
        if (se == 0)
        {
            // Both samples all-success or all-failure: no evidence of a difference.
            return new SignificanceResult("two-proportion z", 0, 1, null);
        }

        var z = (pA - pB) / se;
        return new SignificanceResult("two-proportion z", z, NormalTwoSidedP(z), null);
    }

    /// <summary>Two-sided Welch t-test of the means of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static SignificanceResult WelchT(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count < 2 || b.Count < 2)
        {
            throw new ArgumentException($"Welch's t-test needs at least 2 values per sample; got {a.Count} and {b.Count}.");
        }

        var (meanA, varA) = MeanVariance(a);
        var (meanB, varB) = MeanVariance(b);
        var sA = varA / a.Count;
        var sB = varB / b.Count;
        if (sA + sB == 0)
        {
            return new SignificanceResult("Welch t", 0, meanA == meanB ? 1 : 0, null);
        }

        var t = (meanA - meanB) / Math.Sqrt(sA + sB);
        var df = (sA + sB) * (sA + sB) / ((sA * sA / (a.Count - 1)) + (sB * sB / (b.Count - 1)));
        return new SignificanceResult("Welch t", t, StudentTwoSidedP(t, df), df);
    }

    /// <summary>P(|Z| ≥ |z|) for a standard normal Z: erfc(|z|/√2), which is Q(1/2, z²/2).</summary>
    public static double NormalTwoSidedP(double z) => DriftStatistics.RegularizedGammaQ(0.5, z * z / 2);

    /// <summary>P(|T| ≥ |t|) for Student's t with <paramref name="df"/> degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).</summary>
    public static double StudentTwoSidedP(double t, double df) => RegularizedIncompleteBeta(df / 2, 0.5, df / (df + (t * t)));

    /// <summary>The regularised incomplete beta function I_x(a, b), by Lentz's continued fraction.</summary>
    public static double RegularizedIncompleteBeta(double a, double b, double x)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        var logFront = DriftStatistics.LogGamma(a + b) - DriftStatistics.LogGamma(a) - DriftStatistics.LogGamma(b) + (a * Math.Log(x)) + (b * Math.Log(1 - x));

        // The continued fraction converges fast only below the mean a/(a+b); above it, use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a).
        return x < (a + 1) / (a + b + 2)
            ? Math.Exp(logFront) * BetaContinuedFraction(a, b, x) / a
            : 1 - (Math.Exp(logFront) * BetaContinuedFraction(b, a, 1 - x) / b);
    }

    private static double BetaContinuedFraction(double a, double b, double x)
    {
        const double Tiny = 1e-300;
        const double Epsilon = 1e-15;
        var qab = a + b;
        var qap = a + 1;
        var qam = a - 1;
        var c = 1.0;
        var d = 1 - (qab * x / qap);
        d = Math.Abs(d) < Tiny ? Tiny : d;
        d = 1 / d;
        var h = d;
        for (var m = 1; m <= 10_000; m++)
        {
            var m2 = 2 * m;
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + (aa * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + (aa * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < Epsilon)
            {
                break;
            }
        }

        return h;
    }

    private static (double Mean, double Variance) MeanVariance(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += (v - mean) * (v - mean);
        }

        return (mean, sum / (values.Count - 1));
    }
}
