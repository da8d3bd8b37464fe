using System.Globalization;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Plugins.Optimization;

/// <summary>The dataset size classes of the optimizer: under 10,000 rows, 10,000 to 100,000, over 100,000.</summary>
public static class SizeClasses
{
    public const string Small = "small";
    public const string Medium = "medium";
    public const string Large = "large";

    /// <summary>The first row count of the medium class.</summary>
    public const int MediumMinRows = 10000;

    /// <summary>The last row count of the medium class.</summary>
    public const int MediumMaxRows = 100000;

    public static string Of(int rows) => rows < MediumMinRows ? Small : rows <= MediumMaxRows ? Medium : Large;
}

/// <summary>What the optimizer knows about the data: from a data-quality report, or only the registered row and column counts.</summary>
public sealed record DataSummary(
    string? DatasetId,
    int Rows,
    int FeatureCount,
    double? ImbalanceRatio,
    double MissingShare,
    double OutlierShare,
    IReadOnlyList<string> FeatureColumns,
    IReadOnlyList<string> HighCardinalityCategoricals)
{
    /// <summary>A categorical column with more distinct values than this is high-cardinality (one-hot would explode).</summary>
    public const int HighCardinality = 20;

    /// <summary>Summarizes a phase-1 report; the target and the request's dropped columns are not features.</summary>
    public static DataSummary FromReport(DataQualityReport report, TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(request);
        var features = report.ColumnProfiles
            .Where(p => p.Name != report.Target && !request.DropColumns.Contains(p.Name))
            .Where(p => request.FeatureColumns is null || request.FeatureColumns.Contains(p.Name))
            .ToList();
        var cells = (double)report.Rows * report.Columns;
        // The share of rows in the worst numeric column that fall outside 1.5 × IQR: one bad column is enough to skew a fit.
        var outlierShare = report.Rows == 0 ? 0 : features.Select(p => (double)(p.Outliers ?? 0) / report.Rows).DefaultIfEmpty(0).Max();
        return new DataSummary(
            report.DatasetId,
            report.Rows,
            features.Count,
            report.ImbalanceRatio is { } r ? Math.Round(r, 2) : null,
            cells == 0 ? 0 : Math.Round(report.MissingCells / cells, 4),
            Math.Round(outlierShare, 4),
            [.. features.Select(p => p.Name)],
            [.. features.Where(p => p.Kind == "categorical" && p.Unique > HighCardinality).Select(p => p.Name)]);
    }

    /// <summary>Summarizes a registered dataset version when no quality report exists: rows and columns only.</summary>
    public static DataSummary FromDataset(DatasetVersion dataset, TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(request);
        var target = request.Target ?? dataset.Target;
        var features = dataset.Columns
            .Where(c => c != target && !request.DropColumns.Contains(c))
            .Where(c => request.FeatureColumns is null || request.FeatureColumns.Contains(c))
            .ToList();
        return new DataSummary(dataset.DatasetId, dataset.RowCount, features.Count, null, 0, 0, features, []);
    }
}

/// <summary>A past run of the store, with the row count of the dataset version it trained on (null when that version is unknown).</summary>
public sealed record HistoricalRun(RunRecord Run, int? DatasetRows);

/// <summary>The store's own run history that the optimizer reads: runs with their dataset sizes, and how many versions the model already has.</summary>
public sealed record RunHistory(IReadOnlyList<HistoricalRun> Runs, int PriorModelVersions)
{
    public static RunHistory Empty { get; } = new([], 0);

