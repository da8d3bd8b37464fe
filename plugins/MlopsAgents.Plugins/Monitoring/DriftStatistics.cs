namespace MlopsAgents.Plugins.Monitoring;

/// <summary>
/// The two-sample statistics behind drift detection, written to reproduce SciPy 1.10: <c>stats.ks_2samp</c>
/// (method "auto"), <c>stats.wasserstein_distance</c>, <c>stats.chisquare</c> and <c>spatial.distance.jensenshannon</c>.
/// </summary>
public static class DriftStatistics
{
    /// <summary>ks_2samp switches from the exact to the asymptotic p-value above this many values in either sample.</summary>
    public const int MaxExactKsSize = 10000;

    /// <summary>
    /// Two-sided two-sample Kolmogorov–Smirnov test on <b>sorted</b> samples. As SciPy's method="auto": exact
    /// (lattice-path count) when both samples hold at most <see cref="MaxExactKsSize"/> values, otherwise the
    /// distribution of the one-sample statistic at n = round(n1·n2/(n1+n2)) (scipy.stats.kstwo).
    /// </summary>
    public static (double Statistic, double PValue) KolmogorovSmirnov(double[] sortedReference, double[] sortedCurrent)
    {
        ArgumentNullException.ThrowIfNull(sortedReference);
        ArgumentNullException.ThrowIfNull(sortedCurrent);
        int n1 = sortedReference.Length, n2 = sortedCurrent.Length;
        if (n1 == 0 || n2 == 0)
        {
            throw new ArgumentException("Both samples must hold at least one value.");
        }

        var d = KsStatistic(sortedReference, sortedCurrent);
        if (Math.Max(n1, n2) <= MaxExactKsSize)
        {
            var g = Gcd(n1, n2);
            var lcm = (long)(n1 / g) * n2;
            var h = (long)Math.Round(d * lcm, MidpointRounding.ToEven);
            var exactD = (double)h / lcm;
            if (h == 0)
            {
                return (exactD, 1.0);
            }

            var p = n1 == n2 ? ProbOutsideSquare(n1, h) : ProbOutsideLattice(n1, n2, g, h);
            if (double.IsFinite(p) && p is >= 0 and <= 1)
            {
                return (exactD, p);
            }
        }

        double m = Math.Max(n1, n2), n = Math.Min(n1, n2);
        var en = Math.Round(m * n / (m + n), MidpointRounding.ToEven);
        return (d, Math.Clamp(KolmogorovSf((int)en, d), 0, 1));
    }

    /// <summary>sup |F_ref − F_cur| over all observed values, computed as SciPy does (counts ÷ n in floating point).</summary>
    public static double KsStatistic(double[] sortedA, double[] sortedB)
    {
        int n1 = sortedA.Length, n2 = sortedB.Length;
        int i = 0, j = 0;
        double maxPlus = 0, maxMinus = 0;
        while (i < n1 || j < n2)
        {
            var v = j >= n2 || (i < n1 && sortedA[i] <= sortedB[j]) ? sortedA[i] : sortedB[j];
            while (i < n1 && sortedA[i] <= v)
            {
                i++;
            }

            while (j < n2 && sortedB[j] <= v)
            {
                j++;
            }

            var diff = (double)i / n1 - (double)j / n2;
            maxPlus = Math.Max(maxPlus, diff);
            maxMinus = Math.Max(maxMinus, -diff);
        }

        return Math.Max(maxPlus, maxMinus);
    }

