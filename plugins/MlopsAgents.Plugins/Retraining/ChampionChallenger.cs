using System.Globalization;
using System.Text;
using System.Text.Json;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Plugins.Retraining;

/// <summary>
/// When a challenger replaces the champion, with MLflow's <c>MetricThreshold</c> semantics: the challenger must beat
/// the champion by at least <see cref="MinAbsoluteChange"/> and by at least <see cref="MinRelativeChange"/> (as a
/// fraction of the champion's value), each only when set; with neither set it must simply be better.
/// </summary>
public sealed record PromotionCriteria
{
    /// <summary>The metrics a comparison computes: accuracy and macro_f1 (classification), rmse and mae (regression).</summary>
    public static readonly IReadOnlyList<string> Metrics = ["accuracy", "macro_f1", "rmse", "mae"];

    public PromotionCriteria(string metric = "accuracy", double? minAbsoluteChange = null, double? minRelativeChange = null)
    {
        if (!Metrics.Contains(metric, StringComparer.Ordinal))
        {
            throw new ArgumentException($"metric is '{metric}'; allowed: {string.Join(", ", Metrics)}.");
        }

        if (minAbsoluteChange is { } a && (double.IsNaN(a) || a < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(minAbsoluteChange), minAbsoluteChange, "min_absolute_change must be 0 or more, in the metric's units.");
        }

        if (minRelativeChange is { } r && (double.IsNaN(r) || r < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(minRelativeChange), minRelativeChange, "min_relative_change must be 0 or more, as a fraction (0.02 is 2%).");
        }

        Metric = metric;
        MinAbsoluteChange = minAbsoluteChange;
        MinRelativeChange = minRelativeChange;
    }

    public string Metric { get; }

    public double? MinAbsoluteChange { get; }

    public double? MinRelativeChange { get; }

    /// <summary>False for error metrics (rmse, mae), where lower is better.</summary>
    public bool GreaterIsBetter => Metric is "accuracy" or "macro_f1";
}

/// <summary>Promote or not, and why.</summary>
public sealed record ChallengerDecision(bool Promote, string Reason);

/// <summary>How much one feature matters to each model on the fresh data (permutation importance), and the change.</summary>
public sealed record ImportanceChange(string Feature, double Champion, double Challenger)
{
    public double Change => Challenger - Champion;
}

/// <summary>The champion/challenger comparison on the same fresh data: metrics, importance, version diff, decision.</summary>
public sealed record ComparisonReport(
    string Model,
    string ChampionVersion,
    string ChallengerVersion,
    int Rows,
    IReadOnlyDictionary<string, double> ChampionMetrics,
    IReadOnlyDictionary<string, double> ChallengerMetrics,
    IReadOnlyList<ImportanceChange> Importance,
    IReadOnlyList<(string Field, string Champion, string Challenger)> Diff,
    PromotionCriteria Criteria,
    ChallengerDecision Decision)
{
    /// <summary>The report for the issue and the history.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"## Champion vs challenger: {Model}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Both evaluated on the same {Rows} fresh rows.\n\n");
        text.Append(CultureInfo.InvariantCulture, $"| metric | champion {ChampionVersion} | challenger {ChallengerVersion} | change |\n|---|---|---|---|\n");
        foreach (var metric in ChampionMetrics.Keys.Order(StringComparer.Ordinal))
        {
            var a = ChampionMetrics[metric];
            var b = ChallengerMetrics.GetValueOrDefault(metric, double.NaN);
            text.Append(CultureInfo.InvariantCulture, $"| {metric}{(metric == Criteria.Metric ? " (decides)" : string.Empty)} | {a:0.0000} | {b:0.0000} | {b - a:+0.0000;-0.0000;0.0000} |\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\n**Decision: {(Decision.Promote ? "promote the challenger" : "keep the champion")}.** {Decision.Reason}\n");
        if (Importance.Count > 0)
        {
            text.Append("\n### Feature importance (permutation, on the fresh rows), largest changes first\n\n| feature | champion | challenger | change |\n|---|---|---|---|\n");
            foreach (var i in Importance.OrderByDescending(i => Math.Abs(i.Change)).ThenBy(i => i.Feature, StringComparer.Ordinal).Take(10))
            {
                text.Append(CultureInfo.InvariantCulture, $"| {i.Feature} | {i.Champion:0.0000} | {i.Challenger:0.0000} | {i.Change:+0.0000;-0.0000;0.0000} |\n");
            }
        }

        text.Append("\n### Version diff\n\n| field | champion | challenger |\n|---|---|---|\n");
        foreach (var (field, a, b) in Diff)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {field} | {a} | {b} |\n");
        }

        return text.ToString();
    }
}

