using System.Globalization;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// A rollout to run on a live server, as <c>mlops serve --strategy</c> asks for it: which model, which version comes
/// in, with which strategy and settings. Every field is checked with a message naming it, its value and what is allowed.
/// </summary>
public sealed record RolloutRequest
{
    public required string Model { get; init; }

    /// <summary>The version rolled out (canary, green, B, or the shadow).</summary>
    public required string Version { get; init; }

    public RolloutStrategy Strategy { get; init; } = RolloutStrategy.Canary;

    /// <summary>Canary steps in percent; null means the design's 10 → 50 → 100.</summary>
    public IReadOnlyList<int>? Steps { get; init; }

    public TimeSpan BakeTime { get; init; } = TimeSpan.FromMinutes(10);

    public double MaxErrorRate { get; init; } = 0.01;

    public double MaxP95Seconds { get; init; } = 0.100;

    /// <summary>How often the canary is evaluated during bake.</summary>
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>B's share in an A/B test.</summary>
    public int AbPercent { get; init; } = 50;

    /// <summary>How long blue/green keeps the old version loaded for an instant rollback.</summary>
    public TimeSpan KeepOldFor { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Pinned warm-up requests sent to the new blue/green version before the switch.</summary>
    public int WarmupRequests { get; init; } = 20;

    /// <summary>Parses a strategy name as requests and the CLI spell it.</summary>
    public static RolloutStrategy ParseStrategy(string name) => name switch
    {
        "canary" => RolloutStrategy.Canary,
        "ab" or "a/b" => RolloutStrategy.AB,
        "blue-green" or "blue_green" or "bluegreen" => RolloutStrategy.BlueGreen,
        "shadow" => RolloutStrategy.Shadow,
        _ => throw new ArgumentException($"--strategy: '{name}' is not a strategy; allowed: canary, ab, blue-green, shadow."),
    };

    /// <summary>Parses canary steps such as <c>10,50,100</c>.</summary>
    public static IReadOnlyList<int> ParseSteps(string text)
    {
        var steps = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var step))
            {
                throw new ArgumentException($"--steps: '{part}' in '{text}' is not a whole percentage; give e.g. 10,50,100.");
            }

            steps.Add(step);
        }

        return steps;
    }

    /// <summary>Throws with a message naming the field, its value and what is allowed.</summary>
    public void Validate()
    {
        if (Steps is not null)
        {
            // CanaryPlan holds the step rules; building one checks them with its messages.
            _ = new CanaryPlan(Model, "stable", Version == "stable" ? "canary" : Version, Steps, BakeTime, MaxErrorRate, MaxP95Seconds);
        }

        if (AbPercent is < 1 or > 99)
        {
            throw new ArgumentException($"--ab-percent: {AbPercent}; allowed: 1 to 99.");
        }

        if (EvaluationInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"EvaluationInterval: {EvaluationInterval}; allowed: a positive time.");
        }

        if (KeepOldFor < TimeSpan.Zero)
        {
            throw new ArgumentException($"--keep-old: {KeepOldFor.TotalSeconds} s; allowed: 0 or more seconds.");
        }

        if (WarmupRequests < 0)
        {
            throw new ArgumentException($"WarmupRequests: {WarmupRequests}; allowed: 0 or more.");
        }
    }
}

/// <summary>Reads what the server needs next to a package: its drift baseline, and a typical row for warm-up.</summary>
public static class ServingArtifacts
{
    /// <summary>The drift baseline saved next to a model version, or null when the version has none.</summary>
    public static async Task<DriftBaseline?> BaselineAsync(IArtifactStore store, string model, string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var key = ArtifactKeys.ModelFile(model, version, DriftBaseline.FileName);
        return await store.ExistsAsync(key, cancellationToken).ConfigureAwait(false)
            ? DriftBaseline.FromJson(await store.ReadTextAsync(key, cancellationToken).ConfigureAwait(false))
            : null;
    }

    /// <summary>A predict body with one typical row: each numeric feature's median and each categorical feature's most frequent value.</summary>
    public static string TypicalRowBody(DriftBaseline baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var row = new JsonObject();
        foreach (var feature in baseline.Features)
        {
            if (feature.Numeric is { } numeric && numeric.Quantiles.TryGetValue("0.5", out var median) && double.IsFinite(median))
            {
                row[feature.Name] = median;
            }
            else if (feature.Categories is { Count: > 0 } categories)
            {
                row[feature.Name] = categories.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).First().Key;
            }
        }

        return new JsonObject { ["rows"] = new JsonArray(row) }.ToJsonString();
    }
}
