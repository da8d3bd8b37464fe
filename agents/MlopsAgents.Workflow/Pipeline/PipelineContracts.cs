using System.Text.Json.Serialization;
using MlopsAgents.Plugins.Judging;

namespace MlopsAgents.Workflow.Pipeline;

/// <summary>The packaged model, in the run summary.</summary>
public sealed record ModelSummary(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version);

/// <summary>Paths of the main artifacts of a run, in the run summary. Which of the optional ones appear depends on the learning type.</summary>
public sealed record ArtifactSummary(
    [property: JsonPropertyName("results")] string Results,
    [property: JsonPropertyName("predictions"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Predictions,
    [property: JsonPropertyName("data_quality"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DataQuality,
    [property: JsonPropertyName("history")] string History)
{
    /// <summary>Clustering: assignments.csv, one <c>cluster</c> column in input row order.</summary>
    [JsonPropertyName("assignments")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Assignments { get; init; }

    /// <summary>Dimensionality reduction: embedding.csv, columns c1..cn in input row order.</summary>
    [JsonPropertyName("embedding")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Embedding { get; init; }

    /// <summary>Reinforcement learning: the trained policy's folder.</summary>
    [JsonPropertyName("policy")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Policy { get; init; }
}

/// <summary>The <c>--json</c> summary of <c>mlops run</c>.</summary>
public sealed record PipelineSummary(
    [property: JsonPropertyName("training_id")] string TrainingId,
    [property: JsonPropertyName("decision")] string Decision,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, double> Metrics,
    [property: JsonPropertyName("model")] ModelSummary? Model,
    [property: JsonPropertyName("artifacts")] ArtifactSummary Artifacts,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("duration_seconds")] double DurationSeconds)
{
    /// <summary>Where the model was deployed, when it was (supervised models go to the local prediction server).</summary>
    [JsonPropertyName("deployment")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Deployment { get; init; }

    /// <summary>PCA's explained-variance ratios, largest first (a list, so it sits beside the scalar metrics).</summary>
    [JsonPropertyName("explained_variance_ratio")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? ExplainedVarianceRatio { get; init; }

    [JsonIgnore]
    public bool Passed => Decision == JudgeDecisions.Pass;
}
