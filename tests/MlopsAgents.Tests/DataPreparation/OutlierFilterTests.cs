using System.Globalization;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Tests.DataPreparation;

public sealed class OutlierFilterTests
{
    private static DataFrame Frame(IEnumerable<(string? A, string? B)> rows) =>
        new(["a", "b"], rows.Select(r => new[] { r.A, r.B }).ToList());

    private static string Text(double v) => v.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Apply_IqrOnOneColumn_RemovesTheValueBeyondTheFences()
    {
        // 1..10 and 100: Q1 = 3.5, Q3 = 8.5, fences 3.5 - 7.5 = -4 and 8.5 + 7.5 = 16.
        var frame = Frame(Enumerable.Range(1, 10).Select(i => ((string?)Text(i), (string?)"x")).Append(("100", "x")));

        var (kept, result) = OutlierFilter.Apply(frame, ["a"]);

        Assert.Equal(1, result.Removed);
        Assert.Equal(10, kept.RowCount);
        Assert.Equal(Enumerable.Range(0, 10), result.KeptRows);
        Assert.Equal(1, result.FlaggedByColumn["a"]);
    }

    [Fact]
    public void Apply_IqrOnTwoColumns_RemovesARowFlaggedByEither()
    {
        var rows = Enumerable.Range(1, 10).Select(i => ((string?)Text(i), (string?)Text(i))).ToList();
        rows.Add(("-50", "5"));
        rows.Add(("5", "60"));
        rows.Add((null, "5"));

        var (_, result) = OutlierFilter.Apply(Frame(rows), ["a", "b"]);

        Assert.Equal(2, result.Removed);
        Assert.Equal([.. Enumerable.Range(0, 10), 12], result.KeptRows);
    }

    [Fact]
    public void Apply_ZScore_RemovesBeyondThreeStandardDeviations()
    {
        // Twenty zeros and 100: mean 100/21, population std ≈ 21.3, so 100 sits at z ≈ 4.5 and the zeros at 0.22.
        var frame = Frame(Enumerable.Repeat(((string?)"0", (string?)"x"), 20).Append(("100", "x")));

        var (_, result) = OutlierFilter.Apply(frame, ["a"], new OutlierOptions { Method = OutlierMethods.ZScore });

        Assert.Equal(1, result.Removed);
        Assert.DoesNotContain(20, result.KeptRows);
    }

    [Fact]
    public void Apply_ZScoreWideThreshold_RemovesNothing()
    {
        var frame = Frame(Enumerable.Repeat(((string?)"0", (string?)"x"), 20).Append(("100", "x")));

        var (_, result) = OutlierFilter.Apply(frame, ["a"], new OutlierOptions { Method = OutlierMethods.ZScore, ZThreshold = 5 });

        Assert.Equal(0, result.Removed);
    }

    [Fact]
    public void Apply_TrainingData_KeepsLabelsAndWeightsOfKeptRows()
    {
        var features = Enumerable.Range(1, 10).Select(i => new double[] { i }).Append([100.0]).ToArray();
        var data = new TrainingData(features, [.. Enumerable.Range(0, 11).Select(i => (double)i)], ["a"], []) { SampleWeights = [.. Enumerable.Repeat(2.0, 11)] };

        var (kept, result) = OutlierFilter.Apply(data);

        Assert.Equal(1, result.Removed);
        Assert.Equal(10, kept.RowCount);
        Assert.Equal(9.0, kept.Labels[^1]);
        Assert.Equal(10, kept.SampleWeights!.Length);
    }
}