/// <summary>Evaluates champion and challenger on the same fresh labelled data and decides on promotion.</summary>
public static class ChampionChallenger
{
    /// <summary>Applies <paramref name="criteria"/> to the two values of its metric.</summary>
    public static ChallengerDecision Decide(double champion, double challenger, PromotionCriteria criteria)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        var gain = criteria.GreaterIsBetter ? challenger - champion : champion - challenger;
        var relative = champion == 0 ? (gain > 0 ? double.PositiveInfinity : 0) : gain / Math.Abs(champion);
        var m = criteria.Metric;
        string Values() => string.Create(CultureInfo.InvariantCulture, $"{m} {challenger:0.0000} vs {champion:0.0000} (change {gain:+0.0000;-0.0000;0.0000}, {relative:+0.00%;-0.00%;0.00%})");
        if (criteria.MinAbsoluteChange is null && criteria.MinRelativeChange is null)
        {
            return gain > 0
                ? new ChallengerDecision(true, $"{Values()}: the challenger is better.")
                : new ChallengerDecision(false, $"{Values()}: the challenger is not better.");
        }

        if (criteria.MinAbsoluteChange is { } minAbs && gain < minAbs)
        {
            return new ChallengerDecision(false, string.Create(CultureInfo.InvariantCulture, $"{Values()}: below min_absolute_change {minAbs:0.####}."));
        }

        if (criteria.MinRelativeChange is { } minRel && relative < minRel)
        {
            return new ChallengerDecision(false, string.Create(CultureInfo.InvariantCulture, $"{Values()}: below min_relative_change {minRel:0.##%}."));
        }

