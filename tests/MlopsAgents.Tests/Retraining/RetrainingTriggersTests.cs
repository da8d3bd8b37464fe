using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Retraining;

namespace MlopsAgents.Tests.Retraining;

/// <summary>Retraining triggers and the champion/challenger promotion rule.</summary>
public sealed class RetrainingTriggersTests
{
    private static readonly DateTimeOffset Monday = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void OnDrift_DriftedDataset_NamesTheDriftedFeatures()
    {
        var triggers = new RetrainingTriggers("m", [RetrainingTriggerKind.DriftDetected], null, Monday);

        var trigger = triggers.OnDrift(Report(drifted: true), Monday);

        Assert.NotNull(trigger);
        Assert.Equal("drift_detected", trigger.KindName);
        Assert.Contains("income", trigger.Reason, StringComparison.Ordinal);
        Assert.Null(triggers.OnDrift(Report(drifted: false), Monday));
    }

    [Fact]
    public void OnDrift_KindNotEnabled_NeverFires()
    {
        var triggers = new RetrainingTriggers("m", [RetrainingTriggerKind.MetricDegradation], null, Monday);

        Assert.Null(triggers.OnDrift(Report(drifted: true), Monday));
    }

    [Theory]
    [InlineData(0.79, true, true)]
    [InlineData(0.81, true, false)]
    [InlineData(12.0, false, true)]
    [InlineData(8.0, false, false)]
    public void OnMetric_PastTheLimit_Fires(double value, bool greaterIsBetter, bool fires)
    {
        var triggers = new RetrainingTriggers("m", [RetrainingTriggerKind.MetricDegradation], null, Monday);

        var trigger = triggers.OnMetric(greaterIsBetter ? "accuracy" : "rmse", value, greaterIsBetter ? 0.8 : 10.0, greaterIsBetter, Monday);

        Assert.Equal(fires, trigger is not null);
    }

    [Fact]
    public void OnClock_WeeklyCron_FiresOnceWhenDueThenWaitsAWeek()
    {
        var triggers = new RetrainingTriggers("m", [RetrainingTriggerKind.Schedule], "0 3 * * 1", Monday);

        Assert.Null(triggers.OnClock(Monday.AddHours(2)));
        var fired = triggers.OnClock(Monday.AddHours(4));
        Assert.NotNull(fired);
        Assert.Contains("2026-01-05T03:00:00", fired.Reason, StringComparison.Ordinal);
        Assert.Null(triggers.OnClock(Monday.AddDays(3)));
        Assert.Equal(Monday.AddDays(7).AddHours(3), triggers.NextScheduled(Monday.AddDays(3)));
        Assert.NotNull(triggers.OnClock(Monday.AddDays(7).AddHours(3)));
    }

    [Fact]
    public void Constructor_BadCron_ThrowsNamingTheExpression()
    {
        var error = Assert.Throws<ArgumentException>(() => new RetrainingTriggers("m", [RetrainingTriggerKind.Schedule], "every monday", Monday));

        Assert.Contains("'every monday'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnNewDataVersionAndCodeChange_Enabled_SayWhat()
    {
        var triggers = new RetrainingTriggers("m", [RetrainingTriggerKind.NewDataVersion, RetrainingTriggerKind.CodeChange], null, Monday);

        Assert.Contains("loans v3", triggers.OnNewDataVersion("loans", 3, Monday)!.Reason, StringComparison.Ordinal);
        Assert.Contains("refs/heads/main at 0123456789ab", triggers.OnCodeChange("refs/heads/main", "0123456789abcdef", Monday)!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseKind_Unknown_ThrowsListingAllowed()
    {
        var error = Assert.Throws<ArgumentException>(() => RetrainingTriggers.ParseKind("weekly"));

        Assert.Contains("drift_detected, metric_degradation, schedule, new_data_version, code_change", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.90, 0.91, null, null, true)]
    [InlineData(0.90, 0.90, null, null, false)]
    [InlineData(0.90, 0.91, 0.02, null, false)]
    [InlineData(0.90, 0.93, 0.02, null, true)]
    [InlineData(0.90, 0.91, null, 0.02, false)]
    [InlineData(0.90, 0.92, null, 0.02, true)]
    [InlineData(0.90, 0.93, 0.02, 0.05, false)]
    public void Decide_AccuracyMargins_FollowMlflowMetricThreshold(double champion, double challenger, double? minAbs, double? minRel, bool promote)
    {
        var decision = ChampionChallenger.Decide(champion, challenger, new PromotionCriteria("accuracy", minAbs, minRel));

        Assert.Equal(promote, decision.Promote);
    }

    [Fact]
    public void Decide_ErrorMetric_LowerIsBetter()
    {
        Assert.True(ChampionChallenger.Decide(10.0, 9.0, new PromotionCriteria("rmse", 0.5)).Promote);
        Assert.False(ChampionChallenger.Decide(10.0, 9.8, new PromotionCriteria("rmse", 0.5)).Promote);
    }

    [Fact]
    public void PromotionCriteria_UnknownMetric_ThrowsListingAllowed()
    {
        var error = Assert.Throws<ArgumentException>(() => new PromotionCriteria("auc"));

        Assert.Contains("accuracy, macro_f1, rmse, mae", error.Message, StringComparison.Ordinal);
    }

    private static DriftReport Report(bool drifted)
    {
        var features = new[]
        {
            new FeatureDrift("income", ColumnKind.Numeric, DriftMethod.Psi, 0.4, null, 0.1, true, 100, 100, new Dictionary<string, double>()),
            new FeatureDrift("age", ColumnKind.Numeric, DriftMethod.Psi, drifted ? 0.3 : 0.01, null, 0.1, drifted, 100, 100, new Dictionary<string, double>()),
            new FeatureDrift("region", ColumnKind.Categorical, DriftMethod.JensenShannon, 0.01, null, 0.1, false, 100, 100, new Dictionary<string, double>()),
        };
        return DriftReport.Create(100, 100, features, [], 0.5);
    }
}
