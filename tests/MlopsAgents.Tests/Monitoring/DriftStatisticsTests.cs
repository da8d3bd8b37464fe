using System.Text.Json;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Tests.Monitoring;

/// <summary>Drift statistics against SciPy 1.10.1 values in TestData/Drift/drift_fixtures.json (see make_fixtures.py).</summary>
public sealed class DriftStatisticsTests
{
    private static readonly JsonElement[] Cases = LoadCases();

    public static TheoryData<string> NumericCases() => Names("numeric");

    public static TheoryData<string> CategoricalCases() => Names("categorical");

    [Theory]
    [MemberData(nameof(NumericCases))]
    public void KolmogorovSmirnov_FixtureCase_MatchesScipy(string name)
    {
        var c = Case(name);
        var (statistic, p) = DriftStatistics.KolmogorovSmirnov(Sorted(c, "reference"), Sorted(c, "current"));
        Assert.Equal(c.GetProperty("ks_statistic").GetDouble(), statistic, 1e-12);
        var expected = c.GetProperty("ks_pvalue").GetDouble();
        var tolerance = c.GetProperty("ks_mode").GetString() == "exact" ? 1e-8 : 1e-4;
        Assert.True(Math.Abs(p - expected) <= tolerance * expected, $"{name}: p {p:R} vs SciPy {expected:R}");
    }

    [Theory]
    [MemberData(nameof(NumericCases))]
    public void Wasserstein_FixtureCase_MatchesScipy(string name)
    {
        var c = Case(name);
        var reference = Sorted(c, "reference");
        var distance = DriftStatistics.Wasserstein(reference, Sorted(c, "current"));
        Assert.Equal(c.GetProperty("wasserstein").GetDouble(), distance, 1e-9);
        var feature = new DriftDetector().CompareNumeric(name, reference, Sorted(c, "current"));
        Assert.Equal(c.GetProperty("wasserstein_norm").GetDouble(), feature.Statistics["wasserstein_norm"], 1e-9);
    }

    [Theory]
    [MemberData(nameof(CategoricalCases))]
    public void CompareCategorical_FixtureCase_ChiSquareAndJensenShannonMatchScipy(string name)
    {
        var c = Case(name);
        var feature = new DriftDetector().CompareCategorical(name, Strings(c, "reference"), Strings(c, "current"));
        Assert.Equal(c.GetProperty("chi_square_statistic").GetDouble(), feature.Statistics["chi_square"], 1e-9);
        var expectedP = c.GetProperty("chi_square_pvalue").GetDouble();
        Assert.True(Math.Abs(feature.Statistics["chi_square_p_value"] - expectedP) <= 1e-8 * expectedP, $"{name}: p {feature.Statistics["chi_square_p_value"]:R} vs {expectedP:R}");
        Assert.Equal(c.GetProperty("jensen_shannon").GetDouble(), feature.Statistics["jensen_shannon"], 1e-12);
    }

    [Fact]
    public void RegularizedGammaQ_KnownValues_MatchClosedForms()
    {
        // Q(1, x) = e^{-x}; Q(1/2, x) = erfc(√x); chi-square with 1 df on (10,0) vs (5,5): statistic 10, p = erfc(√5).
        Assert.Equal(Math.Exp(-3), DriftStatistics.RegularizedGammaQ(1, 3), 1e-15);
        Assert.Equal(0.157299207050285, DriftStatistics.RegularizedGammaQ(0.5, 1), 1e-13);
        Assert.Equal(0.001565402258002549, DriftStatistics.ChiSquare([10, 0], [5, 5]).PValue, 1e-14);
    }

    [Fact]
    public void ChiSquare_CategoryAbsentFromReference_InfiniteStatisticZeroP()
    {
        var (statistic, p) = DriftStatistics.ChiSquare([3, 2], [5, 0]);
        Assert.True(double.IsPositiveInfinity(statistic));
        Assert.Equal(0, p);
    }

    [Fact]
    public void JensenShannon_DisjointSupports_IsSqrtLn2()
    {
        Assert.Equal(Math.Sqrt(Math.Log(2)), DriftStatistics.JensenShannon([1, 0], [0, 1]), 1e-15);
        Assert.Equal(0, DriftStatistics.JensenShannon([0.2, 0.8], [2, 8]), 1e-15);
    }

    [Fact]
    public void FillZeroes_EmptyBins_GetEvidentlyEpsilon()
    {
        Assert.Equal([0.5, 0.0001, 0.5], DriftStatistics.FillZeroes([0.5, 0, 0.5]));
        Assert.Equal([0.00005, 5e-11, 0.99995], DriftStatistics.FillZeroes([0.00005, 0, 0.99995]));
    }

    internal static JsonElement Case(string name) => Cases.Single(c => c.GetProperty("name").GetString() == name);

    internal static double[] Sorted(JsonElement c, string property) =>
        c.GetProperty(property).EnumerateArray().Select(v => v.GetDouble()).Order().ToArray();

    internal static string[] Strings(JsonElement c, string property) =>
        c.GetProperty(property).EnumerateArray().Select(v => v.GetString()!).ToArray();

    private static TheoryData<string> Names(string kind)
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.Where(c => c.GetProperty("kind").GetString() == kind))
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    private static JsonElement[] LoadCases()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "Drift", "drift_fixtures.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.Clone()).ToArray();
    }
}
