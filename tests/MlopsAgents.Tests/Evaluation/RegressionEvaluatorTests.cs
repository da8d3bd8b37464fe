using MlopsAgents.Plugins.Evaluation;

namespace MlopsAgents.Tests.Evaluation;

public sealed class RegressionEvaluatorTests
{
    private const int Precision = 12;

    [Fact]
    public void Evaluate_ScikitLearnDocExample_MatchesPublishedValues()
    {
        var report = RegressionEvaluator.Evaluate([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]);

        // r2_score 0.948..., mean_squared_error 0.375, mean_absolute_error 0.5 in the scikit-learn docs.
        Assert.Equal(0.9486081370449679, report.R2, Precision);
        Assert.Equal(Math.Sqrt(0.375), report.Rmse, Precision);
        Assert.Equal(0.5, report.Mae, Precision);

        // (0.5/3 + 0.5/0.5 + 0/2 + 1/7) / 4, as mean_absolute_percentage_error gives.
        Assert.Equal(0.3273809523809524, report.Mape, Precision);
    }

    [Fact]
    public void Evaluate_ActualZeros_LeftOutOfMape()
    {
        var report = RegressionEvaluator.Evaluate([0, 2, 4], [1, 1, 5]);

        Assert.Equal((0.5 + 0.25) / 2.0, report.Mape, Precision);
        Assert.Equal(1.0, report.Mae, Precision);
    }

    [Fact]
    public void Evaluate_AllActualZero_MapeIsZero()
    {
        var report = RegressionEvaluator.Evaluate([0, 0], [1, -1]);

        Assert.Equal(0.0, report.Mape);
        Assert.Equal(1.0, report.Rmse, Precision);
    }

    [Fact]
    public void Evaluate_ConstantTargetPerfectPrediction_R2IsOne()
    {
        var report = RegressionEvaluator.Evaluate([2, 2, 2], [2, 2, 2]);

        Assert.Equal(1.0, report.R2);
        Assert.Equal(0.0, report.Rmse);
    }

    [Fact]
    public void Evaluate_ConstantTargetImperfectPrediction_R2IsZero()
    {
        var report = RegressionEvaluator.Evaluate([2, 2, 2], [2, 2, 3]);

        Assert.Equal(0.0, report.R2);
    }

    [Fact]
    public void Evaluate_WorseThanMean_R2IsNegative()
    {
        // SSres = 4 + 0 + 4 = 8, SStot = 1 + 0 + 1 = 2.
        var report = RegressionEvaluator.Evaluate([1, 2, 3], [3, 2, 1]);

        Assert.Equal(-3.0, report.R2, Precision);
    }

    [Fact]
    public void Evaluate_InvalidInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => RegressionEvaluator.Evaluate([1, 2], [1]));
        Assert.Throws<ArgumentException>(() => RegressionEvaluator.Evaluate([], []));
        Assert.Throws<ArgumentException>(() => RegressionEvaluator.Evaluate([1, double.NaN], [1, 2]));
    }

    [Fact]
    public void ToMetricDictionary_HoldsRequestNames()
    {
        var metrics = RegressionEvaluator.Evaluate([1, 2, 3], [1, 2, 4]).ToMetricDictionary();

        Assert.Equal(["mae", "mape", "r2", "rmse"], metrics.Keys.Order(StringComparer.Ordinal));
    }
}
