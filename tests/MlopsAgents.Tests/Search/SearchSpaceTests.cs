using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Search;

namespace MlopsAgents.Tests.Search;

public sealed class SearchSpaceTests
{
    private static readonly AlgorithmSpec XgBoost = AlgorithmCatalog.Find(AlgorithmCatalog.XgBoost)!;
    private static readonly AlgorithmSpec Forest = AlgorithmCatalog.Find(AlgorithmCatalog.RandomForest)!;

    [Fact]
    public void Grid_IntStepsAndValues_EnumeratesExactlyTheProduct()
    {
        var options = new HpoOptions
        {
            Method = SearchMethods.Grid,
            MaxTrials = 100,
            SearchSpace = new Dictionary<string, SearchDimension>
            {
                ["max_depth"] = new() { Type = "int", Low = 2, High = 4 },
                ["eta"] = new() { Type = "log_float", Low = 0.01, High = 1, Steps = 3 },
                ["subsample"] = new() { Type = "float", Low = 0.5, High = 1, Values = [0.5, 1.0] },
            },
        };

        var grid = SearchSpace.Create(options, XgBoost).Grid();

        // Dimensions in ordinal order of their names (eta, max_depth, subsample), the first varying slowest.
        var expected = new List<(double Eta, long Depth, double Subsample)>();
        foreach (var eta in new[] { 0.01, 0.1, 1.0 })
        {
            foreach (var depth in new long[] { 2, 3, 4 })
            {
                foreach (var subsample in new[] { 0.5, 1.0 })
                {
                    expected.Add((eta, depth, subsample));
                }
            }
        }

        Assert.Equal(18, grid.Count);
        for (var i = 0; i < grid.Count; i++)
        {
            Assert.Equal(expected[i].Eta, (double)grid[i]["eta"], 12);
            Assert.Equal(expected[i].Depth, (long)grid[i]["max_depth"]);
            Assert.Equal(expected[i].Subsample, (double)grid[i]["subsample"]);
        }
    }

    [Fact]
    public void Grid_Categorical_UsesTheValuesAsTheCatalogTypes()
    {
        var options = new HpoOptions
        {
            Method = SearchMethods.Grid,
            SearchSpace = new Dictionary<string, SearchDimension>
            {
                ["bootstrap"] = new() { Type = "categorical", Values = [true, false] },
                ["max_features"] = new() { Type = "categorical", Values = ["sqrt", "all"] },
            },
        };

        var grid = SearchSpace.Create(options, Forest).Grid();

        Assert.Equal(
            ["True|sqrt", "True|all", "False|sqrt", "False|all"],
            grid.Select(p => $"{p["bootstrap"]}|{p["max_features"]}"));
        Assert.IsType<bool>(grid[0]["bootstrap"]);
    }

    [Fact]
    public void Sample_SameSeed_SamePointsWithinRange()
    {
        var space = SearchSpace.Create(new HpoOptions
        {
            SearchSpace = new Dictionary<string, SearchDimension>
            {
                ["max_depth"] = new() { Type = "int", Low = 2, High = 8 },
                ["eta"] = new() { Type = "log_float", Low = 0.001, High = 0.5 },
            },
        }, XgBoost);

        var a = Enumerable.Range(0, 50).Select(_ => space.Sample(new Random(7))).ToArray();
        var random1 = new Random(7);
        var random2 = new Random(7);
        var first = Enumerable.Range(0, 50).Select(_ => space.Sample(random1)).ToArray();
        var second = Enumerable.Range(0, 50).Select(_ => space.Sample(random2)).ToArray();

        Assert.Equal(first.Select(space.Key), second.Select(space.Key));
        Assert.All(first, p =>
        {
            Assert.InRange((long)p["max_depth"], 2, 8);
            Assert.InRange((double)p["eta"], 0.001, 0.5);
        });
        Assert.True(first.Select(p => (long)p["max_depth"]).Distinct().Count() == 7, "every integer in 2..8 is drawn in 50 tries");
        Assert.Single(a.Select(space.Key).Distinct());
    }

    [Fact]
    public void Encode_LogFloatAndInt_UnitScaledOnTheirScales()
    {
        var space = SearchSpace.Create(new HpoOptions
        {
            SearchSpace = new Dictionary<string, SearchDimension>
            {
                ["eta"] = new() { Type = "log_float", Low = 0.01, High = 1 },
                ["max_depth"] = new() { Type = "int", Low = 1, High = 4 },
                ["num_round"] = new() { Type = "categorical", Values = [10L, 100L, 1000L] },
            },
        }, XgBoost);

        var x = space.Encode(new Dictionary<string, object> { ["eta"] = 0.1, ["max_depth"] = 2L, ["num_round"] = 100L });

        Assert.Equal(5, space.EncodedWidth);
        Assert.Equal(0.5, x[0], 12);
        Assert.Equal(1.5 / 4, x[1], 12);
        Assert.Equal([0.0, 1.0, 0.0], x[2..]);
    }
}
