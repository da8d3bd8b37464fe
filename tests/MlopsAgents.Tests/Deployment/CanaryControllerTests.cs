using MlopsAgents.Plugins.Deployment;

namespace MlopsAgents.Tests.Deployment;

public sealed class CanaryControllerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Bake = TimeSpan.FromMinutes(10);

    private static CanaryPlan Plan() => new("iris", "1.0.0", "2.0.0", null, Bake);

    private static VersionMetrics Metrics() => new("iris", "2.0.0");

    private static VersionMetricsSnapshot Snap(VersionMetrics metrics) => VersionMetricsSnapshot.Capture(metrics);

    private static void Serve(VersionMetrics metrics, int count, int status = 200, double seconds = 0.004)
    {
        for (var i = 0; i < count; i++)
        {
            metrics.Record(status, TimeSpan.FromSeconds(seconds));
        }
    }

    private static int WeightOf(RoutingTable table, string version) =>
        table.Weights.SingleOrDefault(w => w.Version == version)?.Weight ?? 0;

    [Fact]
    public void Evaluate_HealthyCanary_PromotesThroughEveryStepToComplete()
    {
        var metrics = Metrics();
        var controller = new CanaryController(Plan());

        var start = controller.Start(T0, Snap(metrics), () => true);
        Assert.Equal(CanaryAction.Promote, start.Action);
        Assert.Equal(90, WeightOf(start.Table, "1.0.0"));
        Assert.Equal(10, WeightOf(start.Table, "2.0.0"));

        Serve(metrics, 50);
        var to50 = controller.Evaluate(T0 + Bake, Snap(metrics), () => true);
        Assert.Equal(CanaryAction.Promote, to50.Action);
        Assert.Equal(50, to50.CanaryPercent);
        Assert.Equal(50, WeightOf(to50.Table, "1.0.0"));
        Assert.Equal(50, WeightOf(to50.Table, "2.0.0"));

        Serve(metrics, 200);
        var done = controller.Evaluate(T0 + (2 * Bake), Snap(metrics), () => true);
        Assert.Equal(CanaryAction.Complete, done.Action);
        Assert.Equal([new VersionWeight("2.0.0", 100)], done.Table.Weights);
        Assert.True(controller.IsFinished);

        Assert.Collection(
            controller.Log,
            e =>
            {
                Assert.Equal((T0, 10, CanaryAction.Promote), (e.Time, e.CanaryPercent, e.Action));
                Assert.Contains("health check passed, shifted to 10%", e.Reason, StringComparison.Ordinal);
            },
            e =>
            {
                Assert.Equal((T0 + Bake, 50, CanaryAction.Promote), (e.Time, e.CanaryPercent, e.Action));
                Assert.Contains("step 10% baked 600 s: 50 requests, error rate 0.0%", e.Reason, StringComparison.Ordinal);
            },
            e =>
            {
                Assert.Equal((T0 + (2 * Bake), 100, CanaryAction.Complete), (e.Time, e.CanaryPercent, e.Action));
                Assert.Contains("step 50% baked 600 s: 200 requests", e.Reason, StringComparison.Ordinal);
                Assert.Equal([new VersionWeight("2.0.0", 100)], e.Weights);
            });
        Assert.StartsWith("2025-01-01T10:20:00.0000000+00:00 iris complete 100% (2.0.0=100): ", controller.Log[2].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_StillBakingOrTooFewRequests_Holds()
    {
        var metrics = Metrics();
        var controller = new CanaryController(Plan());
        controller.Start(T0, Snap(metrics), () => true);
        var healthChecks = 0;

        Serve(metrics, 100);
        var baking = controller.Evaluate(T0 + TimeSpan.FromMinutes(5), Snap(metrics), () => ++healthChecks > 0);
        Assert.Equal(CanaryAction.Hold, baking.Action);
        Assert.False(baking.ChangesRouting);
        Assert.Equal(10, WeightOf(baking.Table, "2.0.0"));
        Assert.Contains("baking: 300 s of 600 s", baking.Reason, StringComparison.Ordinal);

        // Requests from before the step started do not count towards it.
        var fresh = Metrics();
        Serve(fresh, 100);
        var controller2 = new CanaryController(Plan());
        controller2.Start(T0, Snap(fresh), () => true);
        Serve(fresh, 19);
        var tooFew = controller2.Evaluate(T0 + Bake, Snap(fresh), () => ++healthChecks > 0);
        Assert.Equal(CanaryAction.Hold, tooFew.Action);
        Assert.Contains("19 of 20 canary requests", tooFew.Reason, StringComparison.Ordinal);

        Assert.Equal(0, healthChecks);
        Assert.Single(controller.Log);
        Assert.Single(controller2.Log);

        Serve(fresh, 1);
        Assert.Equal(CanaryAction.Promote, controller2.Evaluate(T0 + Bake, Snap(fresh), () => true).Action);
    }

    [Fact]
    public void Evaluate_ErrorRateOverThresholdDuringFiftyPercentStep_RollsBackToStable()
    {
        var metrics = Metrics();
        var controller = new CanaryController(Plan());
        controller.Start(T0, Snap(metrics), () => true);
        Serve(metrics, 100);
        controller.Evaluate(T0 + Bake, Snap(metrics), () => true);

        Serve(metrics, 98);
        Serve(metrics, 2, status: 503);
        var decision = controller.Evaluate(T0 + Bake + TimeSpan.FromMinutes(3), Snap(metrics), () => true);

        Assert.Equal(CanaryAction.Rollback, decision.Action);
        Assert.Equal([new VersionWeight("1.0.0", 100)], decision.Table.Weights);
        Assert.Equal("error rate 2.0% > 1.0% at step 50%", decision.Reason);
        Assert.Equal(0, decision.CanaryPercent);
        Assert.True(controller.IsFinished);
        var last = controller.Log[^1];
        Assert.Equal((CanaryAction.Rollback, "error rate 2.0% > 1.0% at step 50%"), (last.Action, last.Reason));
        Assert.Equal([new VersionWeight("1.0.0", 100)], last.Weights);
        Assert.Throws<InvalidOperationException>(() => controller.Evaluate(T0 + (3 * Bake), Snap(metrics), () => true));
    }

    [Fact]
    public void Evaluate_ClientErrorsOnly_DoNotCountAsCanaryErrors()
    {
        var metrics = Metrics();
        var controller = new CanaryController(Plan());
        controller.Start(T0, Snap(metrics), () => true);
        Serve(metrics, 80);
        Serve(metrics, 20, status: 400);

        Assert.Equal(CanaryAction.Promote, controller.Evaluate(T0 + Bake, Snap(metrics), () => true).Action);
    }

    [Fact]
    public void Evaluate_P95OverThreshold_RollsBack()
    {
        var metrics = Metrics();
        var controller = new CanaryController(Plan());
        controller.Start(T0, Snap(metrics), () => true);

        // 90 fast requests and 10 at 200 ms: the p95 rank falls in the 0.1–0.25 s bucket, at its midpoint.
        Serve(metrics, 90, seconds: 0.004);
        Serve(metrics, 10, seconds: 0.200);
        var decision = controller.Evaluate(T0 + TimeSpan.FromMinutes(1), Snap(metrics), () => true);

        Assert.Equal(CanaryAction.Rollback, decision.Action);
        Assert.Equal([new VersionWeight("1.0.0", 100)], decision.Table.Weights);
        Assert.Equal(0.175, metrics.P95, 9);
        Assert.Equal("p95 0.175 s > 0.100 s at step 10%", decision.Reason);
    }

    [Fact]
    public void Evaluate_HealthCheckFailsBeforeShift_RollsBackWithoutShifting()
    {
        var metrics = Metrics();
        var controller = new CanaryController(Plan());
        controller.Start(T0, Snap(metrics), () => true);
        Serve(metrics, 100);

        var decision = controller.Evaluate(T0 + Bake, Snap(metrics), () => false);

        Assert.Equal(CanaryAction.Rollback, decision.Action);
        Assert.Equal([new VersionWeight("1.0.0", 100)], decision.Table.Weights);
        Assert.Equal("health check failed before shifting to 50%", decision.Reason);
        Assert.DoesNotContain(controller.Log, e => e.CanaryPercent == 50);
        Assert.Equal([CanaryAction.Promote, CanaryAction.Rollback], controller.Log.Select(e => e.Action));
    }

    [Fact]
    public void Start_HealthCheckFails_RollsBackBeforeAnyTraffic()
    {
        var controller = new CanaryController(Plan());

        var decision = controller.Start(T0, VersionMetricsSnapshot.Empty, () => false);

        Assert.Equal(CanaryAction.Rollback, decision.Action);
        Assert.Equal("health check failed before shifting to 10%", decision.Reason);
        Assert.Single(controller.Log);
    }

    [Fact]
    public void Plan_Defaults_AreTheDesigns()
    {
        var plan = Plan();

        Assert.Equal([10, 50, 100], plan.Steps);
        Assert.Equal(0.01, plan.MaxErrorRate);
        Assert.Equal(0.100, plan.MaxP95Seconds);
        Assert.Equal(20, plan.MinRequestsPerStep);
    }

    [Theory]
    [InlineData(new[] { 10, 50, 50, 100 }, "Steps must be strictly increasing; Steps[2] = 50 follows 50.")]
    [InlineData(new[] { 50, 10, 100 }, "Steps must be strictly increasing; Steps[1] = 10 follows 50.")]
    [InlineData(new[] { 10, 150 }, "Steps[1] is 150; each step is a percentage from 1 to 100.")]
    [InlineData(new[] { 10, 50 }, "Steps must end at 100 so the canary can complete; the last is 50.")]
    public void Plan_InvalidSteps_ThrowsNamingSteps(int[] steps, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => new CanaryPlan("iris", "1.0.0", "2.0.0", steps, Bake));

        Assert.Equal("steps", ex.ParamName);
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_NegativeBakeTime_ThrowsNamingBakeTime()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new CanaryPlan("iris", "1.0.0", "2.0.0", null, TimeSpan.FromSeconds(-1)));

        Assert.Equal("bakeTime", ex.ParamName);
        Assert.Contains("BakeTime must be zero or more", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SameStableAndCanary_ThrowsNamingCanary()
    {
        var ex = Assert.Throws<ArgumentException>(() => new CanaryPlan("iris", "1.0.0", "1.0.0", null, Bake));

        Assert.Equal("canary", ex.ParamName);
        Assert.Contains("Canary must differ from Stable", ex.Message, StringComparison.Ordinal);
    }
}
