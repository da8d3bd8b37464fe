using MlopsAgents.Plugins.Judging;

namespace MlopsAgents.Tests.Judging;

public sealed class JudgeTests
{
    private static readonly Dictionary<string, double> Metrics = new() { ["f1_score"] = 0.82, ["rmse"] = 3.5 };

    [Theory]
    [InlineData("f1_score", 0.80, 0, 3, JudgeDecisions.Pass)]
    [InlineData("f1_score", 0.82, 0, 3, JudgeDecisions.Pass)]
    [InlineData("f1_score", 0.85, 0, 3, JudgeDecisions.Retrain)]
    [InlineData("f1_score", 0.85, 2, 3, JudgeDecisions.Retrain)]
    [InlineData("f1_score", 0.85, 3, 3, JudgeDecisions.Fail)]
    [InlineData("f1_score", 0.85, 0, 0, JudgeDecisions.Fail)]
    [InlineData("rmse", 4.0, 0, 3, JudgeDecisions.Pass)]
    [InlineData("rmse", 3.0, 0, 3, JudgeDecisions.Retrain)]
    [InlineData("auc_roc", 0.5, 0, 3, JudgeDecisions.Fail)]
    public void Decide_MetricThresholdRetries_GivesDecision(string metric, double threshold, int retries, int maxRetry, string expected)
    {
        var verdict = Judge.Decide(Metrics, metric, threshold, retries, maxRetry);

        Assert.Equal(expected, verdict.Decision);
        Assert.Contains(metric, verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_Miss_ReasonGivesValueThresholdAndRetriesLeft()
    {
        var verdict = Judge.Decide(Metrics, "f1_score", 0.85, 1, 3);

        Assert.Equal("f1_score = 0.82 misses the threshold 0.85 by 0.03; 2 of 3 retries remain, so the model should be retrained.", verdict.Reason);
    }
}