    /// <summary>Wasserstein-1 distance between the empirical distributions of two <b>sorted</b> samples (scipy.stats.wasserstein_distance).</summary>
    public static double Wasserstein(double[] sortedA, double[] sortedB)
    {
        ArgumentNullException.ThrowIfNull(sortedA);
        ArgumentNullException.ThrowIfNull(sortedB);
        int n1 = sortedA.Length, n2 = sortedB.Length;
        if (n1 == 0 || n2 == 0)
        {
            throw new ArgumentException("Both samples must hold at least one value.");
        }

        // Walk the merged order: between consecutive merged values the CDFs are constant.
        int i = 0, j = 0;
        var sum = 0.0;
        var previous = Math.Min(sortedA[0], sortedB[0]);
        while (i < n1 || j < n2)
        {
            var v = j >= n2 || (i < n1 && sortedA[i] <= sortedB[j]) ? sortedA[i] : sortedB[j];
            sum += Math.Abs((double)i / n1 - (double)j / n2) * (v - previous);
            previous = v;
            if (j >= n2 || (i < n1 && sortedA[i] <= sortedB[j]))
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return sum;
    }

    /// <summary>Population standard deviation (NumPy's np.std).</summary>
    public static double PopulationStd(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var mean = values.Average();
        var ss = 0.0;
        foreach (var v in values)
        {
            ss += (v - mean) * (v - mean);
        }

        return Math.Sqrt(ss / values.Count);
    }

    /// <summary>
    /// Pearson's chi-square goodness of fit (scipy.stats.chisquare): Σ (o−e)²/e with k−1 degrees of freedom. A cell
    /// with an observed count but zero expectation makes the statistic infinite and the p-value 0.
    /// </summary>
    public static (double Statistic, double PValue) ChiSquare(IReadOnlyList<double> observed, IReadOnlyList<double> expected)
    {
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(expected);
        if (observed.Count != expected.Count || observed.Count == 0)
        {
            throw new ArgumentException("Observed and expected counts must be non-empty and of equal length.");
        }

        var statistic = 0.0;
        for (var i = 0; i < observed.Count; i++)
        {
            var diff = observed[i] - expected[i];
            if (expected[i] == 0)
            {
                statistic += diff == 0 ? 0 : double.PositiveInfinity;
                continue;
            }

            statistic += diff * diff / expected[i];
        }

        var df = observed.Count - 1;
        if (df == 0)
        {
            return (statistic, double.NaN);
        }

        return (statistic, double.IsPositiveInfinity(statistic) ? 0 : RegularizedGammaQ(df / 2.0, statistic / 2));
    }

    /// <summary>
    /// Jensen–Shannon distance (scipy.spatial.distance.jensenshannon, natural log, so at most √ln 2 ≈ 0.833): both
    /// vectors are normalised to sum 1, then √((KL(p‖m) + KL(q‖m)) / 2) with m = (p+q)/2.
    /// </summary>
    public static double JensenShannon(IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(q);
        if (p.Count != q.Count)
        {
            throw new ArgumentException("Both frequency vectors must have the same length.");
        }

        double sp = p.Sum(), sq = q.Sum(), js = 0;
        for (var i = 0; i < p.Count; i++)
        {
            double a = p[i] / sp, b = q[i] / sq, m = (a + b) / 2;
            js += RelativeEntropy(a, m) + RelativeEntropy(b, m);
        }

        return Math.Sqrt(Math.Max(js / 2, 0));
    }

    /// <summary>Population stability index Σ (cur−ref)·ln(cur/ref) over bins; shares must be positive (see <see cref="FillZeroes"/>).</summary>
    public static double PopulationStabilityIndex(IReadOnlyList<double> referenceShares, IReadOnlyList<double> currentShares)
    {
        ArgumentNullException.ThrowIfNull(referenceShares);
        ArgumentNullException.ThrowIfNull(currentShares);
        var psi = 0.0;
        for (var i = 0; i < referenceShares.Count; i++)
        {
            psi += (currentShares[i] - referenceShares[i]) * Math.Log(currentShares[i] / referenceShares[i]);
        }

        return psi;
    }

    /// <summary>
    /// Evidently's zero fill for binned shares, so that PSI and KL terms stay finite: every empty bin gets 0.0001, or
    /// the smallest non-zero share ÷ 10⁶ when that share is itself at most 0.0001. Returns a new array.
    /// </summary>
    public static double[] FillZeroes(IReadOnlyList<double> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        var result = shares.ToArray();
        var nonZero = result.Where(s => s != 0).DefaultIfEmpty(1).Min();
        var fill = nonZero <= 0.0001 ? nonZero / 1e6 : 0.0001;
        for (var i = 0; i < result.Length; i++)
        {
            if (result[i] == 0)
            {
                result[i] = fill;
            }
        }

        return result;
    }

    /// <summary>The regularized upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a): series below a+1, continued fraction above.</summary>
    public static double RegularizedGammaQ(double a, double x)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(a);
        if (x <= 0)
        {
            return 1;
        }

        var logPrefix = -x + a * Math.Log(x) - LogGamma(a);
        if (x < a + 1)
        {
            // P(a, x) = e^{-x} x^a / Γ(a+1) · Σ x^n / ((a+1)…(a+n))
            double term = 1 / a, sum = term;
            for (var n = 1; n < 10000; n++)
            {
                term *= x / (a + n);
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * 1e-17)
                {
                    break;
                }
            }

            return 1 - sum * Math.Exp(logPrefix);
        }

