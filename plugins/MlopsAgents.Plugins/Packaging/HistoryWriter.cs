using System.Globalization;
using System.Text;

namespace MlopsAgents.Plugins.Packaging;

/// <summary>Everything the training history needs about one run.</summary>
public sealed record TrainingHistoryEntry(
    string TrainingId,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    string RequestSource,
    string DatasetId,
    int DatasetVersion,
    string DatasetSha256,
    int Rows,
    int TrainRows,
    int ValidationRows,
    int TestRows,
    IReadOnlyList<string> FeatureNames,
    string Target,
    string LearningType,
    string TaskType,
    string Algorithm,
    IReadOnlyDictionary<string, object> Hyperparameters,
    IReadOnlyDictionary<string, double> Metrics,
    string PrimaryMetric,
    double Threshold,
    string Decision,
    string DecisionReason,
    int Attempts,
    string? ModelName,
    string? ModelVersion,
    string? Deployment)
{
    /// <summary>More Markdown sections (explanations, fairness, search), placed before the status.</summary>
    public IReadOnlyList<string> ExtraSections { get; init; } = [];
}

/// <summary>Writes the design's training history report: basic information, dataset, hyperparameters, evaluation, model and status.</summary>
public static class HistoryWriter
{
    public static string Render(TrainingHistoryEntry e)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"# Training history: {e.TrainingId}");
        sb.AppendLine();
        sb.AppendLine("## Basic information");
        sb.AppendLine();
        sb.AppendLine(inv, $"- Training ID: `{e.TrainingId}`");
        sb.AppendLine(inv, $"- Started: {e.StartedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", inv)}");
        sb.AppendLine(inv, $"- Duration: {e.Duration.TotalSeconds.ToString("0.0", inv)} s");
        sb.AppendLine(inv, $"- Request: {e.RequestSource}");
        sb.AppendLine(inv, $"- Learning type: {e.LearningType}; task: {e.TaskType}; algorithm: {e.Algorithm}");
        sb.AppendLine();
        if (string.IsNullOrEmpty(e.DatasetSha256))
        {
            // Reinforcement learning has no dataset: the environment generates the experience.
            sb.AppendLine("## Environment");
            sb.AppendLine();
            sb.AppendLine(inv, $"- Environment: `{e.DatasetId}`; {e.Rows} greedy evaluation episodes");
        }
        else
        {
            sb.AppendLine("## Dataset");
            sb.AppendLine();
            sb.AppendLine(inv, $"- Dataset: `{e.DatasetId}` version {e.DatasetVersion} (SHA-256 `{e.DatasetSha256[..12]}…`)");
            sb.AppendLine(inv, $"- Rows after cleaning: {e.Rows} (train {e.TrainRows}, validation {e.ValidationRows}, test {e.TestRows})");
            sb.AppendLine(inv, $"- Target: `{e.Target}`; {e.FeatureNames.Count} features");
        }

        sb.AppendLine();
        sb.AppendLine("## Hyperparameters");
        sb.AppendLine();
        sb.AppendLine("| name | value |");
        sb.AppendLine("|---|---|");
        foreach (var (name, value) in e.Hyperparameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(inv, $"| {name} | {Format(value)} |");
        }

        sb.AppendLine();
        sb.AppendLine("## Evaluation");
        sb.AppendLine();
        sb.AppendLine("| metric | value |");
        sb.AppendLine("|---|---|");
        foreach (var (name, value) in e.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var marker = name == e.PrimaryMetric ? " (primary)" : "";
            sb.AppendLine(inv, $"| {name}{marker} | {value.ToString("0.0000", inv)} |");
        }

        sb.AppendLine();
        sb.AppendLine("## Model");
        sb.AppendLine();
        sb.AppendLine(e.ModelName is null
            ? "- Not registered: the Judge did not pass the model."
            : $"- `{e.ModelName}` version {e.ModelVersion}");
        if (e.Deployment is not null)
        {
            sb.AppendLine(inv, $"- Deployment: {e.Deployment}");
        }

        sb.AppendLine();
        foreach (var section in e.ExtraSections)
        {
            sb.AppendLine(section.TrimEnd());
            sb.AppendLine();
        }

        sb.AppendLine("## Status");
        sb.AppendLine();
        sb.AppendLine(inv, $"- Decision: **{e.Decision}** after {e.Attempts} attempt(s); threshold {e.PrimaryMetric} {e.Threshold.ToString("0.####", inv)}");
        sb.AppendLine(inv, $"- Reason: {e.DecisionReason}");
        return sb.ToString();
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => value.ToString() ?? "",
    };
}
