using System.Text.Json;
using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Tests.Monitoring;

/// <summary>The A/B significance tests against SciPy's values on committed fixtures (TestData/Significance/make_fixtures.py).</summary>
public sealed class SignificanceTestsTests
{
    private static readonly JsonElement Fixtures = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Significance", "significance_fixtures.json"))).RootElement;

    public static TheoryData<string> WelchCases() => [.. Fixtures.GetProperty("welch").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    public static TheoryData<string> ProportionCases() => [.. Fixtures.GetProperty("proportions").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    [Theory]
    [MemberData(nameof(WelchCases))]
    public void WelchT_FixtureCase_MatchesScipy(string name)
    {
        var c = Fixtures.GetProperty("welch").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        double[] Values(string key) => [.. c.GetProperty(key).EnumerateArray().Select(v => v.GetDouble())];

        var result = SignificanceTests.WelchT(Values("a"), Values("b"));

        Assert.Equal(c.GetProperty("t").GetDouble(), result.Statistic, 1e-9);
        Assert.Equal(c.GetProperty("df").GetDouble(), result.DegreesOfFreedom!.Value, 1e-7);
        Assert.Equal(c.GetProperty("p").GetDouble(), result.PValue, 1e-9);
    }

    [Theory]
    [MemberData(nameof(ProportionCases))]
    public void TwoProportionZ_FixtureCase_MatchesScipy(string name)
    {
        var c = Fixtures.GetProperty("proportions").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);

        var result = SignificanceTests.TwoProportionZ(c.GetProperty("x1").GetInt64(), c.GetProperty("n1").GetInt64(), c.GetProperty("x2").GetInt64(), c.GetProperty("n2").GetInt64());

        Assert.Equal(c.GetProperty("z").GetDouble(), result.Statistic, 1e-12);
        Assert.Equal(c.GetProperty("p").GetDouble(), result.PValue, 1e-12);
    }

    [Fact]
    public void TwoProportionZ_AllSuccessBothSides_IsNotSignificant()
    {
        var result = SignificanceTests.TwoProportionZ(10, 10, 20, 20);

        Assert.Equal(1.0, result.PValue);
        Assert.False(result.IsSignificant());
    }

    [Fact]
    public void TwoProportionZ_SuccessesAboveSampleSize_ThrowsNamingValues()
    {
        var error = Assert.Throws<ArgumentException>(() => SignificanceTests.TwoProportionZ(11, 10, 1, 10));

        Assert.Contains("11/10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WelchT_OneValueSample_ThrowsNamingCounts()
    {
        var error = Assert.Throws<ArgumentException>(() => SignificanceTests.WelchT([1.0], [1.0, 2.0]));

        Assert.Contains("got 1 and 2", error.Message, StringComparison.Ordinal);
    }
}
