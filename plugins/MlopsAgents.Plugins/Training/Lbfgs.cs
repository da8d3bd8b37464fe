namespace MlopsAgents.Plugins.Training;

/// <summary>The outcome of an L-BFGS minimization.</summary>
public sealed record LbfgsResult(double[] Solution, double Value, int Iterations, bool Converged, string StopReason);

/// <summary>
/// Limited-memory BFGS with a backtracking Armijo line search. Meant for smooth convex objectives (where the curvature
/// condition holds automatically); a pair that breaks it is skipped rather than corrupting the Hessian estimate.
/// </summary>
public static class Lbfgs
{
    /// <summary>64 machine epsilons, the ftol scikit-learn passes to scipy's L-BFGS-B.</summary>
    public const double DefaultRelativeTolerance = 64 * 2.220446049250313e-16;

    /// <summary>
    /// Minimizes <paramref name="objective"/>, which returns f(x) and writes ∇f(x) into its second argument. Stops when
    /// max|∇f| &lt;= <paramref name="gradientTolerance"/> (scipy's pgtol), when the relative decrease of f falls to
    /// <paramref name="relativeTolerance"/> (scipy's ftol), or after <paramref name="maxIterations"/>.
    /// </summary>
    public static LbfgsResult Minimize(
        Func<double[], double[], double> objective,
        double[] start,
        int maxIterations,
        double gradientTolerance,
        double relativeTolerance = DefaultRelativeTolerance,
        int memory = 10)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(start);
        var n = start.Length;
        var x = start.ToArray();
        var g = new double[n];
        var f = objective(x, g);
        if (!double.IsFinite(f))
        {
            throw new ArgumentException("The objective is not finite at the starting point.", nameof(start));
        }

        var s = new List<double[]>(memory);
        var y = new List<double[]>(memory);
        var rho = new List<double>(memory);
        var alphaHistory = new double[memory];
        var direction = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];

        if (MaxAbs(g) <= gradientTolerance)
        {
            return new LbfgsResult(x, f, 0, true, "gradient below tolerance");
        }

        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            // Two-loop recursion: direction = -H·g.
            Array.Copy(g, direction, n);
            for (var i = s.Count - 1; i >= 0; i--)
            {
                alphaHistory[i] = rho[i] * Dot(s[i], direction);
                Axpy(-alphaHistory[i], y[i], direction);
            }

            var gamma = s.Count > 0 ? Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]) : 1.0;
            for (var j = 0; j < n; j++)
            {
                direction[j] *= gamma;
            }

            for (var i = 0; i < s.Count; i++)
            {
                var beta = rho[i] * Dot(y[i], direction);
                Axpy(alphaHistory[i] - beta, s[i], direction);
            }

            for (var j = 0; j < n; j++)
            {
                direction[j] = -direction[j];
            }

            var slope = Dot(g, direction);
            if (!(slope < 0))
            {
                // Not a descent direction: forget the history and fall back to steepest descent.
                s.Clear();
                y.Clear();
                rho.Clear();
                for (var j = 0; j < n; j++)
                {
                    direction[j] = -g[j];
                }

                slope = -Dot(g, g);
            }

            var step = s.Count == 0 ? Math.Min(1.0, 1.0 / Math.Sqrt(-slope)) : 1.0;
            double fNew;
            var accepted = false;
            for (var trial = 0; ; trial++)
            {
                for (var j = 0; j < n; j++)
                {
                    xNew[j] = x[j] + step * direction[j];
                }

                fNew = objective(xNew, gNew);
                if (double.IsFinite(fNew) && fNew <= f + 1e-4 * step * slope)
                {
                    accepted = true;
                    break;
                }

                if (trial >= 50)
                {
                    break;
                }

                // Minimizer of the quadratic through f, slope and fNew, kept within [0.1, 0.5] of the current step.
                var next = double.IsFinite(fNew) ? -slope * step * step / (2 * (fNew - f - slope * step)) : 0.1 * step;
                step = Math.Clamp(next, 0.1 * step, 0.5 * step);
            }

            if (!accepted)
            {
                return new LbfgsResult(x, f, iteration, false, "line search found no decrease");
            }

            var sNew = new double[n];
            var yNew = new double[n];
            for (var j = 0; j < n; j++)
            {
                sNew[j] = xNew[j] - x[j];
                yNew[j] = gNew[j] - g[j];
            }

            var sy = Dot(sNew, yNew);
            if (sy > 1e-10 * Dot(yNew, yNew))
            {
                if (s.Count == memory)
                {
                    s.RemoveAt(0);
                    y.RemoveAt(0);
                    rho.RemoveAt(0);
                }

                s.Add(sNew);
                y.Add(yNew);
                rho.Add(1.0 / sy);
            }

            var decrease = (f - fNew) / Math.Max(Math.Max(Math.Abs(f), Math.Abs(fNew)), 1.0);
            Array.Copy(xNew, x, n);
            Array.Copy(gNew, g, n);
            f = fNew;
            if (MaxAbs(g) <= gradientTolerance)
            {
                return new LbfgsResult(x, f, iteration, true, "gradient below tolerance");
            }

            if (decrease <= relativeTolerance)
            {
                return new LbfgsResult(x, f, iteration, true, "relative decrease below tolerance");
            }
        }

        return new LbfgsResult(x, f, maxIterations, false, "reached max_iter");
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (var i = 0; i < x.Length; i++)
        {
            y[i] += a * x[i];
        }
    }

    private static double MaxAbs(double[] v)
    {
        var max = 0.0;
        foreach (var value in v)
        {
            max = Math.Max(max, Math.Abs(value));
        }

        return max;
    }
}
