using System.Globalization;
using MlopsAgents.Plugins.Deployment;

namespace MlopsAgents.Tests.Deployment;

public sealed class TrafficRouterTests
{
    private const string Model = "churn";
    private const int Keys = 20_000;

    [Fact]
    public void Choose_ManyKeysAt90To10_SplitsWithin3PercentOfWeights()
    {
        var router = RouterWith(Weights(("1.0.0", 90), ("1.1.0", 10)));

        var canary = Enumerable.Range(0, Keys).Count(i => router.Choose(Model, Key(i)).Version == "1.1.0");

        Assert.InRange(canary / (double)Keys, 0.07, 0.13);
    }

    [Fact]
    public void Choose_ThreeVersions_SplitsWithin3PercentOfWeights()
    {
        var router = RouterWith(Weights(("a", 50), ("b", 30), ("c", 20)));

        var counts = Enumerable.Range(0, Keys).GroupBy(i => router.Choose(Model, Key(i)).Version).ToDictionary(g => g.Key, g => g.Count() / (double)Keys);

        Assert.InRange(counts["a"], 0.47, 0.53);
        Assert.InRange(counts["b"], 0.27, 0.33);
        Assert.InRange(counts["c"], 0.17, 0.23);
    }

    [Fact]
    public void Choose_SameKey_AlwaysSameVersion()
    {
        var router = RouterWith(Weights(("1.0.0", 50), ("1.1.0", 50)));

        for (var i = 0; i < 200; i++)
        {
            var first = router.Choose(Model, Key(i)).Version;
            Assert.All(Enumerable.Range(0, 20), _ => Assert.Equal(first, router.Choose(Model, Key(i)).Version));
        }
    }

    [Fact]
    public void ByKey_DictionaryOrder_DoesNotChangeChoice()
    {
        var forward = new RoutingTable(Weights(("1.0.0", 70), ("1.1.0", 30)));
        var backward = new RoutingTable(Weights(("1.1.0", 30), ("1.0.0", 70)));

        Assert.All(Enumerable.Range(0, 1000), i => Assert.Equal(TrafficRouter.ByKey(forward, Key(i)), TrafficRouter.ByKey(backward, Key(i))));
    }

    [Fact]
    public void SetRouting_90To10Becomes50To50_MovesOnlyAbout40PercentOfKeysAllTowardsCanary()
    {
        var before = new RoutingTable(Weights(("1.0.0", 90), ("1.1.0", 10)));
        var after = new RoutingTable(Weights(("1.0.0", 50), ("1.1.0", 50)));

        var moves = Enumerable.Range(0, Keys)
            .Select(i => (From: TrafficRouter.ByKey(before, Key(i)), To: TrafficRouter.ByKey(after, Key(i))))
            .Where(m => m.From != m.To)
            .ToList();

        Assert.InRange(moves.Count / (double)Keys, 0.37, 0.43);
        Assert.All(moves, m => Assert.Equal(("1.0.0", "1.1.0"), m));
    }

    [Fact]
    public void SetRouting_ThirdVersionDrained_MovesOnlyItsKeys()
    {
        var before = new RoutingTable(Weights(("a", 40), ("b", 40), ("c", 20)));
        var after = new RoutingTable(Weights(("a", 40), ("b", 40), ("c", 0)));

        var moves = Enumerable.Range(0, Keys)
            .Select(i => (From: TrafficRouter.ByKey(before, Key(i)), To: TrafficRouter.ByKey(after, Key(i))))
            .Where(m => m.From != m.To)
            .ToList();

        Assert.All(moves, m => Assert.Equal("c", m.From));
        Assert.InRange(moves.Count / (double)Keys, 0.17, 0.23);
        Assert.InRange(moves.Count(m => m.To == "a") / (double)moves.Count, 0.45, 0.55);
    }

    [Fact]
    public void Choose_NoKey_CounterSplitMatchesWeightsClosely()
    {
        var router = RouterWith(Weights(("1.0.0", 90), ("1.1.0", 10)));

        var canary = Enumerable.Range(0, 1000).Count(_ => router.Choose(Model, null).Version == "1.1.0");

        Assert.InRange(canary, 95, 105);
    }

    [Fact]
    public void Choose_NoKeySameSeed_SameSequence()
    {
        var first = RouterWith(Weights(("a", 50), ("b", 50)), seed: 42);
        var second = RouterWith(Weights(("a", 50), ("b", 50)), seed: 42);

        Assert.Equal(
            Enumerable.Range(0, 100).Select(_ => first.Choose(Model, "").Version),
            Enumerable.Range(0, 100).Select(_ => second.Choose(Model, null).Version));
    }

    [Fact]
    public void Choose_ZeroWeight_NeverChosen()
    {
        var router = RouterWith(Weights(("1.0.0", 100), ("1.1.0", 0)));

        Assert.All(Enumerable.Range(0, 1000), i => Assert.Equal("1.0.0", router.Choose(Model, i % 2 == 0 ? Key(i) : null).Version));
    }

    [Fact]
    public void Choose_Shadowed_EveryRequestMirroredToShadowAndServedByPrimary()
    {
        var router = RouterWith(RoutingTable.Shadowed("1.0.0", "2.0.0"));

        var decisions = Enumerable.Range(0, 500).Select(i => router.Choose(Model, i % 2 == 0 ? Key(i) : null)).ToList();

        Assert.All(decisions, d => Assert.Equal(new RouteDecision("1.0.0", "2.0.0"), d));
    }

    [Fact]
    public void Choose_UnknownModel_ThrowsNamingIt()
    {
        var router = new TrafficRouter();

        var error = Assert.Throws<InvalidOperationException>(() => router.Choose("nope", null));
        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, 10, "weight -1")]
    [InlineData(0, 0, "positive weight")]
    public void RoutingTable_BadWeights_Throws(int first, int second, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new RoutingTable(Weights(("a", first), ("b", second))));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RoutingTable_ShadowAlsoServing_Throws()
    {
        Assert.Throws<ArgumentException>(() => new RoutingTable(Weights(("a", 50), ("b", 50)), shadowVersion: "b"));
    }

    private static TrafficRouter RouterWith(IReadOnlyDictionary<string, int> weights, long seed = 0) => RouterWith(new RoutingTable(weights), seed);

    private static TrafficRouter RouterWith(RoutingTable table, long seed = 0)
    {
        var router = new TrafficRouter(seed);
        router.SetRouting(Model, table);
        return router;
    }

    private static Dictionary<string, int> Weights(params (string Version, int Weight)[] weights) =>
        weights.ToDictionary(w => w.Version, w => w.Weight, StringComparer.Ordinal);

    private static string Key(int i) => "user-" + i.ToString(CultureInfo.InvariantCulture);
}
