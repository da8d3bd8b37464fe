using static MlopsAgents.McpServer.Tests.ToolResults;

namespace MlopsAgents.McpServer.Tests;

public sealed class AwsToolTests(McpServerFixture server) : IClassFixture<McpServerFixture>
{
    [Fact]
    public async Task SelectOptimalResources_MediumDataCostProfile_PicksSpotTableRowAndImage()
    {
        var result = (await server.ReadOnly.CallToolAsync("select_optimal_resources", Args(("dataset_size_mb", 5000.0), ("performance_profile", "cost"), ("algorithm", "kmeans"), ("region", "eu-west-1")))).Ok();

        Assert.Equal("medium", result.GetProperty("size_tier").GetString());
        Assert.Equal("ml.m5.2xlarge", result.GetProperty("training_instance_type").GetString());
        Assert.True(result.GetProperty("use_spot").GetBoolean());
        Assert.Equal("ml.t2.medium", result.GetProperty("inference_instance_type").GetString());
        Assert.Equal("438346466558.dkr.ecr.eu-west-1.amazonaws.com/kmeans:1", result.GetProperty("training_image").GetString());
    }

    [Theory]
    [InlineData("performance_profile", "turbo", "cost, balanced or performance")]
    [InlineData("algorithm", "lightgbm", "xgboost, kmeans, pca or script")]
    public async Task SelectOptimalResources_BadArgument_NamesFieldValueAndAllowed(string field, string value, string allowed)
    {
        var error = (await server.ReadOnly.CallToolAsync("select_optimal_resources", Args(("dataset_size_mb", 10.0), (field, value)))).Error();

        Assert.Contains($"{field}: '{value}'", error, StringComparison.Ordinal);
        Assert.Contains(allowed, error, StringComparison.Ordinal);
    }
}