        // Lentz's method for the continued fraction of Γ(a, x).
        const double tiny = 1e-300;
        double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
        for (var i = 1; i < 10000; i++)
        {
            var an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < tiny)
            {
                d = tiny;
            }

            c = b + an / c;
            if (Math.Abs(c) < tiny)
            {
                c = tiny;
            }

            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(logPrefix) * h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, relative error about 1e-15).</summary>
    public static double LogGamma(double x)
    {
        ReadOnlySpan<double> coefficients =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        x -= 1;
        var sum = coefficients[0];
        for (var i = 1; i < coefficients.Length; i++)
        {
            sum += coefficients[i] / (x + i);
        }

        var t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    /// <summary>
    /// Survival function of the two-sided one-sample KS statistic D_n (scipy.stats.kstwo.sf), following SciPy's
    /// Simard–L'Ecuyer selection: Ruben–Gambino at the extremes, 2·Smirnov in the tail, Durbin's matrix (Marsaglia–
    /// Tsang–Wang) or the Pelz–Good expansion near the centre. SciPy uses Pomeranz's recursion for n ≤ 140 and
    /// 0.754693 &lt; n·x² ≤ 4; the Durbin matrix computes the same exact probability there.
    /// </summary>
    public static double KolmogorovSf(int n, double x)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (x >= 1)
        {
            return 0;
        }

        if (x <= 0)
        {
            return 1;
        }

        var t = n * x;
        if (t <= 1)
        {
            if (t <= 0.5)
            {
                return 1;
            }

            double prob;
            if (n <= 140)
            {
                prob = 1;
                for (var i = 1; i <= n; i++)
                {
                    prob *= i * (1.0 / n) * (2 * t - 1);
                }
            }
            else
            {
                prob = Math.Exp(LogFactorialOverPower(n) + n * Math.Log(2 * t - 1));
            }

            return Math.Clamp(1 - prob, 0, 1);
        }

        if (t >= n - 1)
        {
            return Math.Clamp(2 * Math.Pow(1 - x, n), 0, 1);
        }

        if (x >= 0.5)
        {
            return Math.Clamp(2 * SmirnovSf(n, x), 0, 1);
        }

        var nxSquared = t * x;
        if (n <= 140)
        {
            return nxSquared <= 4
                ? Math.Clamp(1 - DurbinMatrixCdf(n, x), 0, 1)
                : Math.Clamp(2 * SmirnovSf(n, x), 0, 1);
        }

        if (nxSquared >= 370)
        {
            return 0;
        }

        if (nxSquared >= 2.2)
        {
            return Math.Clamp(2 * SmirnovSf(n, x), 0, 1);
        }

        var cdf = n <= 100000 && n * Math.Pow(x, 1.5) <= 1.4 ? DurbinMatrixCdf(n, x) : PelzGoodCdf(n, x);
        return Math.Clamp(1 - cdf, 0, 1);
    }

    /// <summary>
    /// P(D⁺_n ≥ x), the one-sided statistic's survival (scipy.special.smirnov), by the Smirnov/Birnbaum–Tingey sum
    /// x·Σ_{j ≤ n(1−x)} C(n,j) (1−x−j/n)^{n−j} (x+j/n)^{j−1}, every term taken in log space (all terms are positive).
    /// </summary>
    public static double SmirnovSf(int n, double x)
    {
        if (x <= 0)
        {
            return 1;
        }

        if (x >= 1)
        {
            return 0;
        }

        var jMax = (int)Math.Floor(n * (1 - x));
        var logN1 = LogGamma(n + 1.0);
        var sum = 0.0;
        for (var j = 0; j <= jMax; j++)
        {
            var a = 1 - x - (double)j / n;
            if (a <= 0 && n - j > 0)
            {
                continue;
            }

            var logTerm = logN1 - LogGamma(j + 1.0) - LogGamma(n - j + 1.0)
                + (n - j) * Math.Log(a) + (j - 1) * Math.Log(x + (double)j / n);
            sum += Math.Exp(logTerm);
        }

        return x * sum;
    }

    private static double DurbinMatrixCdf(int n, double d)
    {
        var nd = n * d;
        if (nd <= 0.5)
        {
            return 0;
        }

        var k = (int)Math.Ceiling(nd);
        var h = k - nd;
        var m = 2 * k - 1;
        var v = new double[m];
        var w = new double[m];
        var fac = 1.0;
        for (var j = 1; j <= m; j++)
        {
            w[j - 1] = fac;
            fac /= j;
            v[j - 1] = (1 - Math.Pow(h, j)) * fac;
        }

        var tt = Math.Pow(Math.Max(2 * h - 1, 0), m) - 2 * Math.Pow(h, m);
        v[m - 1] = (1 + tt) * fac;

        var hMatrix = new double[m, m];
        for (var i = 1; i < m; i++)
        {
            for (var r = i - 1; r < m; r++)
            {
                hMatrix[r, i] = w[r - i + 1];
            }
        }

        for (var r = 0; r < m; r++)
        {
            hMatrix[r, 0] = v[r];
        }

        for (var c = 0; c < m; c++)
        {
            hMatrix[m - 1, c] = v[m - 1 - c];
        }

        var power = new double[m, m];
        for (var i = 0; i < m; i++)
        {
            power[i, i] = 1;
        }

        var scale = Math.Pow(2, 128);
        int exponent = 0, hExponent = 0;
        for (var nn = n; nn > 0; nn /= 2)
        {
            if (nn % 2 == 1)
            {
                power = Multiply(power, hMatrix);
                exponent += hExponent;
            }

            hMatrix = Multiply(hMatrix, hMatrix);
            hExponent *= 2;
            if (Math.Abs(hMatrix[k - 1, k - 1]) > scale)
            {
                for (var r = 0; r < m; r++)
                {
                    for (var c = 0; c < m; c++)
                    {
                        hMatrix[r, c] /= scale;
                    }
                }

                hExponent += 128;
            }
        }

        var p = power[k - 1, k - 1];
        for (var i = 1; i <= n; i++)
        {
            p = i * p / n;
            if (Math.Abs(p) < 1 / scale)
            {
                p *= scale;
                exponent -= 128;
            }
        }

        return Math.Clamp(Math.ScaleB(p, exponent), 0, 1);
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        var m = a.GetLength(0);
        var result = new double[m, m];
        for (var i = 0; i < m; i++)
        {
            for (var k = 0; k < m; k++)
            {
                var aik = a[i, k];
                if (aik == 0)
                {
                    continue;
                }

                for (var j = 0; j < m; j++)
                {
                    result[i, j] += aik * b[k, j];
                }
            }
        }

        return result;
    }

    private static double PelzGoodCdf(int n, double x)
    {
        var z = Math.Sqrt(n) * x;
        double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
        var qLog = -Math.PI * Math.PI / 8 / z2;
        if (qLog < -708)
        {
            return 0;
        }

        var q = Math.Exp(qLog);
        double pi2 = Math.PI * Math.PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
        double k1a = -z2, k1b = pi2 / 4;
        double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16;
        double k3d = pi6 * (5 - 30 * z2) / 64, k3c = pi4 * (-60 * z2 + 212 * z4) / 16, k3b = pi2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * Math.Pow(z, 8);
        var k = new double[4];
        var maxK = (int)Math.Ceiling(16 * z / Math.PI);
        for (var kk = maxK; kk > 0; kk--)
        {
            double m = 2 * kk - 1, m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
            var qPower = Math.Pow(q, 8 * kk);
            k[0] = k[0] * qPower + 1;
            k[1] = k[1] * qPower + k1a + k1b * m2;
            k[2] = k[2] * qPower + k2a + k2b * m2 + k2c * m4;
            k[3] = k[3] * qPower + k3a + k3b * m2 + k3c * m4 + k3d * m6;
        }

        var sqrt2Pi = Math.Sqrt(2 * Math.PI);
        double[] divisors = [z, 6 * z4, 72 * Math.Pow(z, 7), 6480 * Math.Pow(z, 10)];
        for (var i = 0; i < 4; i++)
        {
            k[i] = k[i] * q * sqrt2Pi / divisors[i];
        }

        var q2 = Math.Exp(-pi2 / 2 / z2);
        double k2Extra = 0, k3Extra = 0, sqrt3z = Math.Sqrt(3) * z;
        for (var kk = maxK; kk > 0; kk--)
        {
            double ks2 = (double)kk * kk, qp = Math.Pow(q2, ks2), kspi = Math.PI * kk;
            k2Extra += ks2 * qp;
            k3Extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
        }

        k[2] += k2Extra * pi2 * sqrt2Pi / (-36 * z3);
        k[3] += k3Extra * pi2 * sqrt2Pi / (216 * z6);
        var total = 0.0;
        for (var i = 0; i < 4; i++)
        {
            total += k[i] / Math.Pow(n, i / 2.0);
        }

        return total;
    }

    private static double LogFactorialOverPower(int n)
    {
        // ln(n!/nⁿ) by Stirling with the n·ln n term removed up front (SciPy's _log_nfactorial_div_n_pow_n).
        ReadOnlySpan<double> stirling =
        [
            -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
            -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
        ];
        var rn = 1.0 / n;
        var poly = 0.0;
        foreach (var c in stirling)
        {
            poly = poly * (rn / n) + c;
        }

        return Math.Log(n) / 2 - n + Math.Log(2 * Math.PI) / 2 + rn * poly;
    }

    private static double ProbOutsideSquare(int n, long h)
    {
        // Pr(D_{n,n} ≥ h/n) by SciPy's Horner-like alternating sum.
        var p = 0.0;
        var k = (long)Math.Floor((double)n / h);
        while (k >= 0)
        {
            var p1 = 1.0;
            for (long j = 0; j < h; j++)
            {
                p1 = (n - k * h - j) * p1 / (n + k * h + j + 1);
            }

            p = p1 * (1 - p);
            k--;
        }

        return 2 * p;
    }

    private static double ProbOutsideLattice(int n1, int n2, int g, long h)
    {
        // Share of monotone lattice paths (0,0)→(m,n) that touch |x·n/g − y·m/g| ≥ h. The walk is carried as
        // probabilities (a uniformly random path steps right from (x,y) with chance (m−x)/(m−x+n−y)), which never
        // overflows where path counts would.
        int m = Math.Max(n1, n2), n = Math.Min(n1, n2);
        long mg = m / g, ng = n / g;
        var column = new double[n + 1];
        var next = new double[n + 1];
        column[0] = 1;
        for (var y = 1; y <= n; y++)
        {
            var bad = Math.Abs(-y * mg) >= h;
            column[y] = bad ? 0 : column[y - 1] * UpChance(m, n, 0, y - 1);
        }

        for (var x = 1; x <= m; x++)
        {
            Array.Clear(next);
            var lo = Math.Max(0, FloorDiv(x * ng - h, mg) + 1);
            var hi = Math.Min(n, CeilDiv(x * ng + h, mg) - 1);
            for (var y = (int)lo; y <= hi; y++)
            {
                var fromLeft = column[y] * (1 - UpChance(m, n, x - 1, y));
                var fromBelow = y > lo ? next[y - 1] * UpChance(m, n, x, y - 1) : 0;
                next[y] = fromLeft + fromBelow;
            }

            (column, next) = (next, column);
        }

        return 1 - column[n];
    }

    private static double UpChance(int m, int n, int x, int y)
    {
        double right = m - x, up = n - y;
        return right + up == 0 ? 0 : up / (right + up);
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static long CeilDiv(long a, long b) => -FloorDiv(-a, b);

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    private static double RelativeEntropy(double a, double b) => a == 0 ? 0 : a * Math.Log(a / b);
}
