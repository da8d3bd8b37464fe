using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Tests.Monitoring;

/// <summary>The radix sort behind drift on large samples gives exactly Array.Sort's order.</summary>
public sealed class RadixSortTests
{
    [Theory]
    [InlineData(100_000, 1)]
    [InlineData(20_000, 2)]
    public void Sort_MixedSignsAndExtremes_MatchesArraySort(int length, int seed)
    {
        var random = new Random(seed);
        var values = new double[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300));
        }

        values[0] = double.PositiveInfinity;
        values[1] = double.NegativeInfinity;
        values[2] = double.MaxValue;
        values[3] = -double.Epsilon;
        values[4] = double.Epsilon;
        values[5] = 0.0;
        var expected = (double[])values.Clone();
        Array.Sort(expected);

        RadixSort.Sort(values);

        Assert.Equal(expected, values);
    }

    [Fact]
    public void Sort_WithNaN_FallsBackAndPutsNaNFirst()
    {
        var values = Enumerable.Range(0, RadixSort.MinLength).Select(i => (double)(RadixSort.MinLength - i)).Append(double.NaN).ToArray();

        RadixSort.Sort(values);

        Assert.True(double.IsNaN(values[0]));
        Assert.Equal(1.0, values[1]);
    }
}
