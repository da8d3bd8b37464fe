using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MlopsAgents.Agents.Explainer;

/// <summary>
/// The deterministic results comment and history narrative, written from results.json alone; every number is a
/// results value rounded to four decimals, so the template always passes <see cref="NumberFaithfulness"/>.
/// </summary>
public static class ResultsTemplate
{
    public static string Comment(JsonObject results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var judge = results["judge"] as JsonObject;
        var decision = judge?["decision"]?.ToString() ?? "unknown";
        sb.AppendLine(inv, $"### Results: {Text(results, "training_id") ?? "training run"}");
        sb.AppendLine();
        sb.AppendLine(inv, $"**Judge: {decision}.** {judge?["reason"]?.ToString() ?? "The results hold no Judge verdict."}");
        sb.AppendLine();
        if (results["metrics"] is JsonObject metrics)
        {
            var primary = Text(results, "primary_metric");
            sb.AppendLine("| metric | value |");
            sb.AppendLine("|---|---|");
            foreach (var (name, value) in metrics)
            {
                if (Number(value) is { } v)
                {
                    sb.AppendLine(inv, $"| {(name == primary ? $"**{name}**" : name)} | {F(v)} |");
                }
            }

            sb.AppendLine();
        }

        if (Weakest(results) is { } weakest)
        {
            sb.AppendLine(inv, $"Weakest class: `{weakest.Class}` (recall {F(weakest.Recall)}).");
            sb.AppendLine();
        }

        if (results["model"] is JsonObject model)
        {
            sb.AppendLine(inv, $"Model: `{model["name"]}` version {model["version"]}.");
            sb.AppendLine();
        }

        sb.Append(NextStep(decision));
        return sb.ToString();
    }

    public static string Narrative(JsonObject results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var inv = CultureInfo.InvariantCulture;
        var primary = Text(results, "primary_metric") ?? "the primary metric";
        var value = results["metrics"]?[primary] is { } node && Number(node) is { } v ? F(v) : "n/a";
        var judge = results["judge"] as JsonObject;
        return string.Create(inv, $"Run {Text(results, "training_id") ?? "?"} trained {Text(results, "algorithm") ?? "a model"} for {Text(results, "task_type") ?? "the task"}; " +
            $"{primary} reached {value} and the Judge's decision was {judge?["decision"]?.ToString() ?? "unknown"}. {judge?["reason"]?.ToString() ?? ""}").Trim();
    }

    private static string NextStep(string decision) => decision switch
    {
        "pass" => "Next step: the model is registered and deployed by the workflow; watch drift and live metrics, or comment `/rollback` to return to the previous version.",
        "fail" or "retry" => "Next step: retrain with a change, e.g. comment \"use bayesian search with 30 trials\", or add more data; `/retrain` starts a new attempt.",
        _ => "Next step: comment `/status` for the workflow's state.",
    };

    private static (string Class, double Recall)? Weakest(JsonObject results) =>
        results["per_class"] is JsonArray perClass
            ? perClass.OfType<JsonObject>()
                .Select(c => (Class: c["class"]?.ToString() ?? "?", Recall: Number(c["recall"])))
                .Where(c => c.Recall is not null)
                .Select(c => (c.Class, c.Recall!.Value))
                .OrderBy(c => c.Value)
                .Cast<(string, double)?>()
                .FirstOrDefault()
            : null;

    private static string? Text(JsonObject results, string name) => results[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static double? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private static string F(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
