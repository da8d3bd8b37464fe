using System.Text.Json;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Tests.Monitoring;

/// <summary>The live monitor: confidence-based accuracy, feedback joins, realised accuracy, concept and prediction drift.</summary>
public sealed class LiveMonitorTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly JsonElement[] OneRow = [JsonDocument.Parse("""{"x": 1.5}""").RootElement];

    [Fact]
    public void Health_NoLabels_EstimatesAccuracyFromMeanTopProbability()
    {
        var monitor = Monitor();
        Predict(monitor, "r1", "yes", 0.9);
        Predict(monitor, "r2", "no", 0.7);

        var health = monitor.Health("m");

        Assert.Equal(0.8, health.EstimatedAccuracy!.Value, 12);
        Assert.Null(health.Accuracy);
        Assert.False(health.ConceptDrift);
    }

    [Fact]
    public void Health_ConfidentButWrongLabels_FlagsConceptDrift()
    {
        var monitor = Monitor();
        var feedback = new List<FeedbackItem>();
        for (var i = 0; i < 40; i++)
        {
            var id = "r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Predict(monitor, id, "yes", 0.95);

            // Half the labels disagree: realised accuracy 0.5 against an expected 0.95.
            feedback.Add(new FeedbackItem(id, 0, i % 2 == 0 ? "yes" : "no"));
        }

        var result = monitor.RecordFeedback(feedback, Now);
        var health = monitor.Health("m");

        Assert.Equal(40, result.Joined.Count);
        Assert.Equal(0.5, health.Accuracy);
        Assert.Equal(0.5, health.AccuracyByVersion["1.0.0"]);
        Assert.True(health.ConceptDrift);
    }

    [Fact]
    public void Health_FewWrongLabels_NoConceptDriftBelowMinimumCount()
    {
        var monitor = Monitor();
        Predict(monitor, "r1", "yes", 0.95);

        monitor.RecordFeedback([new FeedbackItem("r1", 0, "no")], Now);

        Assert.Equal(0.0, monitor.Health("m").Accuracy);
        Assert.False(monitor.Health("m").ConceptDrift);
    }

    [Fact]
    public void RecordFeedback_UnknownIdOrRow_RejectedWithReason()
    {
        var monitor = Monitor();
        Predict(monitor, "r1", "yes", 0.9);

        var result = monitor.RecordFeedback([new FeedbackItem("nope", 0, "yes"), new FeedbackItem("r1", 3, "yes")], Now);

        Assert.Empty(result.Joined);
        Assert.Contains("request_id 'nope' is unknown", result.Rejected[0], StringComparison.Ordinal);
        Assert.Contains("row 3 of request 'r1' does not exist; it had rows 0 to 0", result.Rejected[1], StringComparison.Ordinal);
    }

    [Fact]
    public void RecordFeedback_RegressionRow_JudgedByAbsoluteError()
    {
        var monitor = Monitor();
        monitor.RecordPrediction(new PredictionTrace("r1", "m", "1.0.0", Now, ["10.5"], [null]), OneRow);

        var outcome = monitor.RecordFeedback([new FeedbackItem("r1", 0, "12")], Now).Joined.Single();

        Assert.Equal(1.5, outcome.AbsoluteError);
        Assert.False(outcome.Correct);
    }

    [Fact]
    public void RecordPrediction_BeyondCapacity_OldestTracesForgotten()
    {
        var monitor = new LiveMonitor(feedbackCapacity: 2, windowRows: 100, new Dictionary<string, DriftBaseline>());
        Predict(monitor, "r1", "yes", 0.9);
        Predict(monitor, "r2", "yes", 0.9);
        Predict(monitor, "r3", "yes", 0.9);

        var result = monitor.RecordFeedback([new FeedbackItem("r1", 0, "yes"), new FeedbackItem("r3", 0, "yes")], Now);

        Assert.Single(result.Joined);
        Assert.Single(result.Rejected);
    }

    [Fact]
    public void RecordPrediction_SameIdTwice_CountsOnceTowardsCapacity()
    {
        var monitor = new LiveMonitor(feedbackCapacity: 2, windowRows: 100, new Dictionary<string, DriftBaseline>());
        Predict(monitor, "r1", "yes", 0.9);
        Predict(monitor, "r1", "yes", 0.9);
        Predict(monitor, "r2", "yes", 0.9);

        var result = monitor.RecordFeedback([new FeedbackItem("r1", 0, "yes"), new FeedbackItem("r2", 0, "yes")], Now);

        Assert.Equal(2, result.Joined.Count);
        Assert.Empty(result.Rejected);
    }

    [Fact]
    public void Health_PredictionsAllOneClass_PredictionDriftAgainstBalancedBaseline()
    {
        var baseline = new DriftBaseline(100, [new FeatureBaseline("x", ColumnKind.Numeric, 100, 0, DriftBaseline.Summarize([1.0, 1.5, 2.0, 2.5, 3.0, 1.2, 1.7, 2.2, 2.7, 3.2]), null)],
            new PredictionBaseline("classification", 100, new Dictionary<string, double> { ["yes"] = 0.5, ["no"] = 0.5 }, null, null));
        var monitor = new LiveMonitor(100, 100, new Dictionary<string, DriftBaseline> { ["m"] = baseline });
        for (var i = 0; i < 50; i++)
        {
            Predict(monitor, "r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "yes", 0.9);
        }

        var health = monitor.Health("m");

        Assert.True(health.PredictionDrift > 0.1, $"prediction drift {health.PredictionDrift}");
        Assert.NotNull(health.DataDrift);
        Assert.Equal(50, health.WindowRows);
    }

    private static LiveMonitor Monitor() => new(100, 100, new Dictionary<string, DriftBaseline>());

    private static void Predict(LiveMonitor monitor, string id, string label, double confidence) =>
        monitor.RecordPrediction(new PredictionTrace(id, "m", "1.0.0", Now, [label], [confidence]), OneRow);
}
