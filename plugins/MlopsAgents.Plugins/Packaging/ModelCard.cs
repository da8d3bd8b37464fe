using System.Globalization;
using System.Text;

namespace MlopsAgents.Plugins.Packaging;

/// <summary>A model card in Markdown, rendered from a version's metadata: what it is, what it expects, how it scored, where it came from.</summary>
public static class ModelCard
{
    public static string Render(ModelMetadata m, IReadOnlyDictionary<string, string> aliases)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"# Model card: {m.ModelName} {m.Version}");
        sb.AppendLine();
        var mine = aliases.Where(a => a.Value == m.Version).Select(a => a.Key).ToList();
        sb.AppendLine(inv, $"- Aliases: {(mine.Count == 0 ? "none" : string.Join(", ", mine))}");
        var classes = m.ClassNames.Count > 0 ? $" (classes: {string.Join(", ", m.ClassNames)})" : "";
        sb.AppendLine(inv, $"- Task: {m.TaskType}, predicting `{m.Target}`{classes}");
        sb.AppendLine(inv, $"- Algorithm: {m.Algorithm} — {m.Implementation}");
        var source = m.Dataset is { } d ? $"on dataset `{d.DatasetId}` v{d.Version} (SHA-256 `{d.Sha256[..12]}…`)" : "in a built-in environment";
        sb.AppendLine(inv, $"- Trained in run `{m.TrainingId}` {source}, {m.CreatedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", inv)}");
        sb.AppendLine();
        sb.AppendLine("## Evaluation on the held-out test split");
        sb.AppendLine();
        sb.AppendLine("| metric | value |");
        sb.AppendLine("|---|---|");
        foreach (var (name, value) in m.Metrics.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(inv, $"| {name}{(name == m.PrimaryMetric ? " (primary)" : "")} | {value.ToString("0.0000", inv)} |");
        }

        sb.AppendLine();
        sb.AppendLine("## Inputs");
        sb.AppendLine();
        sb.AppendLine("| column | kind | missing values | encoding |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var c in m.InputColumns)
        {
            var missing = c.Kind == DataPreparation.ColumnKind.Numeric ? $"imputed with {c.ImputeNumber?.ToString("G6", inv)}" : $"imputed with '{c.ImputeCategory}'";
            var encoding = c.Kind == DataPreparation.ColumnKind.Numeric ? c.Scaling : $"{c.Encoding} over {c.Categories?.Count ?? 0} categories";
            sb.AppendLine(inv, $"| {c.Name} | {c.Kind.ToString().ToLowerInvariant()} | {missing} | {encoding} |");
        }

        sb.AppendLine();
        sb.AppendLine("## Hyperparameters");
        sb.AppendLine();
        foreach (var (name, value) in m.Hyperparameters.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(inv, $"- {name}: {Convert.ToString(value is System.Text.Json.JsonElement e ? e.GetRawText() : value, inv)}");
        }

        return sb.ToString();
    }
}
