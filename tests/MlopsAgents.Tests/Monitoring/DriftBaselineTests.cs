using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Tests.Monitoring;

public sealed class DriftBaselineTests
{
    private static DataFrame SmallTable()
    {
        // age: 1..10 with one missing; city: a ×3, b ×2, c ×1 (and missing ×5).
        var rows = new List<string?[]>();
        string?[] cities = ["a", "b", "a", "c", "b", "a", null, null, null, null, null];
        for (var i = 0; i < 11; i++)
        {
            rows.Add([i < 10 ? (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : null, cities[i]]);
        }

        return new DataFrame(["age", "city"], rows);
    }

    [Fact]
    public void Build_SmallTable_QuantilesFrequenciesAndMissingRates()
    {
        var baseline = DriftBaseline.Build(SmallTable(), ["age", "city"], [[0.2, 0.8], [0.6, 0.4], [0.1, 0.9], [0.3, 0.7]], ["no", "yes"], binCount: 4);

        var age = baseline.Features[0];
        Assert.Equal(ColumnKind.Numeric, age.Kind);
        Assert.Equal(1.0 / 11, age.MissingRate, 1e-12);
        var numeric = age.Numeric!;
        // NumPy linear quantiles of 1..10: q·9 + 1.
        Assert.Equal(1.0, numeric.Quantiles["0"], 1e-12);
        Assert.Equal(1.45, numeric.Quantiles["0.05"], 1e-12);
        Assert.Equal(3.25, numeric.Quantiles["0.25"], 1e-12);
        Assert.Equal(5.5, numeric.Quantiles["0.5"], 1e-12);
        Assert.Equal(7.75, numeric.Quantiles["0.75"], 1e-12);
        Assert.Equal(9.55, numeric.Quantiles["0.95"], 1e-12);
        Assert.Equal(10.0, numeric.Quantiles["1"], 1e-12);
        Assert.Equal(5.5, numeric.Mean, 1e-12);
        Assert.Equal(Math.Sqrt(8.25), numeric.Std, 1e-12);
        Assert.Equal([1.0, 3.25, 5.5, 7.75, 10.0], numeric.Edges);
        // Bins [1, 3.25) = {1,2,3}, [3.25, 5.5) = {4,5}, [5.5, 7.75) = {6,7}, [7.75, 10] = {8,9,10}.
        Assert.Equal([0.3, 0.2, 0.2, 0.3], numeric.BinFractions.Select(f => Math.Round(f, 12)));
        Assert.Equal(0, numeric.BinOf(-100));
        Assert.Equal(3, numeric.BinOf(1e6));

        var city = baseline.Features[1];
        Assert.Equal(ColumnKind.Categorical, city.Kind);
        Assert.Equal(5.0 / 11, city.MissingRate, 1e-12);
        Assert.Equal(["a", "b", "c"], city.Categories!.Keys);
        Assert.Equal([0.5, 2.0 / 6, 1.0 / 6], city.Categories.Values.Select(v => Math.Round(v, 12)).Select(v => v).ToArray(), new RoundedComparer());

        var predictions = baseline.Predictions;
        Assert.Equal("classification", predictions.Task);
        Assert.Equal(0.25, predictions.ClassFrequencies!["no"], 1e-12);
        Assert.Equal(0.75, predictions.ClassFrequencies["yes"], 1e-12);
        Assert.Equal(0.3, predictions.MeanProbabilities!["no"], 1e-12);
        Assert.Equal(0.7, predictions.MeanProbabilities["yes"], 1e-12);
    }

    [Fact]
    public void Build_RegressionPredictions_HistogramOfValues_AndJsonRoundTrips()
    {
        var baseline = DriftBaseline.Build(SmallTable(), ["age"], [[1.0], [2.0], [2.0], [4.0]], [], new Dictionary<string, ColumnKind> { ["age"] = ColumnKind.Numeric }, binCount: 2);

        Assert.Equal("regression", baseline.Predictions.Task);
        Assert.Equal([1.0, 2.0, 4.0], baseline.Predictions.Values!.Edges);
        Assert.Equal([0.25, 0.75], baseline.Predictions.Values.BinFractions);

        var copy = DriftBaseline.FromJson(baseline.ToJson());
        Assert.Equal(baseline.Features[0].Numeric!.Edges, copy.Features[0].Numeric!.Edges);
        Assert.Equal(baseline.Features[0].Numeric!.Quantiles, copy.Features[0].Numeric!.Quantiles);
        Assert.Contains("\"missing_rate\"", baseline.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownColumn_Throws()
    {
        Assert.Throws<ArgumentException>(() => DriftBaseline.Build(SmallTable(), ["salary"], [], []));
    }

    private sealed class RoundedComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-12;

        public int GetHashCode(double obj) => 0;
    }
}
