using System.Globalization;

namespace MlopsAgents.Aws.Resources;

/// <summary>What the request asks to optimise for.</summary>
public enum PerformanceProfile
{
    /// <summary>Cheapest: general-purpose instances, spot training.</summary>
    Cost,

    /// <summary>General-purpose instances a size up, spot training.</summary>
    Balanced,

    /// <summary>Compute-optimised instances, on-demand (no spot interruptions).</summary>
    Performance,
}

/// <summary>The instance choice for one training job and its endpoint, with the reason in words.</summary>
public sealed record ResourceSelection(
    string SizeTier,
    string TrainingInstanceType,
    int TrainingInstanceCount,
    int VolumeSizeInGb,
    bool UseSpot,
    int MaxRuntimeInSeconds,
    int MaxWaitTimeInSeconds,
    string InferenceInstanceType,
    string Reason);

/// <summary>
/// Picks SageMaker instance types from the dataset size and the performance profile with a fixed table (README, "AWS
/// backends"), so the same request always gets the same resources and a reviewer can predict the bill. Tiers by dataset
/// size: small &lt; 1 GiB, medium &lt; 10 GiB, large &lt; 100 GiB, xlarge beyond. The training volume holds three copies of
/// the data (download, processed split, checkpoint) with a 30 GiB floor.
/// </summary>
public static class ResourceSelector
{
    private static readonly (string Tier, long MaxBytes)[] Tiers =
    [
        ("small", 1L << 30),
        ("medium", 10L << 30),
        ("large", 100L << 30),
        ("xlarge", long.MaxValue),
    ];

    private static readonly Dictionary<(string Tier, PerformanceProfile Profile), (string Type, int Count, int RuntimeSeconds)> Training = new()
    {
        [("small", PerformanceProfile.Cost)] = ("ml.m5.large", 1, 3600),
        [("small", PerformanceProfile.Balanced)] = ("ml.m5.xlarge", 1, 3600),
        [("small", PerformanceProfile.Performance)] = ("ml.c5.2xlarge", 1, 3600),
        [("medium", PerformanceProfile.Cost)] = ("ml.m5.2xlarge", 1, 4 * 3600),
        [("medium", PerformanceProfile.Balanced)] = ("ml.m5.4xlarge", 1, 4 * 3600),
        [("medium", PerformanceProfile.Performance)] = ("ml.c5.9xlarge", 1, 2 * 3600),
        [("large", PerformanceProfile.Cost)] = ("ml.m5.4xlarge", 2, 12 * 3600),
        [("large", PerformanceProfile.Balanced)] = ("ml.m5.12xlarge", 2, 8 * 3600),
        [("large", PerformanceProfile.Performance)] = ("ml.c5.18xlarge", 2, 6 * 3600),
        [("xlarge", PerformanceProfile.Cost)] = ("ml.m5.12xlarge", 4, 24 * 3600),
        [("xlarge", PerformanceProfile.Balanced)] = ("ml.m5.24xlarge", 4, 24 * 3600),
        [("xlarge", PerformanceProfile.Performance)] = ("ml.c5.18xlarge", 8, 12 * 3600),
    };

    private static readonly Dictionary<PerformanceProfile, string> Inference = new()
    {
        [PerformanceProfile.Cost] = "ml.t2.medium",
        [PerformanceProfile.Balanced] = "ml.m5.large",
        [PerformanceProfile.Performance] = "ml.c5.xlarge",
    };

    public static PerformanceProfile ParseProfile(string value) => value?.Trim().ToLowerInvariant() switch
    {
        "cost" or "low_cost" or "cheap" => PerformanceProfile.Cost,
        "balanced" or "default" or "" or null => PerformanceProfile.Balanced,
        "performance" or "fast" or "high_performance" => PerformanceProfile.Performance,
        _ => throw new ArgumentException($"performance_profile '{value}' is not allowed; use cost, balanced or performance.", nameof(value)),
    };

    public static ResourceSelection Select(long datasetBytes, PerformanceProfile profile)
    {
        if (datasetBytes < 0)
        {
            throw new ArgumentException($"dataset_bytes {datasetBytes.ToString(CultureInfo.InvariantCulture)} must not be negative.", nameof(datasetBytes));
        }

        var tier = Tiers.First(t => datasetBytes < t.MaxBytes).Tier;
        var (type, count, runtime) = Training[(tier, profile)];
        var gib = datasetBytes / (double)(1L << 30);
        var volume = Math.Max(30, (int)Math.Ceiling(gib * 3));
        var spot = profile != PerformanceProfile.Performance;
        // Spot jobs may wait for capacity; allow twice the runtime in total, as the SageMaker docs' examples do.
        var wait = spot ? runtime * 2 : runtime;
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"{gib:0.###} GiB is the {tier} tier; profile {profile.ToString().ToLowerInvariant()} picks {count} x {type}{(spot ? " on spot with checkpoints" : " on demand")} and {Inference[profile]} for serving.");
        return new ResourceSelection(tier, type, count, volume, spot, runtime, wait, Inference[profile], reason);
    }
}
