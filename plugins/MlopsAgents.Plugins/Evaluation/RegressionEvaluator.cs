namespace MlopsAgents.Plugins.Evaluation;

/// <summary>Computes regression metrics, following scikit-learn's definitions.</summary>
public static class RegressionEvaluator
{
    /// <summary>
    /// RMSE, MAE, R² and MAPE of <paramref name="predicted"/> against <paramref name="actual"/>. R² follows scikit-learn
    /// for a constant target: 1 when the predictions are perfect, 0 otherwise. MAPE is a fraction averaged over the rows
    /// whose actual value is not 0, and 0 when there is no such row.
    /// </summary>
    public static RegressionReport Evaluate(double[] actual, double[] predicted)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException($"There are {actual.Length} actual values but {predicted.Length} predictions.", nameof(predicted));
        }

        if (actual.Length == 0)
        {
            throw new ArgumentException("The set is empty.", nameof(actual));
        }

        for (var i = 0; i < actual.Length; i++)
        {
            if (!double.IsFinite(actual[i]) || !double.IsFinite(predicted[i]))
            {
                throw new ArgumentException($"Row {i} holds a value that is not finite (actual {actual[i]}, predicted {predicted[i]}).", nameof(predicted));
            }
        }

        var n = actual.Length;
        var mean = actual.Average();
        double squaredErrors = 0, absoluteErrors = 0, totalSquares = 0, percentageErrors = 0;
        var nonZeroRows = 0;
        for (var i = 0; i < n; i++)
        {
            var error = actual[i] - predicted[i];
            squaredErrors += error * error;
            absoluteErrors += Math.Abs(error);
            totalSquares += (actual[i] - mean) * (actual[i] - mean);
            if (actual[i] != 0)
            {
                percentageErrors += Math.Abs(error) / Math.Abs(actual[i]);
                nonZeroRows++;
            }
        }

        var r2 = totalSquares != 0
            ? 1.0 - (squaredErrors / totalSquares)
            : squaredErrors == 0 ? 1.0 : 0.0;

        return new RegressionReport(
            Rmse: Math.Sqrt(squaredErrors / n),
            Mae: absoluteErrors / n,
            R2: r2,
            Mape: nonZeroRows == 0 ? 0.0 : percentageErrors / nonZeroRows);
    }
}
