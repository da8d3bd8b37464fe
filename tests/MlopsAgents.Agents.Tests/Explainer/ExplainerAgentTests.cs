using System.Net;
using MlopsAgents.Agents.Explainer;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tests.Support;
using Microsoft.Extensions.AI;

namespace MlopsAgents.Agents.Tests.Explainer;

public sealed class ExplainerAgentTests
{
    private static readonly string Results = Support.Agents.Results("classification-breast-cancer.json");

    [Fact]
    public async Task RunAsync_FaithfulModelText_UsesIt()
    {
        var fake = new FakeChatClient().Reply("The Judge passed the model: F1 0.9398 clears 0.85. Recall on malignant is 92.86%.");

        var result = await new ExplainerAgent(Support.Agents.Context(fake)).RunAsync(Results, "ML engineers", default);

        Assert.True(result.UsedModel);
        Assert.StartsWith("The Judge passed the model", result.Comment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_JsonWithNarrative_UsesBothWhenFaithful()
    {
        var fake = new FakeChatClient().Reply("""
            {"comment": "Passed: F1 0.9398 against 0.85.", "narrative": "The xgboost model reached an F1 of 0.94 on 113 test rows."}
            """);

        var result = await new ExplainerAgent(Support.Agents.Context(fake)).RunAsync(Results, "ML engineers", default);

        Assert.True(result.UsedModel);
        Assert.Equal("Passed: F1 0.9398 against 0.85.", result.Comment);
        Assert.Equal("The xgboost model reached an F1 of 0.94 on 113 test rows.", result.Narrative);
    }

    [Fact]
    public async Task RunAsync_NarrativeWithInventedNumber_KeepsTheTemplateNarrative()
    {
        var fake = new FakeChatClient().Reply("""{"comment": "Passed: F1 0.9398.", "narrative": "F1 improved by 7 points."}""");

        var result = await new ExplainerAgent(Support.Agents.Context(fake)).RunAsync(Results, "ML engineers", default);

        Assert.True(result.UsedModel);
        Assert.StartsWith("Run train-20261124-032415-8ec941 trained xgboost", result.Narrative, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelInventsANumber_FallsBackToTheTemplate()
    {
        var fake = new FakeChatClient().Reply("F1 rose to 0.9611 and recall to 88.8%.");

        var result = await new ExplainerAgent(Support.Agents.Context(fake)).RunAsync(Results, "ML engineers", default);

        Assert.False(result.UsedModel);
        Assert.Contains("88.8%", result.UnmatchedNumbers);
        Assert.Contains("**Judge: pass.**", result.Comment, StringComparison.Ordinal);
        Assert.Contains("numbers not in results.json", result.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ProviderNone_WritesTheTemplate()
    {
        var result = await new ExplainerAgent(Support.Agents.Context(null)).RunAsync(Results, "", default);

        Assert.False(result.UsedModel);
        Assert.Null(result.FallbackReason);
        Assert.Contains("| **f1_score** | 0.9398 |", result.Comment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelErrors_FallsBackToTheTemplateAndSaysWhy()
    {
        var chat = new FakeChatClient().Throw(new HttpRequestException("boom", null, HttpStatusCode.InternalServerError))
            .AsBuilder().UseRetry(0, TimeSpan.Zero).Build();

        var result = await new ExplainerAgent(Support.Agents.Context(chat)).RunAsync(Results, "", default);

        Assert.False(result.UsedModel);
        Assert.Contains("network error: boom", result.FallbackReason ?? "", StringComparison.Ordinal);
        Assert.Contains("**Judge: pass.**", result.Comment, StringComparison.Ordinal);
    }
}
