using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Tests.Support;
using MlopsAgents.Tests.Workflow;

namespace MlopsAgents.Tests.Deployment;

public sealed class RollbackServiceTests
{
    [Fact]
    public async Task PlanAndExecute_NoTarget_ReturnsToThePreviousChampionAndRedeploys()
    {
        using var dir = new TempDirectory();
        var pipeline = await LocalPipelineTests.PipelineWithDatasetAsync(dir, "breast_cancer.csv", "dataset-bc-001", "diagnosis");
        await pipeline.RunIssueFileAsync(Examples.Issue("breast-cancer.md"));
        await pipeline.RunIssueFileAsync(Examples.Issue("breast-cancer.md"));
        var service = new RollbackService(pipeline.Context);

        var plan = service.Plan("breast-cancer-classifier", null);
        var deployment = service.Execute(plan);

        Assert.Equal(new RollbackPlan("breast-cancer-classifier", "1.1.0", "1.0.0"), plan);
        Assert.Equal("1.0.0", pipeline.Registry.GetAlias("breast-cancer-classifier", ModelAliases.Champion));
        Assert.Equal("1.1.0", pipeline.Registry.GetAlias("breast-cancer-classifier", ModelAliases.Archived));
        Assert.Equal("rollback", deployment.Strategy);
        Assert.Equal("1.0.0", Assert.Single(pipeline.Registry.ListActiveDeployments()).Version);
    }

    [Fact]
    public async Task Plan_UnknownModelOrVersion_NamesTheFieldAndTheChoices()
    {
        using var dir = new TempDirectory();
        var pipeline = await LocalPipelineTests.PipelineWithDatasetAsync(dir, "wine.csv", "dataset-wine-001", "cultivar");
        await pipeline.RunIssueFileAsync(Examples.Issue("wine-random-forest.md"));
        var service = new RollbackService(pipeline.Context);

        Assert.StartsWith("model: 'ghost' is not a registered model", Assert.Throws<DataValidationException>(() => service.Plan("ghost", null)).Message, StringComparison.Ordinal);
        Assert.Contains("versions: 1.0.0", Assert.Throws<DataValidationException>(() => service.Plan("dataset-wine-001-random-forest", "9.9.9")).Message, StringComparison.Ordinal);
        Assert.Contains("no earlier kept version", Assert.Throws<DataValidationException>(() => service.Plan("dataset-wine-001-random-forest", null)).Message, StringComparison.Ordinal);
    }
}
