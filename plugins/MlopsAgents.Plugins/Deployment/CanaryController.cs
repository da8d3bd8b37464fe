using System.Globalization;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>What a canary controller decided on one evaluation.</summary>
public enum CanaryAction
{
    /// <summary>Keep the current routing: the step is still baking or has too few requests to judge.</summary>
    Hold,

    /// <summary>Shift more traffic to the canary.</summary>
    Promote,

    /// <summary>The canary now serves all traffic; the rollout is over.</summary>
    Complete,

    /// <summary>All traffic goes back to the stable version; the rollout is over.</summary>
    Rollback,
}

/// <summary>
/// One decision of a <see cref="CanaryController"/>: the routing table that should be in effect afterwards (the
/// current one on <see cref="CanaryAction.Hold"/>), the canary's percentage in it, and why.
/// </summary>
public sealed record CanaryDecision(CanaryAction Action, RoutingTable Table, int CanaryPercent, string Reason)
{
    /// <summary>True when the caller has to apply <see cref="Table"/> to the server.</summary>
    public bool ChangesRouting => Action != CanaryAction.Hold;
}

/// <summary>One traffic shift or rollback, as it goes into the deployment log and onto the issue.</summary>
public sealed record DeploymentLogEntry(
    DateTimeOffset Time, string Model, int CanaryPercent, CanaryAction Action, IReadOnlyList<VersionWeight> Weights, string Reason)
{
    /// <summary>A single line such as <c>2025-01-01T10:00:00+00:00 iris promote 50% (1.0.0=50, 2.0.0=50): …</c>.</summary>
    public override string ToString()
    {
        var weights = string.Join(", ", Weights.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Version}={w.Weight}")));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Time:O} {Model} {Action.ToString().ToLowerInvariant()} {CanaryPercent}% ({weights}): {Reason}");
    }
}

/// <summary>
/// Drives a canary rollout as pure, deterministic logic. The caller owns time and I/O: it calls
/// <see cref="Start"/> once, then <see cref="Evaluate"/> periodically with the clock and a snapshot of the canary's
/// cumulative metrics, and applies every decision whose <see cref="CanaryDecision.ChangesRouting"/> is true (for
/// example with <c>ModelServer.UpdateRouting</c>). The controller remembers the snapshot taken when each step began,
/// so each step is judged only on the requests the canary served during it.
/// </summary>
public sealed class CanaryController
{
    private readonly List<DeploymentLogEntry> _log = [];
    private int _stepIndex = -1;
    private DateTimeOffset _stepStart;
    private VersionMetricsSnapshot _stepBaseline = VersionMetricsSnapshot.Empty;
    private RoutingTable _table;
    private bool _finished;

    public CanaryController(CanaryPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Plan = plan;
        _table = RoutingTable.Single(plan.Stable);
    }

    public CanaryPlan Plan { get; }

    /// <summary>The routing table the controller last decided on.</summary>
    public RoutingTable CurrentTable => _table;

    /// <summary>The canary's current traffic percentage: 0 before the start and after a rollback.</summary>
    public int CanaryPercent { get; private set; }

    /// <summary>True once the rollout completed or rolled back.</summary>
    public bool IsFinished => _finished;

    /// <summary>Every shift and rollback so far, oldest first.</summary>
    public IReadOnlyList<DeploymentLogEntry> Log => _log;

    /// <summary>Health-checks the canary and, if it passes, shifts the first step of traffic to it.</summary>
    /// <param name="now">The current time; the first step's bake starts here.</param>
    /// <param name="canaryTotals">The canary's cumulative metrics now, the baseline for the first step.</param>
    /// <param name="healthCheck">Returns true when the canary is healthy.</param>
    public CanaryDecision Start(DateTimeOffset now, VersionMetricsSnapshot canaryTotals, Func<bool> healthCheck)
    {
        ArgumentNullException.ThrowIfNull(canaryTotals);
        ArgumentNullException.ThrowIfNull(healthCheck);
        if (_stepIndex >= 0 || _finished)
        {
            throw new InvalidOperationException($"The canary of {Plan.Model} {Plan.Canary} was already started.");
        }

        return Shift(now, canaryTotals, healthCheck, 0, "start of the rollout");
    }

