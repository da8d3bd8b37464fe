using System.Globalization;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.McpServer.Tools;

/// <summary>The raw dataset rows behind a run's processed test split, in the split's order, and how they were found.</summary>
internal sealed record RawTestRows(DataFrame Frame, IReadOnlyList<string?[]> Rows, double TestSize, double ValidationSize);

/// <summary>
/// Maps a run's processed test split back to raw dataset rows, which carry columns the model never saw (a sensitive
/// attribute dropped from the features, say). The processed splits hold only encoded features, so the split is
/// recomputed: reload the manifest's dataset version, repeat phase 1's cleaning (duplicates removed when
/// remove_duplicates, rows without a target dropped, rows with missing features dropped under handle_missing: drop),
/// and call <see cref="DataSplitter"/> with the manifest's seed and class strata. The manifest records row counts, not
/// the requested fractions; since the shuffle draws the same numbers whatever the fractions, any fractions that give
/// the same per-class counts give the same split, so candidate fractions are tried (the request defaults, the observed
/// shares, then every hundredth). A candidate is accepted only when the raw rows, transformed by the run's own
/// preprocessor, reproduce the processed test split's features and labels exactly.
/// </summary>
internal static class TestSplitRows
{
    private const double DefaultTestSize = 0.2;
    private const double DefaultValidationSize = 0.1;

    public static async Task<RawTestRows> LoadAsync(MlopsContext context, PreparedData data, CancellationToken ct)
    {
        var manifest = data.Manifest;
        var (_, raw) = await new DatasetService(context.Registry, context.Store).LoadAsync(manifest.DatasetId, manifest.DatasetVersion, ct).ConfigureAwait(false);
        var frame = Clean(raw, manifest, data.Preprocessor);
        var t = frame.IndexOf(manifest.Target);
        int[]? strata = null;
        if (manifest.TaskType == TaskTypes.Classification)
        {
            var classIndex = manifest.ClassNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
            strata = frame.Rows.Select(r => classIndex.TryGetValue(r[t]!, out var c) ? c : -1).ToArray();
        }

        if (frame.RowCount == manifest.Rows && strata?.Contains(-1) != true)
        {
            foreach (var (test, validation) in Candidates(manifest))
            {
                var split = DataSplitter.Split(frame.RowCount, strata, test, validation, manifest.RandomSeed);
                if (split.Test.Length == manifest.TestRows && split.Validation.Length == manifest.ValidationRows)
                {
                    var rows = split.Test.Select(i => frame.Rows[i]).ToList();
                    if (Reproduces(frame, rows, data))
                    {
                        return new RawTestRows(frame, rows, test, validation);
                    }
                }
            }
        }

        throw ToolErrors.Invalid("run_id", manifest.TrainingId,
            $"a run whose test split can be traced to rows of {manifest.DatasetId} v{manifest.DatasetVersion}; recomputing the seeded split did not reproduce its processed test split (was it prepared by an older version?). Prepare and train it again");
    }

    /// <summary>Phase 1's row cleaning, in the same order as <see cref="PreparationService"/> applies it.</summary>
    private static DataFrame Clean(DataFrame frame, PreparationManifest manifest, FeaturePreprocessor preprocessor)
    {
        if (manifest.Preprocessing.RemoveDuplicates)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            frame = frame.WithRows(frame.Rows.Where(r => seen.Add(string.Join('\u001f', r.Select(c => c ?? "\u0000")))));
        }

        var t = frame.IndexOf(manifest.Target);
        frame = frame.WithRows(frame.Rows.Where(r => r[t] is not null));
        if (manifest.Preprocessing.HandleMissing == MissingValueStrategies.Drop)
        {
            var indices = preprocessor.Columns.Select(c => frame.IndexOf(c.Name)).ToArray();
            frame = frame.WithRows(frame.Rows.Where(r => indices.All(i => r[i] is not null)));
        }

        return frame;
    }

    private static IEnumerable<(double Test, double Validation)> Candidates(PreparationManifest manifest)
    {
        yield return (DefaultTestSize, DefaultValidationSize);
        var observedTest = (double)manifest.TestRows / manifest.Rows;
        var observedValidation = (double)manifest.ValidationRows / manifest.Rows;
        yield return (observedTest, observedValidation);

        // Per-class rounding moves a total by at most one row per class; further candidates cannot match the counts.
        var slack = (manifest.ClassNames.Count + 1.0) / manifest.Rows;
        for (var test = 1; test <= 50; test++)
        {
            for (var validation = 0; validation < 50; validation++)
            {
                var (ts, vs) = (test / 100.0, validation / 100.0);
                if (Math.Abs(ts - observedTest) <= slack && Math.Abs(vs - observedValidation) <= slack)
                {
                    yield return (ts, vs);
                }
            }
        }
    }

    private static bool Reproduces(DataFrame frame, List<string?[]> rows, PreparedData data)
    {
        var errors = new List<string>();
        var index = frame.Columns.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var t = index[data.Manifest.Target];
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var features = data.Preprocessor.TryTransform(name => index.TryGetValue(name, out var c) ? (true, row[c]) : (false, null), errors);
            if (features is null || !Same(features, data.Test.Features[i]) || !SameLabel(data, row[t]!, data.Test.Labels[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Same(double[] a, double[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var j = 0; j < a.Length; j++)
        {
            if (Math.Abs(a[j] - b[j]) > 1e-9 * Math.Max(1, Math.Abs(b[j])))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameLabel(PreparedData data, string raw, double processed) =>
        data.Manifest.TaskType == TaskTypes.Classification
            ? string.Equals(data.Manifest.ClassNames[(int)processed], raw, StringComparison.Ordinal)
            : DataFrame.TryParseNumber(raw, out var y) && Math.Abs(y - processed) <= 1e-9 * Math.Max(1, Math.Abs(y));

    /// <summary>A fraction as it would be written in a request.</summary>
    public static string Format(double fraction) => Math.Round(fraction, 4).ToString(CultureInfo.InvariantCulture);
}
