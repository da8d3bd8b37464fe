using MlopsAgents.Plugins.Training.Reinforcement;

namespace MlopsAgents.Tests.Training.Reinforcement;

public sealed class ReplayBufferAndGaeTests
{
    private static Transition T(int i) => new([i], i % 2, i, [i + 1], false);

    [Fact]
    public void Add_PastCapacity_OverwritesOldest()
    {
        var buffer = new ReplayBuffer(3);
        for (var i = 0; i < 5; i++)
        {
            buffer.Add(T(i));
        }

        Assert.Equal(3, buffer.Count);
        Assert.Equal([2.0, 3.0, 4.0], Enumerable.Range(0, 3).Select(i => buffer[i].Reward));
    }

    [Fact]
    public void Sample_SameSeed_SameBatchFromHeldTransitionsOnly()
    {
        var buffer = new ReplayBuffer(100);
        for (var i = 0; i < 150; i++)
        {
            buffer.Add(T(i));
        }

        var a = buffer.Sample(1000, new Random(1));
        var b = buffer.Sample(1000, new Random(1));

        Assert.Equal(a, b);
        Assert.All(a, t => Assert.InRange(t.Reward, 50, 149));
        Assert.True(a.Select(t => t.Reward).Distinct().Count() > 90);
    }

    [Fact]
    public void Sample_Empty_Throws() =>
        Assert.Throws<InvalidOperationException>(() => new ReplayBuffer(4).Sample(1, new Random(0)));

    [Fact]
    public void Compute_TerminatedEpisode_MatchesHandComputedAdvantages()
    {
        var (advantages, returns) = GeneralizedAdvantageEstimation.Compute(
            rewards: [1, 1, 1], values: [0.5, 0.4, 0.3], nextValues: [0.4, 0.3, 0.2],
            terminated: [false, false, true], episodeEnds: [false, false, true], gamma: 0.9, lambda: 0.8);

        // δ = [0.86, 0.87, 0.7]; A2 = 0.7, A1 = 0.87 + 0.72·0.7, A0 = 0.86 + 0.72·A1; the terminal step ignores V(s3) = 0.2.
        Assert.Equal([1.84928, 1.374, 0.7], advantages.Select(a => Math.Round(a, 10)));
        Assert.Equal([2.34928, 1.774, 1.0], returns.Select(r => Math.Round(r, 10)));
    }

    [Fact]
    public void Compute_TruncatedEpisode_BootstrapsButCutsLambdaChain()
    {
        var (advantages, _) = GeneralizedAdvantageEstimation.Compute(
            rewards: [1, 1, 1], values: [0.5, 0.4, 0.6], nextValues: [0.4, 2.0, 0.7],
            terminated: [false, false, false], episodeEnds: [false, true, false], gamma: 0.9, lambda: 0.8);

        Assert.Equal([2.588, 2.4, 1.03], advantages.Select(a => Math.Round(a, 10)));
    }

    [Fact]
    public void Compute_LambdaOne_EqualsDiscountedReturnMinusValue()
    {
        var (advantages, returns) = GeneralizedAdvantageEstimation.Compute(
            [1, 2, 3], [0.1, 0.2, 0.3], [0.2, 0.3, 9.9], [false, false, true], [false, false, true], gamma: 0.5, lambda: 1.0);

        Assert.Equal(1 + 0.5 * 2 + 0.25 * 3, returns[0], 12);
        Assert.Equal(returns[0] - 0.1, advantages[0], 12);
    }
}
