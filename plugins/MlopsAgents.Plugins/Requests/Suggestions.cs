namespace MlopsAgents.Plugins.Requests;

/// <summary>Finds the known name a mistyped one most likely meant.</summary>
internal static class Suggestions
{
    /// <summary>
    /// The closest candidate by edit distance, ignoring case and '-' versus '_', or null when none is close:
    /// within 1 edit for names of up to 4 characters, within 2 for longer ones. Ties go to the earlier candidate.
    /// </summary>
    public static string? Closest(string value, IEnumerable<string> candidates)
    {
        // Nobody mistypes a 65-character name; skipping them keeps the quadratic distance cheap on hostile input.
        if (value.Length > 64)
        {
            return null;
        }

        var normalized = Normalize(value);
        var limit = normalized.Length <= 4 ? 1 : 2;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Levenshtein(normalized, Normalize(candidate));
            if (distance <= limit && distance < bestDistance && candidate != value)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        if (best is not null || normalized.Length < 2)
        {
            return best;
        }

        // Abbreviations ("f1") and over-specified names ("xgboost_classifier") are far in edits but plainly meant.
        return candidates.FirstOrDefault(c =>
        {
            var candidate = Normalize(c);
            return candidate.StartsWith(normalized, StringComparison.Ordinal)
                || (candidate.Length >= 3 && normalized.StartsWith(candidate, StringComparison.Ordinal));
        });
    }

    /// <summary>The end of an "unknown x" message: "; did you mean 'y'? allowed: ..." or "; allowed: ...".</summary>
    public static string AllowedTail(string value, IReadOnlyCollection<string> candidates, string? allowed = null)
    {
        allowed ??= string.Join(", ", candidates);
        return Closest(value, candidates) is { } match ? $"; did you mean '{match}'? allowed: {allowed}" : $"; allowed: {allowed}";
    }

    public static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static string Normalize(string name) => name.ToLowerInvariant().Replace('-', '_').Replace(' ', '_');
}
