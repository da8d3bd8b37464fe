using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>The rollout strategies a deployment can ask for.</summary>
public enum RolloutStrategy
{
    /// <summary>Stepped traffic shifts with bake, health checks and automatic rollback.</summary>
    Canary,

    /// <summary>A fixed split between two variants, compared on metrics and with a significance test.</summary>
    AB,

    /// <summary>Warm and health-check the new stack, switch atomically, keep the old one for a while.</summary>
    BlueGreen,

    /// <summary>Mirror traffic to the challenger, discard its answers, compare offline.</summary>
    Shadow,
}

/// <summary>
/// Applies rollout strategies to a live <see cref="ModelServer"/>: every health check is a real HTTP request to the
/// version's health endpoint, every routing change is atomic, and every shift, switch and rollback goes into the
/// server's deployment log (and through its notifier to the issue). Time comes from the given
/// <see cref="TimeProvider"/>, so bakes and keep periods can be driven by a fake clock in tests.
/// </summary>
public sealed class RolloutRunner(ModelServer server, HttpClient http, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>GET /models/{model}/versions/{version}/health on the server; true on 200.</summary>
    public async Task<bool> CheckHealthAsync(string model, string version, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync(new Uri(server.BaseAddress, $"models/{Uri.EscapeDataString(model)}/versions/{Uri.EscapeDataString(version)}/health"), cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    /// <summary>Starts a canary rollout: health check, then the plan's first step. Drive it with <see cref="CanaryRollout.TickAsync"/> or <see cref="CanaryRollout.RunAsync"/>.</summary>
    public async Task<CanaryRollout> StartCanaryAsync(CanaryPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var rollout = new CanaryRollout(this, server, plan, _time);
        await rollout.StartAsync(cancellationToken).ConfigureAwait(false);
        return rollout;
    }

    /// <summary>
    /// Blue/green: warms <paramref name="green"/> with <paramref name="warmupRequests"/> pinned requests of
    /// <paramref name="warmupBody"/>, health-checks it, and switches all traffic to it in one routing update. The old
    /// version stays loaded for <paramref name="keepOldFor"/> so that <see cref="BlueGreenSwitch.RollbackAsync"/> is
    /// instant, then it is retired.
    /// </summary>
    public async Task<BlueGreenSwitch> SwitchBlueGreenAsync(string model, string green, string warmupBody, int warmupRequests, TimeSpan keepOldFor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(green);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupRequests);
        if (keepOldFor < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(keepOldFor), keepOldFor, "keepOldFor must be zero or more.");
        }

        var table = server.Router.TableFor(model) ?? throw new ArgumentException($"Model '{model}' is not served here.", nameof(model));
        var blue = table.Weights.MaxBy(w => w.Weight)!.Version;
        for (var i = 0; i < warmupRequests; i++)
        {
            using var content = new StringContent(warmupBody, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
            using var response = await http.PostAsync(new Uri(server.BaseAddress, $"models/{Uri.EscapeDataString(model)}/versions/{Uri.EscapeDataString(green)}/predict"), content, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                await RecordAsync(model, "blue-green", "abort", table, Invariant($"warm-up request {i + 1} of {warmupRequests} to {green} failed with {(int)response.StatusCode}; traffic stays on {blue}"), cancellationToken).ConfigureAwait(false);
                return new BlueGreenSwitch(this, server, model, blue, green, switched: false);
            }
        }

        if (!await CheckHealthAsync(model, green, cancellationToken).ConfigureAwait(false))
        {
            await RecordAsync(model, "blue-green", "abort", table, Invariant($"health check of {green} failed after warm-up; traffic stays on {blue}"), cancellationToken).ConfigureAwait(false);
            return new BlueGreenSwitch(this, server, model, blue, green, switched: false);
        }

        var next = RoutingTable.Single(green);
        server.UpdateRouting(model, next);
        await RecordAsync(model, "blue-green", "switch", next, Invariant($"{green} warmed with {warmupRequests} requests and healthy; switched all traffic from {blue}, keeping {blue} for {keepOldFor.TotalSeconds:0} s"), cancellationToken).ConfigureAwait(false);
        var result = new BlueGreenSwitch(this, server, model, blue, green, switched: true);
        result.ScheduleRetire(_time, keepOldFor);
        return result;
    }

    /// <summary>A/B: routes a fixed <paramref name="percentB"/> of traffic to <paramref name="b"/> and the rest to <paramref name="a"/>, after health checks of both.</summary>
    public async Task<bool> StartAbTestAsync(string model, string a, string b, int percentB, CancellationToken cancellationToken = default)
    {
        if (percentB is < 1 or > 99)
        {
            throw new ArgumentOutOfRangeException(nameof(percentB), percentB, $"percentB is {percentB}; an A/B split gives each variant 1 to 99 percent.");
        }

        var current = server.Router.TableFor(model) ?? throw new ArgumentException($"Model '{model}' is not served here.", nameof(model));
        foreach (var version in new[] { a, b })
        {
            if (!await CheckHealthAsync(model, version, cancellationToken).ConfigureAwait(false))
            {
                await RecordAsync(model, "ab", "abort", current, $"health check of {version} failed; the A/B test did not start", cancellationToken).ConfigureAwait(false);
                return false;
            }
        }

        var table = new RoutingTable(new Dictionary<string, int>(StringComparer.Ordinal) { [a] = 100 - percentB, [b] = percentB });
        server.UpdateRouting(model, table);
        await RecordAsync(model, "ab", "split", table, Invariant($"A/B test: {a} gets {100 - percentB}%, {b} gets {percentB}%; health checks passed"), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The A/B report: system metrics per variant and, once labels arrived through /feedback, a significance test on
    /// the chosen metric: a two-proportion z-test on accuracy, or Welch's t-test on absolute error for regression.
    /// </summary>
    public AbTestReport AnalyzeAbTest(string model, string a, string b, string metric = "accuracy")
    {
        if (metric is not ("accuracy" or "absolute_error"))
        {
            throw new ArgumentException($"metric is '{metric}'; allowed: accuracy, absolute_error.", nameof(metric));
        }

        var outcomes = server.Monitor.Outcomes(model);
        var variants = new[] { a, b }.Select(v =>
        {
            var m = VersionMetricsSnapshot.Capture(server.Metrics.For(model, v));
            var labelled = outcomes.Where(o => o.Version == v).ToArray();
            double? value = labelled.Length == 0 ? null
                : metric == "accuracy" ? labelled.Count(o => o.Correct) / (double)labelled.Length
                : labelled.Where(o => o.AbsoluteError.HasValue).Select(o => o.AbsoluteError!.Value).DefaultIfEmpty(double.NaN).Average();
            return new AbVariant(v, m.RequestCount, m.ErrorRate, m.P95, labelled.Length, value);
        }).ToArray();

        var la = outcomes.Where(o => o.Version == a).ToArray();
        var lb = outcomes.Where(o => o.Version == b).ToArray();
        SignificanceResult? test = null;
        if (metric == "accuracy" && la.Length > 0 && lb.Length > 0)
        {
            test = SignificanceTests.TwoProportionZ(la.Count(o => o.Correct), la.Length, lb.Count(o => o.Correct), lb.Length);
        }
        else if (metric == "absolute_error")
        {
            var ea = la.Where(o => o.AbsoluteError.HasValue).Select(o => o.AbsoluteError!.Value).ToArray();
            var eb = lb.Where(o => o.AbsoluteError.HasValue).Select(o => o.AbsoluteError!.Value).ToArray();
            test = ea.Length >= 2 && eb.Length >= 2 ? SignificanceTests.WelchT(ea, eb) : null;
        }

        return new AbTestReport(model, metric, variants, test);
    }

    /// <summary>Shadow: <paramref name="primary"/> keeps all traffic and <paramref name="shadow"/> gets a mirrored copy, after its health check.</summary>
    public async Task<bool> StartShadowAsync(string model, string primary, string shadow, CancellationToken cancellationToken = default)
    {
        var current = server.Router.TableFor(model) ?? throw new ArgumentException($"Model '{model}' is not served here.", nameof(model));
        if (!await CheckHealthAsync(model, shadow, cancellationToken).ConfigureAwait(false))
        {
            await RecordAsync(model, "shadow", "abort", current, $"health check of {shadow} failed; nothing is mirrored", cancellationToken).ConfigureAwait(false);
            return false;
        }

        var table = RoutingTable.Shadowed(primary, shadow);
        server.UpdateRouting(model, table);
        await RecordAsync(model, "shadow", "mirror", table, $"{primary} serves all traffic; {shadow} receives a mirrored copy whose answers are discarded", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The offline comparison of a shadow with its primary so far.</summary>
    public ShadowReport ShadowReportFor(string model, string primary, string shadow)
    {
        var c = server.Metrics.ShadowFor(model, primary, shadow);
        var p = VersionMetricsSnapshot.Capture(server.Metrics.For(model, primary));
        return new ShadowReport(model, primary, shadow, c.Requests, c.FailedRequests, c.ComparedRows, c.AgreementRate, p.P95);
    }

    /// <summary>
    /// Runs a whole rollout on this runner's clock: a canary until it completes or rolls back (evaluated every
    /// <see cref="RolloutRequest.EvaluationInterval"/>), or starts an A/B split, a blue/green switch or a shadow.
    /// Returns a one-line outcome.
    /// </summary>
    public async Task<string> RunAsync(RolloutRequest request, string? warmupBody, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var current = server.Router.TableFor(request.Model) ?? throw new ArgumentException($"Model '{request.Model}' is not served here; served: {string.Join(", ", server.Models)}.", nameof(request));
        var stable = current.Weights.MaxBy(w => w.Weight)!.Version;
        switch (request.Strategy)
        {
            case RolloutStrategy.Canary:
                var rollout = await StartCanaryAsync(new CanaryPlan(request.Model, stable, request.Version, request.Steps, request.BakeTime, request.MaxErrorRate, request.MaxP95Seconds), cancellationToken).ConfigureAwait(false);
                if (!rollout.IsFinished)
                {
                    await rollout.RunAsync(request.EvaluationInterval, cancellationToken).ConfigureAwait(false);
                }

                return server.DeploymentLog.Events[^1].ToString();
            case RolloutStrategy.AB:
                return await StartAbTestAsync(request.Model, stable, request.Version, request.AbPercent, cancellationToken).ConfigureAwait(false)
                    ? Invariant($"A/B test running: {stable} {100 - request.AbPercent}%, {request.Version} {request.AbPercent}%")
                    : server.DeploymentLog.Events[^1].ToString();
            case RolloutStrategy.BlueGreen:
                _ = await SwitchBlueGreenAsync(request.Model, request.Version, warmupBody ?? string.Empty, warmupBody is null ? 0 : request.WarmupRequests, request.KeepOldFor, cancellationToken).ConfigureAwait(false);
                return server.DeploymentLog.Events[^1].ToString();
            default:
                await StartShadowAsync(request.Model, stable, request.Version, cancellationToken).ConfigureAwait(false);
                return server.DeploymentLog.Events[^1].ToString();
        }
    }

    internal async Task RecordAsync(string model, string strategy, string action, RoutingTable table, string reason, CancellationToken cancellationToken) =>
        await server.DeploymentLog.RecordAsync(new DeploymentEvent(_time.GetUtcNow(), model, strategy, action, table.Weights, reason), cancellationToken).ConfigureAwait(false);

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One A/B variant: its traffic, errors, latency and, once labelled, the chosen metric.</summary>
public sealed record AbVariant(string Version, long Requests, double ErrorRate, double P95Seconds, int Labelled, double? MetricValue);

/// <summary>The A/B comparison: both variants and the significance test, null until both variants have labels.</summary>
public sealed record AbTestReport(string Model, string Metric, IReadOnlyList<AbVariant> Variants, SignificanceResult? Test)
{
    /// <summary>A Markdown table for the issue, with the p-value.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"### A/B test of {Model} on {Metric}\n\n| variant | requests | 5xx rate | p95 | labelled | {Metric} |\n|---|---|---|---|---|---|\n");
        foreach (var v in Variants)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {v.Version} | {v.Requests} | {v.ErrorRate:P1} | {v.P95Seconds * 1000:0.0} ms | {v.Labelled} | {(v.MetricValue is { } m ? m.ToString("0.0000", CultureInfo.InvariantCulture) : "–")} |\n");
        }

        text.Append(Test is null
            ? "\nNo significance test yet: both variants need labels (POST /feedback).\n"
            : string.Create(CultureInfo.InvariantCulture, $"\n{Test.Test}: statistic {Test.Statistic:0.0000}, p-value {Test.PValue:0.0000} ({(Test.IsSignificant() ? "significant" : "not significant")} at 0.05).\n"));
        return text.ToString();
    }
}

/// <summary>The offline comparison of a shadow with its primary: mirrored requests, failures, agreement.</summary>
public sealed record ShadowReport(string Model, string Primary, string Shadow, long MirroredRequests, long ShadowFailures, long ComparedRows, double AgreementRate, double PrimaryP95Seconds);

/// <summary>A running canary rollout on a live server.</summary>
public sealed class CanaryRollout
{
    private readonly RolloutRunner _runner;
    private readonly ModelServer _server;
    private readonly TimeProvider _time;
    private int _logged;

    internal CanaryRollout(RolloutRunner runner, ModelServer server, CanaryPlan plan, TimeProvider time)
    {
        _runner = runner;
        _server = server;
        _time = time;
        Controller = new CanaryController(plan);
    }

    public CanaryController Controller { get; }

    public bool IsFinished => Controller.IsFinished;

    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        var healthy = await _runner.CheckHealthAsync(Controller.Plan.Model, Controller.Plan.Canary, cancellationToken).ConfigureAwait(false);
        var decision = Controller.Start(_time.GetUtcNow(), Totals(), () => healthy);
        await ApplyAsync(decision, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Evaluates the current step once at the clock's time and applies the decision to the server.</summary>
    public async Task<CanaryDecision> TickAsync(CancellationToken cancellationToken = default)
    {
        // The health check is an HTTP call, so it is made up front; the controller consults it only before a shift.
        var healthy = await _runner.CheckHealthAsync(Controller.Plan.Model, Controller.Plan.Canary, cancellationToken).ConfigureAwait(false);
        var decision = Controller.Evaluate(_time.GetUtcNow(), Totals(), () => healthy);
        await ApplyAsync(decision, cancellationToken).ConfigureAwait(false);
        return decision;
    }

    /// <summary>Ticks every <paramref name="interval"/> on the rollout's clock until the rollout completes or rolls back.</summary>
    public async Task<CanaryDecision> RunAsync(TimeSpan interval, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        while (true)
        {
            await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            var decision = await TickAsync(cancellationToken).ConfigureAwait(false);
            if (Controller.IsFinished)
            {
                return decision;
            }
        }
    }

    private VersionMetricsSnapshot Totals() =>
        VersionMetricsSnapshot.Capture(_server.Metrics.For(Controller.Plan.Model, Controller.Plan.Canary));

    private async Task ApplyAsync(CanaryDecision decision, CancellationToken cancellationToken)
    {
        if (decision.ChangesRouting)
        {
            _server.UpdateRouting(Controller.Plan.Model, decision.Table);
        }

        var log = Controller.Log;
        for (; _logged < log.Count; _logged++)
        {
            await _server.DeploymentLog.RecordAsync(DeploymentEvent.FromCanary(log[_logged]), cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>A blue/green switch: whether it happened, and the way back while the old stack is kept.</summary>
public sealed class BlueGreenSwitch
{
    private readonly RolloutRunner _runner;
    private readonly ModelServer _server;
    private ITimer? _retireTimer;
    private int _state; // 0 kept, 1 retired, 2 rolled back

    internal BlueGreenSwitch(RolloutRunner runner, ModelServer server, string model, string blue, string green, bool switched)
    {
        _runner = runner;
        _server = server;
        Model = model;
        Blue = blue;
        Green = green;
        Switched = switched;
    }

    public string Model { get; }

    /// <summary>The version that served before the switch.</summary>
    public string Blue { get; }

    /// <summary>The version switched to.</summary>
    public string Green { get; }

    /// <summary>False when warm-up or the health check failed and traffic stayed on blue.</summary>
    public bool Switched { get; }

    /// <summary>True once the keep period ended and blue was unloaded.</summary>
    public bool BlueRetired => Volatile.Read(ref _state) == 1;

    /// <summary>Switches all traffic back to blue while it is still kept.</summary>
    public async Task RollbackAsync(string reason, CancellationToken cancellationToken = default)
    {
        if (!Switched || Interlocked.CompareExchange(ref _state, 2, 0) != 0)
        {
            throw new InvalidOperationException($"{Model} cannot go back to {Blue}: {(Switched ? "it was already retired or rolled back" : "the switch never happened")}.");
        }

        _retireTimer?.Dispose();
        var table = RoutingTable.Single(Blue);
        _server.UpdateRouting(Model, table);
        await _runner.RecordAsync(Model, "blue-green", "rollback", table, $"{reason}; all traffic back on {Blue}", cancellationToken).ConfigureAwait(false);
    }

    internal void ScheduleRetire(TimeProvider time, TimeSpan keepOldFor)
    {
        _retireTimer = time.CreateTimer(_ => Retire(), null, keepOldFor, Timeout.InfiniteTimeSpan);
    }

    private void Retire()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) == 0)
        {
            _server.RetireVersion(Model, Blue);

            // Timer callbacks are synchronous; the log write is short, so it is awaited here rather than left running.
            _runner.RecordAsync(Model, "blue-green", "retire", RoutingTable.Single(Green), $"keep period over; {Blue} unloaded", CancellationToken.None).GetAwaiter().GetResult();
        }
    }
}