        return new ChallengerDecision(true, $"{Values()}: beats the champion by the required margin.");
    }

    /// <summary>
    /// Predicts <paramref name="fresh"/> (which holds the target column) with both packages, computes the metrics and
    /// permutation importance of every shared input column (seeded shuffles), and decides.
    /// </summary>
    public static ComparisonReport Compare(ModelPackage champion, ModelPackage challenger, DataFrame fresh, PromotionCriteria criteria, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(challenger);
        ArgumentNullException.ThrowIfNull(fresh);
        ArgumentNullException.ThrowIfNull(criteria);
        var target = champion.Metadata.Target;
        var targetIndex = fresh.IndexOf(target);
        if (targetIndex < 0)
        {
            throw new DataValidationException($"fresh data: the target column '{target}' is missing; columns: {string.Join(", ", fresh.Columns)}.");
        }

        if (fresh.RowCount == 0)
        {
            throw new DataValidationException("fresh data: no rows to evaluate the champion and the challenger on.");
        }

        var labels = fresh.Rows.Select(r => r[targetIndex] ?? string.Empty).ToArray();
        var regression = champion.Metadata.TaskType == TaskTypes.Regression;
        var championMetrics = Metrics(Predict(champion, fresh), labels, regression);
        var challengerMetrics = Metrics(Predict(challenger, fresh), labels, regression);
        if (!championMetrics.ContainsKey(criteria.Metric))
        {
            throw new ArgumentException($"metric '{criteria.Metric}' does not apply to a {champion.Metadata.TaskType} model; use {string.Join(" or ", championMetrics.Keys)}.", nameof(criteria));
        }

        var decision = Decide(championMetrics[criteria.Metric], challengerMetrics[criteria.Metric], criteria);
        var shared = champion.Preprocessor.Columns.Select(c => c.Name).Intersect(challenger.Preprocessor.Columns.Select(c => c.Name), StringComparer.Ordinal).ToArray();
        var importance = shared.Select(f => new ImportanceChange(
            f,
            Importance(champion, fresh, f, labels, regression, criteria, championMetrics[criteria.Metric], seed),
            Importance(challenger, fresh, f, labels, regression, criteria, challengerMetrics[criteria.Metric], seed))).ToArray();

        var a = champion.Metadata;
        var b = challenger.Metadata;
        var diff = new List<(string, string, string)>
        {
            ("version", a.Version, b.Version),
            ("algorithm", a.Algorithm, b.Algorithm),
            ("training id", a.TrainingId, b.TrainingId),
            ("dataset", a.Dataset is null ? "–" : $"{a.Dataset.DatasetId} v{a.Dataset.Version}", b.Dataset is null ? "–" : $"{b.Dataset.DatasetId} v{b.Dataset.Version}"),
            ("hyperparameters", JsonSerializer.Serialize(a.Hyperparameters.OrderBy(h => h.Key, StringComparer.Ordinal).ToDictionary()), JsonSerializer.Serialize(b.Hyperparameters.OrderBy(h => h.Key, StringComparer.Ordinal).ToDictionary())),
            ("feature schema", a.FeatureSchemaHash, b.FeatureSchemaHash),
            ($"training {a.PrimaryMetric}", Format(a.Metrics.GetValueOrDefault(a.PrimaryMetric, double.NaN)), Format(b.Metrics.GetValueOrDefault(a.PrimaryMetric, double.NaN))),
        };

        return new ComparisonReport(a.ModelName, a.Version, b.Version, fresh.RowCount, championMetrics, challengerMetrics, importance, diff, criteria, decision);
    }

    private static string Format(double value) => double.IsNaN(value) ? "–" : value.ToString("0.0000", CultureInfo.InvariantCulture);

    private static double Importance(ModelPackage package, DataFrame fresh, string feature, string[] labels, bool regression, PromotionCriteria criteria, double baseline, int seed)
    {
        var index = fresh.IndexOf(feature);
        if (index < 0)
        {
            return 0;
        }

        var random = new Random(seed);
        var column = fresh.Rows.Select(r => r[index]).ToArray();
        random.Shuffle(column);
        var shuffled = fresh.WithRows(fresh.Rows.Select((r, i) =>
        {
            var copy = (string?[])r.Clone();
            copy[index] = column[i];
            return copy;
        }));
        var permuted = Metrics(Predict(package, shuffled), labels, regression)[criteria.Metric];
        return criteria.GreaterIsBetter ? baseline - permuted : permuted - baseline;
    }

    private static string[] Predict(ModelPackage package, DataFrame frame)
    {
        var inputs = package.Preprocessor.Columns.Select(c => (c.Name, Index: frame.IndexOf(c.Name))).Where(c => c.Index >= 0).ToArray();
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var row in frame.Rows)
            {
                writer.WriteStartObject();
                foreach (var (name, index) in inputs)
                {
                    var cell = row[index];
                    if (DataFrame.IsMissingToken(cell))
                    {
                        writer.WriteNull(name);
                    }
                    else if (DataFrame.TryParseNumber(cell, out var number))
                    {
                        writer.WriteNumber(name, number);
                    }
                    else
                    {
                        writer.WriteString(name, cell);
                    }
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        var (predictions, errors) = package.Predict([.. document.RootElement.EnumerateArray()]);
        if (predictions is null)
        {
            var first = errors[0];
            throw new DataValidationException($"fresh data: {package.Metadata.ModelName} {package.Metadata.Version} rejects row {first.Row}: {first.Message}.");
        }

        return [.. predictions.Select(p => Convert.ToString(p.Prediction, CultureInfo.InvariantCulture) ?? string.Empty)];
    }

    private static Dictionary<string, double> Metrics(string[] predicted, string[] actual, bool regression)
    {
        if (regression)
        {
            var errors = predicted.Select((p, i) => double.Parse(p, CultureInfo.InvariantCulture) - double.Parse(actual[i], CultureInfo.InvariantCulture)).ToArray();
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["rmse"] = Math.Sqrt(errors.Average(e => e * e)),
                ["mae"] = errors.Average(Math.Abs),
            };
        }

        var classes = actual.Union(predicted, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var f1 = classes.Select(c =>
        {
            var tp = predicted.Where((p, i) => p == c && actual[i] == c).Count();
            var fp = predicted.Where((p, i) => p == c && actual[i] != c).Count();
            var fn = predicted.Where((p, i) => p != c && actual[i] == c).Count();
            return tp == 0 ? 0.0 : 2.0 * tp / ((2.0 * tp) + fp + fn);
        }).Average();
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["accuracy"] = predicted.Where((p, i) => p == actual[i]).Count() / (double)actual.Length,
            ["macro_f1"] = f1,
        };
    }
}
