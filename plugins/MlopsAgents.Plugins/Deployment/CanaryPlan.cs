namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// How a canary rollout proceeds: the traffic percentages the canary steps through, how long each step bakes, and
/// the thresholds that roll it back. Every field is checked on construction, with a message naming the field.
/// </summary>
public sealed record CanaryPlan
{
    /// <summary>The design's default steps: 10% → 50% → 100%.</summary>
    public static readonly IReadOnlyList<int> DefaultSteps = [10, 50, 100];

    public CanaryPlan(
        string model,
        string stable,
        string canary,
        IReadOnlyList<int>? steps,
        TimeSpan bakeTime,
        double maxErrorRate = 0.01,
        double maxP95Seconds = 0.100,
        int minRequestsPerStep = 20)
    {
        RequireName(model, nameof(Model));
        RequireName(stable, nameof(Stable));
        RequireName(canary, nameof(Canary));
        if (string.Equals(stable, canary, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Canary must differ from Stable; both are '{canary}'.", nameof(canary));
        }

        steps ??= DefaultSteps;
        ValidateSteps(steps);

        if (bakeTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(bakeTime), bakeTime, $"BakeTime must be zero or more; got {bakeTime}.");
        }

        if (double.IsNaN(maxErrorRate) || maxErrorRate is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxErrorRate), maxErrorRate, "MaxErrorRate is a fraction between 0 and 1 (0.01 is 1%).");
        }

        if (double.IsNaN(maxP95Seconds) || maxP95Seconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxP95Seconds), maxP95Seconds, "MaxP95Seconds must be a positive number of seconds (0.1 is 100 ms).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(minRequestsPerStep);

        Model = model;
        Stable = stable;
        Canary = canary;
        Steps = [.. steps];
        BakeTime = bakeTime;
        MaxErrorRate = maxErrorRate;
        MaxP95Seconds = maxP95Seconds;
        MinRequestsPerStep = minRequestsPerStep;
    }

    public string Model { get; }

    /// <summary>The version serving today, which gets all traffic back on rollback.</summary>
    public string Stable { get; }

    /// <summary>The new version being rolled out.</summary>
    public string Canary { get; }

    /// <summary>The canary's traffic percentage at each step, strictly increasing and ending at 100.</summary>
    public IReadOnlyList<int> Steps { get; }

    /// <summary>How long each step below 100% runs before the canary may move on.</summary>
    public TimeSpan BakeTime { get; }

    /// <summary>The highest 5xx rate, as a fraction, that the canary may show during a step.</summary>
    public double MaxErrorRate { get; }

    /// <summary>The highest p95 latency, in seconds, that the canary may show during a step.</summary>
    public double MaxP95Seconds { get; }

    /// <summary>How many canary requests a step needs before it is judged and may be promoted.</summary>
    public int MinRequestsPerStep { get; }

    private static void RequireName(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{field} is required.", char.ToLowerInvariant(field[0]) + field[1..]);
        }
    }

    private static void ValidateSteps(IReadOnlyList<int> steps)
    {
        if (steps.Count == 0)
        {
            throw new ArgumentException("Steps needs at least one percentage, and the last must be 100.", nameof(steps));
        }

        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i] is < 1 or > 100)
            {
                throw new ArgumentException($"Steps[{i}] is {steps[i]}; each step is a percentage from 1 to 100.", nameof(steps));
            }

            if (i > 0 && steps[i] <= steps[i - 1])
            {
                throw new ArgumentException(
                    $"Steps must be strictly increasing; Steps[{i}] = {steps[i]} follows {steps[i - 1]}.", nameof(steps));
            }
        }

        if (steps[^1] != 100)
        {
            throw new ArgumentException($"Steps must end at 100 so the canary can complete; the last is {steps[^1]}.", nameof(steps));
        }
    }
}
