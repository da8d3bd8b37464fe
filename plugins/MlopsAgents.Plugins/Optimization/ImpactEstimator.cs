using System.Globalization;
using System.Text.Json;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Optimization;

/// <summary>
/// Estimates an optimization's effect from this store's own runs, never from outside figures: finished runs of the same
/// task and algorithm family that record the request's primary metric are split into those with and those without the
/// optimization, and the means are compared. Below the minimum on either side it says so, with the counts.
/// </summary>
public static class ImpactEstimator
{
    public const int DefaultMinRunsPerSide = 3;

    public static ImpactEstimate Estimate(ProposedOptimization optimization, TrainingRequest request, RunHistory history, int minRunsPerSide = DefaultMinRunsPerSide)
    {
        ArgumentNullException.ThrowIfNull(optimization);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThan(minRunsPerSide, 1);
        var metric = request.EffectivePrimaryMetric;
        var all = history.Runs.ToList();
        var candidates = history.CompletedRuns().Select(h => h.Run)
            .Where(r => r.TaskType == request.TaskType && r.Metrics.ContainsKey(metric))
            .ToList();

        List<RunRecord> with, without;
        if (optimization.ConfigPatch.TryGetValue("algorithm", out var suggested) && suggested is string algorithm)
        {
            // An algorithm switch compares the suggested algorithm's runs with the current one's.
            with = [.. candidates.Where(r => r.Algorithm == algorithm)];
            without = [.. candidates.Where(r => r.Algorithm == request.Algorithm)];
        }
        else
        {
            var family = Family(request.Algorithm);
            var same = candidates.Where(r => Family(r.Algorithm) == family).ToList();
            with = [.. same.Where(r => Has(r, optimization, all))];
            without = [.. same.Where(r => !Has(r, optimization, all))];
        }

        if (with.Count < minRunsPerSide || without.Count < minRunsPerSide)
        {
            return new ImpactEstimate(optimization.Id, metric, with.Count, without.Count, false, null, null,
                string.Create(CultureInfo.InvariantCulture,
                    $"not enough history: {with.Count} past run(s) with this change and {without.Count} without (at least {minRunsPerSide} each needed)"));
        }

        var metricDelta = Math.Round(with.Average(r => r.Metrics[metric]) - without.Average(r => r.Metrics[metric]), 4);
        var timedWith = with.Select(ModelCharacteristics.Duration).OfType<double>().ToList();
        var timedWithout = without.Select(ModelCharacteristics.Duration).OfType<double>().ToList();
        double? durationDelta = timedWith.Count >= minRunsPerSide && timedWithout.Count >= minRunsPerSide
            ? Math.Round(timedWith.Average() - timedWithout.Average(), 3)
            : null;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"mean {metric} {Signed(metricDelta)} over {with.Count} run(s) with this change against {without.Count} without")
            + (durationDelta is { } d ? string.Create(CultureInfo.InvariantCulture, $"; mean duration {Signed(d)} s") : "; durations not recorded on enough runs");
        return new ImpactEstimate(optimization.Id, metric, with.Count, without.Count, true, metricDelta, durationDelta, summary);
    }

    /// <summary>Algorithms that behave alike, so their runs are compared together.</summary>
    public static string Family(string algorithm) => algorithm switch
    {
        AlgorithmCatalog.XgBoost or AlgorithmCatalog.RandomForest => "trees",
        AlgorithmCatalog.LogisticRegression or AlgorithmCatalog.LinearRegression => "linear",
        _ => algorithm,
    };

    /// <summary>
    /// Whether a past run had the optimization. A search (<c>hpo</c>) shows as search-trial child runs. Other patches
    /// match run parameters: <c>hyperparameters.x</c> the parameter <c>x</c>, any other path the parameter of that exact
    /// name (e.g. <c>data_preprocessing.class_imbalance</c>), with an equal value. Every patched field must match.
    /// </summary>
    public static bool Has(RunRecord run, ProposedOptimization optimization, IReadOnlyList<HistoricalRun> all)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(optimization);
        ArgumentNullException.ThrowIfNull(all);
        foreach (var (path, value) in optimization.ConfigPatch)
        {
            if (path == "hpo")
            {
                if (!all.Any(h => h.Run.ParentTrainingId == run.TrainingId && h.Run.Decision is "search_trial" or "hpo_trial"))
                {
                    return false;
                }

                continue;
            }

            var key = path.StartsWith("hyperparameters.", StringComparison.Ordinal) ? path["hyperparameters.".Length..] : path;
            if (!run.Parameters.TryGetValue(key, out var recorded) || Canonical(recorded) != Canonical(value))
            {
                return false;
            }
        }

        return true;
    }

    private static string Canonical(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        long or int or double or float or decimal => Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
        string s => s,
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        JsonElement { ValueKind: JsonValueKind.True } => "true",
        JsonElement { ValueKind: JsonValueKind.False } => "false",
        JsonElement e => e.GetRawText(),
        System.Collections.IEnumerable list => "[" + string.Join(",", list.Cast<object?>().Select(Canonical)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string Signed(double value) =>
        (value >= 0 ? "+" : "") + value.ToString("R", CultureInfo.InvariantCulture);
}
