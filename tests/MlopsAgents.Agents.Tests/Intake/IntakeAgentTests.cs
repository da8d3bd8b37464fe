using System.Net;
using MlopsAgents.Agents.Intake;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tests.Support;
using Microsoft.Extensions.AI;

namespace MlopsAgents.Agents.Tests.Intake;

public sealed class IntakeAgentTests
{
    private const string PlainLanguage = "Train a classifier on dataset-bc-001 to predict diagnosis; recall matters most; deploy as a canary";

    [Fact]
    public async Task RunAsync_ValidYaml_AcceptedWithoutCallingTheModel()
    {
        var fake = new FakeChatClient();
        var result = await new IntakeAgent(Support.Agents.Context(fake)).RunAsync("```yaml\n" + Support.Agents.ValidYaml + "\n```", default);

        Assert.Equal(IntakeOutcome.Accepted, result.Outcome);
        Assert.Equal("dataset-bc-001", result.Request!.DatasetId);
        Assert.False(result.UsedModel);
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public async Task RunAsync_PlainLanguageWithProviderNone_AsksForYamlAndSaysWhy()
    {
        var result = await new IntakeAgent(Support.Agents.Context(null)).RunAsync(PlainLanguage, default);

        Assert.Equal(IntakeOutcome.NeedsClarification, result.Outcome);
        Assert.Contains("provider none", result.Comment, StringComparison.Ordinal);
        Assert.Contains("no training request found", result.Comment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PlainLanguage_ModelRequestValidatedAndAssumptionsListed()
    {
        var yaml = "dataset_id: dataset-bc-001\ntarget: diagnosis\ntask_type: classification\nalgorithm: xgboost\nprimary_metric: recall\ndeployment_strategy: canary";
        var fake = new FakeChatClient().Reply(Support.Agents.IntakeReply(yaml, """[{"field": "algorithm", "value": "xgboost", "reason": "the issue names no algorithm"}]"""));

        var result = await new IntakeAgent(Support.Agents.Context(fake)).RunAsync(PlainLanguage, default);

        Assert.Equal(IntakeOutcome.Accepted, result.Outcome);
        Assert.Equal("recall", result.Request!.PrimaryMetric);
        Assert.Equal("canary", result.Request.DeploymentStrategy);
        Assert.True(result.UsedModel);
        Assert.Equal(0, result.Repairs);
        Assert.Equal("algorithm", Assert.Single(result.Assumptions).Field);
        Assert.Contains("**Assumptions**", result.Comment, StringComparison.Ordinal);
        Assert.Contains("<untrusted_issue>", fake.Calls[0][1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_InvalidThenFixed_RepairsOnceFromTheValidatorsMessages()
    {
        var bad = "dataset_id: dataset-bc-001\ntask_type: classification\nalgorithm: xgbost";
        var fake = new FakeChatClient()
            .Reply(Support.Agents.IntakeReply(bad))
            .Reply(Support.Agents.IntakeReply(Support.Agents.ValidYaml));

        var result = await new IntakeAgent(Support.Agents.Context(fake)).RunAsync(PlainLanguage, default);

        Assert.Equal(IntakeOutcome.Accepted, result.Outcome);
        Assert.Equal(1, result.Repairs);
        var repairMessage = fake.Calls[1][^1].Text;
        Assert.Contains("The validator rejected that reply", repairMessage, StringComparison.Ordinal);
        Assert.Contains("algorithm: xgbost", repairMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StillInvalidAfterMaxRepairs_AsksNamingTheExactProblems()
    {
        var bad = Support.Agents.IntakeReply("dataset_id: dataset-bc-001\ntask_type: classification\nalgorithm: xgbost");
        var fake = new FakeChatClient().Reply(bad).Reply(bad);
        var options = new LlmProviderOptions { Provider = LlmProviders.OpenAICompatible, MaxRepairs = 1 };

        var result = await new IntakeAgent(Support.Agents.Context(fake, options: options)).RunAsync(PlainLanguage, default);

        Assert.Equal(IntakeOutcome.NeedsClarification, result.Outcome);
        Assert.Equal(2, fake.Calls.Count);
        Assert.Contains(result.Problems, p => p.StartsWith("algorithm: xgbost", StringComparison.Ordinal));
        Assert.Contains("- algorithm: xgbost", result.Comment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelSaysDatasetMissing_AsksAtOnceWithoutRepairing()
    {
        var fake = new FakeChatClient().Reply(Support.Agents.IntakeReply("task_type: classification\nalgorithm: xgboost", missing: """["dataset_id"]"""));

        var result = await new IntakeAgent(Support.Agents.Context(fake)).RunAsync("train a classifier please", default);

        Assert.Equal(IntakeOutcome.NeedsClarification, result.Outcome);
        Assert.Single(fake.Calls);
        Assert.Contains("dataset_id: the issue does not say; please add it", result.Comment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelErrors_FallsBackAndSaysSo()
    {
        var fake = new FakeChatClient().Throw(new HttpRequestException("connection refused", null, HttpStatusCode.BadGateway));
        var chat = fake.AsBuilder().UseRetry(0, TimeSpan.Zero).Build();

        var result = await new IntakeAgent(Support.Agents.Context(chat)).RunAsync(PlainLanguage, default);

        Assert.Equal(IntakeOutcome.NeedsClarification, result.Outcome);
        Assert.False(result.UsedModel);
        Assert.Contains("The LLM could not be used", result.Comment, StringComparison.Ordinal);
        Assert.NotNull(result.FallbackReason);
    }

    [Fact]
    public async Task RunAsync_ModelTimesOut_FallsBack()
    {
        var chat = new FakeChatClient().Hang().AsBuilder().UseRetry(0, TimeSpan.Zero).UseTimeout(TimeSpan.FromMilliseconds(1)).Build();

        var result = await new IntakeAgent(Support.Agents.Context(chat)).RunAsync(PlainLanguage, default);

        Assert.Equal(IntakeOutcome.NeedsClarification, result.Outcome);
        Assert.Contains("did not answer within", result.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BudgetSpentDuringRepairs_StopsAndFallsBack()
    {
        var bad = Support.Agents.IntakeReply("task_type: classification\nalgorithm: xgbost");
        var fake = new FakeChatClient().Reply(bad, inputTokens: 400, outputTokens: 200).Reply(bad);
        var options = new LlmProviderOptions { Provider = LlmProviders.OpenAICompatible, MaxTokensPerIssue = 500 };

        var result = await new IntakeAgent(Support.Agents.Context(fake, options: options)).RunAsync(PlainLanguage, default);

        Assert.Single(fake.Calls);
        Assert.Contains("token budget is spent", result.FallbackReason, StringComparison.Ordinal);
        Assert.Equal(IntakeOutcome.NeedsClarification, result.Outcome);
    }

    [Fact]
    public async Task RunAsync_YamlWithErrors_ReportsThemWithoutTheModel()
    {
        var fake = new FakeChatClient();

        var result = await new IntakeAgent(Support.Agents.Context(fake)).RunAsync("```yaml\ndataset_id: dataset-bc-001\ntask_type: classification\nalgorithm: xgbost\n```", default);

        Assert.Equal(IntakeOutcome.NeedsClarification, result.Outcome);
        Assert.Empty(fake.Calls);
        Assert.Contains(result.Problems, p => p.StartsWith("algorithm: xgbost", StringComparison.Ordinal));
    }
}
