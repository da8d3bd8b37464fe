using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Tests.DataPreparation;

public sealed class ImbalanceHandlerTests
{
    /// <summary>Ten rows of class "major" on a line, four of class "minor" at the corners of a rectangle.</summary>
    private static TrainingData Imbalanced()
    {
        var features = new List<double[]>();
        var labels = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            features.Add([i, 10.0]);
            labels.Add(0);
        }

        foreach (var corner in new[] { new[] { 0.0, 0.0 }, [4.0, 0.0], [0.0, 2.0], [4.0, 2.0] })
        {
            features.Add(corner);
            labels.Add(1);
        }

        return new TrainingData([.. features], [.. labels], ["x", "y"], ["major", "minor"]);
    }

    [Fact]
    public void Smote_Default_BalancesWithPointsOnSegmentsToNearestMinorityNeighbours()
    {
        var data = Imbalanced();
        const int K = 2;

        var result = ImbalanceHandler.Apply(data, new ImbalanceOptions { Method = ImbalanceMethods.Smote, Neighbors = K, Seed = 3 });

        Assert.Equal(new Dictionary<string, int> { ["major"] = 10, ["minor"] = 4 }, result.CountsBefore);
        Assert.Equal(new Dictionary<string, int> { ["major"] = 10, ["minor"] = 10 }, result.CountsAfter);
        Assert.Equal(data.Features, result.Data.Features.Take(14));
        var minority = data.Features[10..];
        var synthetic = result.Data.Features[14..];
        Assert.Equal(6, synthetic.Length);
        Assert.All(result.Data.Labels[14..], l => Assert.Equal(1.0, l));
        Assert.All(synthetic, s => Assert.True(OnSegmentToANeighbour(s, minority, K), $"({s[0]}, {s[1]}) is on no segment"));
    }

    [Fact]
    public void Smote_SameSeed_SameRows()
    {
        var options = new ImbalanceOptions { Method = ImbalanceMethods.Smote, Seed = 9 };

        Assert.Equal(ImbalanceHandler.Apply(Imbalanced(), options).Data.Features, ImbalanceHandler.Apply(Imbalanced(), options).Data.Features);
    }

    [Fact]
    public void Smote_HalfRatio_GrowsTheMinorityToHalfTheMajority()
    {
        var result = ImbalanceHandler.Apply(Imbalanced(), new ImbalanceOptions { Method = ImbalanceMethods.Smote, TargetRatio = 0.5 });

        Assert.Equal(5, result.CountsAfter["minor"]);
    }

    [Fact]
    public void Smote_NominalFeature_CopiedFromTheBaseRow()
    {
        var result = ImbalanceHandler.Apply(Imbalanced(), new ImbalanceOptions { Method = ImbalanceMethods.Smote, NominalFeatures = [1] });

        Assert.All(result.Data.Features[14..], s => Assert.Contains(s[1], new[] { 0.0, 2.0 }));
    }

    [Fact]
    public void Undersample_Default_ShrinksEveryClassToTheSmallest()
    {
        var data = Imbalanced();

        var result = ImbalanceHandler.Apply(data, new ImbalanceOptions { Method = ImbalanceMethods.Undersample, Seed = 1 });

        Assert.Equal(new Dictionary<string, int> { ["major"] = 4, ["minor"] = 4 }, result.CountsAfter);
        Assert.Equal(data.Features[10..], result.Data.Features[4..]);
        Assert.All(result.Data.Features[..4], row => Assert.Contains(row, data.Features[..10]));
        Assert.Equal(result.Data.Features[..4].OrderBy(r => r[0]), result.Data.Features[..4]);
    }

    [Fact]
    public void Undersample_HalfRatio_KeepsTwiceTheMinority()
    {
        var result = ImbalanceHandler.Apply(Imbalanced(), new ImbalanceOptions { Method = ImbalanceMethods.Undersample, TargetRatio = 0.5 });

        Assert.Equal(8, result.CountsAfter["major"]);
        Assert.Equal(4, result.CountsAfter["minor"]);
    }

    [Fact]
    public void ClassWeight_Balanced_IsRowsOverClassesTimesCount()
    {
        var result = ImbalanceHandler.Apply(Imbalanced(), new ImbalanceOptions { Method = ImbalanceMethods.ClassWeight });

        // n = 14, k = 2: 14/(2·10) and 14/(2·4).
        Assert.Equal([0.7, 1.75], result.ClassWeights!);
        Assert.Equal([.. Enumerable.Repeat(0.7, 10), .. Enumerable.Repeat(1.75, 4)], result.Data.SampleWeights!);
        Assert.Equal(result.CountsBefore, result.CountsAfter);
    }

    [Fact]
    public void BalancedClassWeights_AbsentClass_WeightZeroAndNotCounted()
    {
        Assert.Equal([1.5, 0.0, 0.75], ImbalanceHandler.BalancedClassWeights([3, 0, 6]));
    }

    [Fact]
    public void Apply_Regression_Throws()
    {
        var data = new TrainingData([[1.0], [2.0]], [0.5, 1.5], ["x"], []);

        Assert.Throws<ArgumentException>(() => ImbalanceHandler.Apply(data, new ImbalanceOptions()));
    }

    [Fact]
    public void Subset_WithSampleWeights_KeepsTheRowsWeights()
    {
        var data = ImbalanceHandler.Apply(Imbalanced(), new ImbalanceOptions { Method = ImbalanceMethods.ClassWeight }).Data;

        var subset = CrossValidation.Subset(data, [0, 12]);

        Assert.Equal([0.7, 1.75], subset.SampleWeights!);
    }

    private static bool OnSegmentToANeighbour(double[] point, double[][] minority, int k)
    {
        foreach (var a in minority)
        {
            var neighbours = minority.Where(b => b != a).OrderBy(b => Distance(a, b)).Take(k);
            foreach (var b in neighbours)
            {
                // point = a + g(b - a) for one g in [0, 1] in every coordinate.
                var g = Math.Abs(b[0] - a[0]) > 0 ? (point[0] - a[0]) / (b[0] - a[0]) : (point[1] - a[1]) / (b[1] - a[1]);
                if (g >= 0 && g <= 1 && Enumerable.Range(0, 2).All(j => Math.Abs(a[j] + g * (b[j] - a[j]) - point[j]) < 1e-12))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static double Distance(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());
}
