using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlopsAgents.Plugins.Optimization;

/// <summary>
/// One proposed change. <see cref="ConfigPatch"/> maps request field paths (e.g. <c>data_preprocessing.class_imbalance</c>)
/// to the values they would take; <see cref="RequestPatcher"/> applies it.
/// </summary>
public sealed record ProposedOptimization(
    string Id,
    int Phase,
    string Title,
    IReadOnlyDictionary<string, object> ConfigPatch,
    string Reason);

/// <summary>The optimizations of one phase of the workflow.</summary>
public sealed record PhaseProposal(int Phase, string Name, IReadOnlyList<ProposedOptimization> Optimizations);

/// <summary>The estimated effect of one optimization, from past runs with and without it.</summary>
public sealed record ImpactEstimate(
    string OptimizationId,
    string Metric,
    int RunsWith,
    int RunsWithout,
    bool EnoughHistory,
    double? MetricDelta,
    double? DurationDeltaSeconds,
    string Summary);

/// <summary>The optimizer's proposal: the characteristics it read, the profile, the optimizations per phase and their estimated impact.</summary>
public sealed record OptimizationProposal(
    ModelCharacteristics Characteristics,
    string PerformanceProfile,
    string ProfileReason,
    IReadOnlyList<PhaseProposal> Phases,
    IReadOnlyList<ImpactEstimate> Impact)
{
    /// <summary>The names of phases 1 to 7, in order.</summary>
    public static readonly IReadOnlyList<string> PhaseNames =
        ["data preparation", "training", "evaluation", "packaging", "deployment", "monitoring", "retraining"];

    /// <summary>The phase bounds of the size classes, so that every number the comment shows is in the JSON too.</summary>
    public SizeClassBounds SizeClassBounds { get; init; } = new(SizeClasses.MediumMinRows, SizeClasses.MediumMaxRows);

    /// <summary>The fewest runs on each side that an impact estimate needs.</summary>
    public int MinRunsPerSide { get; init; } = ImpactEstimator.DefaultMinRunsPerSide;

    [JsonIgnore]
    public IEnumerable<ProposedOptimization> AllOptimizations => Phases.SelectMany(p => p.Optimizations);

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

/// <summary>Rows from which a dataset is medium (inclusive) and up to which it stays medium (inclusive).</summary>
public sealed record SizeClassBounds(int MediumMinRows, int MediumMaxRows);