    /// <summary>Reads the newest <paramref name="limit"/> runs and the versions of <paramref name="modelName"/> from the registry.</summary>
    public static RunHistory FromRegistry(SqliteRegistry registry, string? modelName, int limit = 1000)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var rows = new Dictionary<(string, int), int?>();
        var runs = registry.ListRuns(null, limit).Select(run =>
        {
            if (!rows.TryGetValue((run.DatasetId, run.DatasetVersion), out var count))
            {
                count = registry.GetDataset(run.DatasetId, run.DatasetVersion)?.RowCount;
                rows[(run.DatasetId, run.DatasetVersion)] = count;
            }

            return new HistoricalRun(run, count);
        }).ToList();
        return new RunHistory(runs, modelName is null ? 0 : registry.ListModelVersions(modelName).Count);
    }

    /// <summary>
    /// Runs that count as finished attempts: search trials are left out because their metric is a cross-validation
    /// score, not a test-set result.
    /// </summary>
    public IEnumerable<HistoricalRun> CompletedRuns() => Runs.Where(r =>
        r.Run.Status == "finished" && r.Run.Decision is not ("search_trial" or "hpo_trial"));
}

/// <summary>A past run similar to the request: same task and algorithm, same size class.</summary>
public sealed record SimilarRun(string TrainingId, string DatasetId, int? Rows, string? Decision, double? PrimaryMetric, double? DurationSeconds);

/// <summary>The model characteristics the proposal rules read.</summary>
public sealed record ModelCharacteristics(
    string? DatasetId,
    string LearningType,
    string TaskType,
    string Algorithm,
    string PrimaryMetric,
    int Rows,
    string SizeClass,
    int FeatureCount,
    double? ImbalanceRatio,
    double MissingShare,
    double OutlierShare,
    IReadOnlyList<string> HighCardinalityCategoricals,
    IReadOnlyList<string> SensitiveColumns,
    int PriorModelVersions,
    IReadOnlyList<SimilarRun> SimilarRuns)
{
    /// <summary>The most similar runs listed; the newest come first.</summary>
    public const int MaxSimilarRuns = 10;

    /// <summary>Column names (or name parts) that usually denote a protected attribute.</summary>
    public static readonly IReadOnlyList<string> SensitiveNames =
        ["sex", "gender", "race", "ethnicity", "age", "religion", "nationality", "marital_status", "disability"];

    public static ModelCharacteristics Analyze(TrainingRequest request, DataSummary? data, RunHistory history)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(history);
        var rows = data?.Rows ?? 0;
        var sizeClass = SizeClasses.Of(rows);
        var metric = request.EffectivePrimaryMetric;
        var similar = history.CompletedRuns()
            .Where(h => h.Run.TaskType == request.TaskType && h.Run.Algorithm == request.Algorithm)
            .Where(h => h.DatasetRows is { } n && SizeClasses.Of(n) == sizeClass)
            .OrderByDescending(h => h.Run.StartedAt).ThenBy(h => h.Run.TrainingId, StringComparer.Ordinal)
            .Take(MaxSimilarRuns)
            .Select(h => new SimilarRun(h.Run.TrainingId, h.Run.DatasetId, h.DatasetRows, h.Run.Decision,
                h.Run.Metrics.TryGetValue(metric, out var m) ? Math.Round(m, 4) : null, Duration(h.Run)))
            .ToList();
        return new ModelCharacteristics(
            data?.DatasetId ?? request.DatasetId,
            request.LearningType,
            request.TaskType,
            request.Algorithm,
            metric,
            rows,
            sizeClass,
            data?.FeatureCount ?? 0,
            data?.ImbalanceRatio,
            data?.MissingShare ?? 0,
            data?.OutlierShare ?? 0,
            data?.HighCardinalityCategoricals ?? [],
            data is null ? [] : [.. data.FeatureColumns.Where(IsSensitive)],
            history.PriorModelVersions,
            similar);
    }

    /// <summary>Whether a column name looks like a protected attribute: the name, or one of its '_'/'-'-separated parts, is listed.</summary>
    public static bool IsSensitive(string column)
    {
        var lower = column.ToLowerInvariant();
        return SensitiveNames.Contains(lower) || lower.Split('_', '-', ' ').Any(part => SensitiveNames.Contains(part));
    }

    /// <summary>Total recorded seconds of a run (all phases it timed), rounded to milliseconds; null when it timed nothing.</summary>
    internal static double? Duration(RunRecord run) =>
        run.TimingsSeconds.Count == 0 ? null : Math.Round(run.TimingsSeconds.Values.Sum(), 3);

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
