namespace MlopsAgents.Plugins.Evaluation.Explanations;

/// <summary>Small dense linear solves for the explainers' regressions.</summary>
internal static class DenseSolver
{
    /// <summary>
    /// Solves A·x = b by Gaussian elimination with partial pivoting; A and b are left unchanged. A pivot that
    /// vanishes (a singular system) leaves that unknown at 0, which keeps an unidentifiable coefficient out of the answer.
    /// </summary>
    public static double[] Solve(double[,] a, double[] b)
    {
        var n = b.Length;
        var m = (double[,])a.Clone();
        var rhs = (double[])b.Clone();
        var scale = 0.0;
        for (var i = 0; i < n; i++)
        {
            scale = Math.Max(scale, Math.Abs(m[i, i]));
        }

        var tiny = Math.Max(scale, 1e-300) * 1e-13;
        var usable = new bool[n];
        for (var col = 0; col < n; col++)
        {
            var best = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(m[r, col]) > Math.Abs(m[best, col]))
                {
                    best = r;
                }
            }

            if (best != col)
            {
                for (var c = 0; c < n; c++)
                {
                    (m[col, c], m[best, c]) = (m[best, c], m[col, c]);
                }

                (rhs[col], rhs[best]) = (rhs[best], rhs[col]);
            }

            usable[col] = Math.Abs(m[col, col]) > tiny;
            if (!usable[col])
            {
                continue;
            }

            for (var r = col + 1; r < n; r++)
            {
                var factor = m[r, col] / m[col, col];
                if (factor == 0)
                {
                    continue;
                }

                for (var c = col; c < n; c++)
                {
                    m[r, c] -= factor * m[col, c];
                }

                rhs[r] -= factor * rhs[col];
            }
        }

        var x = new double[n];
        for (var row = n - 1; row >= 0; row--)
        {
            if (!usable[row])
            {
                continue;
            }

            var sum = rhs[row];
            for (var c = row + 1; c < n; c++)
            {
                sum -= m[row, c] * x[c];
            }

            x[row] = sum / m[row, row];
        }

        return x;
    }

    /// <summary>
    /// Weighted least squares: minimizes Σ_i w_i (y_i − x_i·β)² + ridge·‖β‖². Rows of <paramref name="x"/> are samples.
    /// </summary>
    public static double[] WeightedLeastSquares(double[][] x, double[] y, double[] w, double ridge)
    {
        var p = x.Length == 0 ? 0 : x[0].Length;
        var normal = new double[p, p];
        var rhs = new double[p];
        for (var i = 0; i < x.Length; i++)
        {
            var row = x[i];
            var wi = w[i];
            if (wi == 0)
            {
                continue;
            }

            for (var a = 0; a < p; a++)
            {
                var wa = wi * row[a];
                if (wa == 0)
                {
                    continue;
                }

                rhs[a] += wa * y[i];
                for (var b = a; b < p; b++)
                {
                    normal[a, b] += wa * row[b];
                }
            }
        }

        for (var a = 0; a < p; a++)
        {
            normal[a, a] += ridge;
            for (var b = 0; b < a; b++)
            {
                normal[a, b] = normal[b, a];
            }
        }

        return Solve(normal, rhs);
    }
}
