using MlopsAgents.Aws.Resources;

namespace MlopsAgents.Aws.Tests.Resources;

public sealed class ResourceSelectorTests
{
    [Theory]
    [InlineData(50L * 1024 * 1024, "cost", "small", "ml.m5.large", 1, true)]
    [InlineData(5L << 30, "balanced", "medium", "ml.m5.4xlarge", 1, true)]
    [InlineData(40L << 30, "performance", "large", "ml.c5.18xlarge", 2, false)]
    [InlineData(500L << 30, "cost", "xlarge", "ml.m5.12xlarge", 4, true)]
    public void Select_SizeAndProfile_PicksTheTableRow(long bytes, string profile, string tier, string type, int count, bool spot)
    {
        var selection = ResourceSelector.Select(bytes, ResourceSelector.ParseProfile(profile));

        Assert.Equal(tier, selection.SizeTier);
        Assert.Equal(type, selection.TrainingInstanceType);
        Assert.Equal(count, selection.TrainingInstanceCount);
        Assert.Equal(spot, selection.UseSpot);
        Assert.True(selection.MaxWaitTimeInSeconds >= selection.MaxRuntimeInSeconds);
    }

    [Fact]
    public void Select_TierBoundary_OneGibIsMedium()
    {
        Assert.Equal("small", ResourceSelector.Select((1L << 30) - 1, PerformanceProfile.Balanced).SizeTier);
        Assert.Equal("medium", ResourceSelector.Select(1L << 30, PerformanceProfile.Balanced).SizeTier);
    }

    [Fact]
    public void Select_LargeData_VolumeHoldsThreeCopies()
    {
        Assert.Equal(30, ResourceSelector.Select(1L << 30, PerformanceProfile.Cost).VolumeSizeInGb);
        Assert.Equal(150, ResourceSelector.Select(50L << 30, PerformanceProfile.Cost).VolumeSizeInGb);
    }

    [Fact]
    public void ParseProfile_Unknown_ListsAllowedProfiles()
    {
        var e = Assert.Throws<ArgumentException>(() => ResourceSelector.ParseProfile("turbo"));

        Assert.Contains("'turbo'", e.Message);
        Assert.Contains("cost, balanced or performance", e.Message);
    }
}
