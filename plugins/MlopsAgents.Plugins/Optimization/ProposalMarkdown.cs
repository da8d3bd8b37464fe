using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MlopsAgents.Plugins.Optimization;

/// <summary>
/// The design's optimization comment, rendered from the proposal alone: every number it shows is a value of the
/// proposal's JSON, formatted the same way.
/// </summary>
public static class ProposalMarkdown
{
    public static string Render(OptimizationProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        var inv = CultureInfo.InvariantCulture;
        var c = proposal.Characteristics;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"## Workflow optimization proposal: {c.DatasetId ?? "request"} / {c.Algorithm}");
        sb.AppendLine();
        sb.AppendLine(inv, $"Performance profile: **{proposal.PerformanceProfile}** ({proposal.ProfileReason}).");
        sb.AppendLine();
        sb.AppendLine("### Model characteristics");
        sb.AppendLine();
        sb.AppendLine("| characteristic | value |");
        sb.AppendLine("|---|---|");
        sb.AppendLine(inv, $"| learning type | {c.LearningType} |");
        sb.AppendLine(inv, $"| task | {c.TaskType} |");
        sb.AppendLine(inv, $"| algorithm | {c.Algorithm} |");
        sb.AppendLine(inv, $"| primary metric | {c.PrimaryMetric} |");
        sb.AppendLine(inv, $"| rows | {c.Rows.ToString(inv)} |");
        sb.AppendLine(inv, $"| size class | {c.SizeClass} ({SizeRange(proposal)}) |");
        sb.AppendLine(inv, $"| features | {c.FeatureCount.ToString(inv)} |");
        sb.AppendLine(inv, $"| class-imbalance ratio | {(c.ImbalanceRatio is { } r ? F(r) : "n/a")} |");
        sb.AppendLine(inv, $"| missing-value share | {F(c.MissingShare)} |");
        sb.AppendLine(inv, $"| outlier share (worst column) | {F(c.OutlierShare)} |");
        sb.AppendLine(inv, $"| similar past runs | {c.SimilarRuns.Count.ToString(inv)} |");
        sb.AppendLine();
        if (c.SimilarRuns.Count > 0)
        {
            sb.AppendLine(inv, $"| past run | dataset | rows | decision | {c.PrimaryMetric} | seconds |");
            sb.AppendLine("|---|---|---|---|---|---|");
            foreach (var run in c.SimilarRuns)
            {
                sb.AppendLine(inv, $"| {run.TrainingId} | {run.DatasetId} | {Opt(run.Rows)} | {run.Decision ?? ""} | {Opt(run.PrimaryMetric)} | {Opt(run.DurationSeconds)} |");
            }

            sb.AppendLine();
        }

        sb.AppendLine("### Proposed optimizations");
        sb.AppendLine();
        foreach (var phase in proposal.Phases)
        {
            sb.AppendLine(inv, $"#### Phase {phase.Phase.ToString(inv)}: {phase.Name}");
            sb.AppendLine();
            if (phase.Optimizations.Count == 0)
            {
                sb.AppendLine("No change proposed.");
            }

            foreach (var o in phase.Optimizations)
            {
                var patch = string.Join(", ", o.ConfigPatch.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"`{p.Key}`"));
                sb.AppendLine(inv, $"- **{o.Title}** (`{o.Id}`; sets {patch}): {o.Reason}.");
            }

            sb.AppendLine();
        }

        sb.AppendLine("### Estimated impact");
        sb.AppendLine();
        sb.AppendLine("From this store's own run history only.");
        sb.AppendLine();
        if (proposal.Impact.Count == 0)
        {
            sb.AppendLine("No optimization to estimate.");
        }

        foreach (var impact in proposal.Impact)
        {
            sb.AppendLine(inv, $"- `{impact.OptimizationId}`: {impact.Summary}.");
        }

        sb.AppendLine();
        sb.AppendLine("### Approval");
        sb.AppendLine();
        sb.AppendLine("Reply `/approve` to apply the optimizations above, or `/reject` to train the request as written. A 👍 reaction on this comment counts as `/approve`.");
        return sb.ToString();
    }

    private static string SizeRange(OptimizationProposal proposal)
    {
        var b = proposal.SizeClassBounds;
        var inv = CultureInfo.InvariantCulture;
        return proposal.Characteristics.SizeClass switch
        {
            SizeClasses.Small => $"under {b.MediumMinRows.ToString(inv)} rows",
            SizeClasses.Medium => $"{b.MediumMinRows.ToString(inv)} to {b.MediumMaxRows.ToString(inv)} rows",
            _ => $"over {b.MediumMaxRows.ToString(inv)} rows",
        };
    }

    private static string Opt(double? value) => value is { } v ? F(v) : "";

    private static string Opt(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    // JsonSerializer writes doubles in their shortest round-trip form, which "R" reproduces.
    private static string F(double value) => JsonSerializer.Serialize(value);
}
