using MlopsAgents.Plugins.Evaluation;

namespace MlopsAgents.Tests.Evaluation;

public sealed class ClusteringVarianceExplainedTests
{
    [Fact]
    public void VarianceExplained_TwoTightGroups_IsOneMinusWithinOverTotalSumOfSquares()
    {
        // Groups {0, 2} and {10, 12}: within SS 1+1+1+1 = 4; overall mean 6, total SS 36+16+16+36 = 104.
        double[][] x = [[0.0], [2.0], [10.0], [12.0]];

        Assert.Equal(1 - 4.0 / 104.0, ClusteringMetrics.VarianceExplained(x, [0, 0, 1, 1]), 12);
        Assert.Equal(0.0, ClusteringMetrics.VarianceExplained(x, [0, 0, 0, 0]), 12);
        Assert.Equal(1.0, ClusteringMetrics.VarianceExplained(x, [0, 1, 2, 3]), 12);
    }

    [Fact]
    public void VarianceExplained_IdenticalRows_IsNaN()
    {
        Assert.True(double.IsNaN(ClusteringMetrics.VarianceExplained([[1.0, 2.0], [1.0, 2.0]], [0, 1])));
    }

    [Fact]
    public void VarianceExplained_LabelCountDiffersFromRows_Throws()
    {
        Assert.Throws<ArgumentException>(() => ClusteringMetrics.VarianceExplained([[1.0], [2.0]], [0]));
    }
}