    /// <summary>
    /// Judges the current step on the canary's requests since the step began and decides whether to hold, move on,
    /// complete, or roll back. Thresholds are checked as soon as the step has <see cref="CanaryPlan.MinRequestsPerStep"/>
    /// requests, so a bad canary is rolled back during bake rather than at its end.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="canaryTotals">The canary's cumulative metrics now (see <see cref="VersionMetricsSnapshot.Capture"/>).</param>
    /// <param name="healthCheck">Returns true when the canary is healthy; called only before a shift.</param>
    public CanaryDecision Evaluate(DateTimeOffset now, VersionMetricsSnapshot canaryTotals, Func<bool> healthCheck)
    {
        ArgumentNullException.ThrowIfNull(canaryTotals);
        ArgumentNullException.ThrowIfNull(healthCheck);
        if (_finished)
        {
            throw new InvalidOperationException($"The canary of {Plan.Model} {Plan.Canary} has already finished.");
        }

        if (_stepIndex < 0)
        {
            throw new InvalidOperationException($"Call {nameof(Start)} before {nameof(Evaluate)}.");
        }

        var delta = canaryTotals.Minus(_stepBaseline);
        var step = Plan.Steps[_stepIndex];
        var enough = delta.RequestCount >= Plan.MinRequestsPerStep;

        if (enough && delta.RequestCount > 0)
        {
            if (delta.ErrorRate > Plan.MaxErrorRate)
            {
                return Rollback(now, Invariant($"error rate {delta.ErrorRate * 100:0.0}% > {Plan.MaxErrorRate * 100:0.0}% at step {step}%"));
            }

            var p95 = delta.P95;
            if (p95 > Plan.MaxP95Seconds)
            {
                return Rollback(now, Invariant($"p95 {p95:0.000} s > {Plan.MaxP95Seconds:0.000} s at step {step}%"));
            }
        }

        var elapsed = now - _stepStart;
        if (elapsed < Plan.BakeTime)
        {
            return Hold(Invariant($"step {step}% baking: {elapsed.TotalSeconds:0} s of {Plan.BakeTime.TotalSeconds:0} s"));
        }

        if (!enough)
        {
            return Hold(Invariant($"step {step}% has {delta.RequestCount} of {Plan.MinRequestsPerStep} canary requests needed"));
        }

        var summary = delta.RequestCount == 0
            ? Invariant($"step {step}% baked {elapsed.TotalSeconds:0} s with no canary requests")
            : Invariant($"step {step}% baked {elapsed.TotalSeconds:0} s: {delta.RequestCount} requests, error rate {delta.ErrorRate * 100:0.0}%, p95 {delta.P95:0.000} s");
        return Shift(now, canaryTotals, healthCheck, _stepIndex + 1, summary);
    }

    private CanaryDecision Shift(DateTimeOffset now, VersionMetricsSnapshot canaryTotals, Func<bool> healthCheck, int nextIndex, string why)
    {
        var next = Plan.Steps[nextIndex];
        if (!healthCheck())
        {
            return Rollback(now, Invariant($"health check failed before shifting to {next}%"));
        }

        _stepIndex = nextIndex;
        _stepStart = now;
        _stepBaseline = canaryTotals;
        CanaryPercent = next;
        var complete = next == 100;
        _table = complete
            ? RoutingTable.Single(Plan.Canary)
            : new RoutingTable(new Dictionary<string, int>(StringComparer.Ordinal) { [Plan.Stable] = 100 - next, [Plan.Canary] = next });
        _finished = complete;

        var action = complete ? CanaryAction.Complete : CanaryAction.Promote;
        var reason = Invariant($"{why}; health check passed, shifted to {next}%");
        return Record(now, action, reason);
    }

    private CanaryDecision Rollback(DateTimeOffset now, string reason)
    {
        _table = RoutingTable.Single(Plan.Stable);
        CanaryPercent = 0;
        _finished = true;
        return Record(now, CanaryAction.Rollback, reason);
    }

    private CanaryDecision Hold(string reason) => new(CanaryAction.Hold, _table, CanaryPercent, reason);

    private CanaryDecision Record(DateTimeOffset now, CanaryAction action, string reason)
    {
        _log.Add(new DeploymentLogEntry(now, Plan.Model, CanaryPercent, action, _table.Weights, reason));
        return new CanaryDecision(action, _table, CanaryPercent, reason);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
