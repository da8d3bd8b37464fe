namespace MlopsAgents.Plugins.Training.Unsupervised;

/// <summary>Eigen-decomposition of a real symmetric matrix by cyclic Jacobi rotations, accurate to rounding for the small matrices PCA needs.</summary>
internal static class SymmetricEigen
{
    /// <summary>Eigenvalues in descending order and the matching unit eigenvectors (one per row of the second array).</summary>
    public static (double[] Values, double[][] Vectors) Decompose(double[][] symmetric)
    {
        var n = symmetric.Length;
        var a = symmetric.Select(r => (double[])r.Clone()).ToArray();
        var v = new double[n][];
        for (var i = 0; i < n; i++)
        {
            v[i] = new double[n];
            v[i][i] = 1.0;
        }

        for (var sweep = 0; sweep < 100; sweep++)
        {
            var offDiagonal = 0.0;
            var scale = 0.0;
            for (var p = 0; p < n; p++)
            {
                scale += a[p][p] * a[p][p];
                for (var q = p + 1; q < n; q++)
                {
                    offDiagonal += a[p][q] * a[p][q];
                }
            }

            if (offDiagonal == 0 || offDiagonal <= 1e-32 * scale)
            {
                break;
            }

            for (var p = 0; p < n - 1; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    Rotate(a, v, p, q);
                }
            }
        }

        var order = Enumerable.Range(0, n).OrderByDescending(i => a[i][i]).ThenBy(i => i).ToArray();
        var values = order.Select(i => a[i][i]).ToArray();

        // v holds eigenvectors as columns; return them as rows.
        var vectors = order.Select(i => Enumerable.Range(0, n).Select(r => v[r][i]).ToArray()).ToArray();
        return (values, vectors);
    }

    private static void Rotate(double[][] a, double[][] v, int p, int q)
    {
        var apq = a[p][q];
        if (apq == 0)
        {
            return;
        }

        // The stable rotation of Numerical Recipes / Golub–Van Loan: t is the smaller root of t² + 2θt − 1 = 0.
        var theta = (a[q][q] - a[p][p]) / (2 * apq);
        var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
        if (theta == 0)
        {
            t = 1;
        }
        else if (double.IsInfinity(theta * theta))
        {
            t = 1 / (2 * theta);
        }

        var c = 1 / Math.Sqrt((t * t) + 1);
        var s = t * c;
        var n = a.Length;
        for (var k = 0; k < n; k++)
        {
            var akp = a[k][p];
            var akq = a[k][q];
            a[k][p] = (c * akp) - (s * akq);
            a[k][q] = (s * akp) + (c * akq);
        }

        for (var k = 0; k < n; k++)
        {
            var apk = a[p][k];
            var aqk = a[q][k];
            a[p][k] = (c * apk) - (s * aqk);
            a[q][k] = (s * apk) + (c * aqk);
        }

        for (var k = 0; k < n; k++)
        {
            var vkp = v[k][p];
            var vkq = v[k][q];
            v[k][p] = (c * vkp) - (s * vkq);
            v[k][q] = (s * vkp) + (c * vkq);
        }
    }
}
