using MlopsAgents.Plugins.DataPreparation;

namespace MlopsAgents.Plugins.Monitoring;

/// <summary>The outcome of comparing two CSV files: a report, or a message saying what is wrong with the input.</summary>
public sealed record DriftFileResult(DriftReport? Report, string? Error)
{
    public bool IsValid => Report is not null;
}

/// <summary>Compares two CSV files column by column (the engine behind <c>mlops drift</c>); bad input comes back as a message, not an exception.</summary>
public static class DriftFileComparison
{
    public static DriftFileResult Compare(string referencePath, string currentPath, IReadOnlyList<string>? columns, DriftOptions options)
    {
        ArgumentNullException.ThrowIfNull(referencePath);
        ArgumentNullException.ThrowIfNull(currentPath);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            return new(null, string.Join(" ", problems));
        }

        foreach (var (label, path) in new[] { ("REFERENCE", referencePath), ("CURRENT", currentPath) })
        {
            if (!File.Exists(path))
            {
                return new(null, $"{label}: '{path}' does not exist.");
            }
        }

        DataFrame reference, current;
        try
        {
            reference = DataFrame.ReadCsv(referencePath);
            current = DataFrame.ReadCsv(currentPath);
        }
        catch (FormatException e)
        {
            return new(null, e.Message);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            return new(null, "a file is not valid UTF-8: " + e.Message);
        }

        var common = reference.Columns.Where(c => current.IndexOf(c) >= 0).ToArray();
        if (common.Length == 0)
        {
            return new(null, $"the files share no column: REFERENCE has {string.Join(", ", reference.Columns)}; CURRENT has {string.Join(", ", current.Columns)}.");
        }

        if (columns is { Count: > 0 })
        {
            var missing = columns.Where(c => !common.Contains(c, StringComparer.Ordinal)).ToArray();
            if (missing.Length > 0)
            {
                return new(null, $"--columns names {string.Join(", ", missing)}, not in both files; common columns: {string.Join(", ", common)}.");
            }
        }

        var report = new DriftDetector(options).Compare(reference, current, columns is { Count: > 0 } ? columns : common);
        return new(report, null);
    }
}
