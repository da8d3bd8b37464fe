using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MlopsAgents.Agents.Explainer;

/// <summary>The outcome of checking a text's numbers against results.json: the numbers read, and those no result explains.</summary>
public sealed record FaithfulnessReport(IReadOnlyList<string> Numbers, IReadOnlyList<string> Unmatched)
{
    public bool IsFaithful => Unmatched.Count == 0;
}

/// <summary>
/// Checks that every number in a model's text comes from results.json. A number matches when some value in the
/// results, rounded to the decimals the text printed, equals it (half-up or half-even); a number followed by % matches
/// a value × 100 the same way. Thousands separators are read. Versions (1.2.0) must appear verbatim in the results.
/// Identifiers that appear verbatim in the results (run ids, dataset ids) and list markers are not numbers.
/// </summary>
public static partial class NumberFaithfulness
{
    // A plain number not glued to a word, an identifier or a version: "0.9398", "93.98 %", "1,024"; not "F1", "v2", "bc-001", "1.2.0".
    [GeneratedRegex(@"(?<![\p{L}\d_.]|[\p{L}\d_]-)(?<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?<frac>\d+))?(?![\p{L}\d_]|\.\d|,\d{3})(?<pct>\s?%)?")]
    private static partial Regex NumberToken();

    [GeneratedRegex(@"(?<![\p{L}\d_.])v?(?<version>\d+\.\d+\.\d+)(?![\d.]\d)")]
    private static partial Regex VersionToken();

    [GeneratedRegex(@"^[ \t]*\d+[.)][ \t]", RegexOptions.Multiline)]
    private static partial Regex ListMarker();

    public static FaithfulnessReport Check(string text, JsonNode results)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(results);
        var values = new List<double>();
        var strings = new List<string>();
        Collect(results, values, strings);

        // Identifiers quoted from the results carry digits that are not claims; mask them, longest first.
        var masked = text;
        foreach (var s in strings.Where(s => s.Length >= 3 && s.Any(char.IsAsciiDigit)).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length))
        {
            masked = masked.Replace(s, new string(' ', s.Length), StringComparison.Ordinal);
        }

        masked = ListMarker().Replace(masked, m => new string(' ', m.Length));
        var numbers = new List<string>();
        var unmatched = new List<string>();
        foreach (Match m in VersionToken().Matches(masked))
        {
            numbers.Add(m.Value);
            if (!strings.Any(s => s.Contains(m.Groups["version"].Value, StringComparison.Ordinal)))
            {
                unmatched.Add(m.Value);
            }
        }

        masked = VersionToken().Replace(masked, m => new string(' ', m.Length));
        foreach (Match m in NumberToken().Matches(masked))
        {
            var token = m.Value.Trim();
            numbers.Add(token);
            var number = double.Parse(m.Groups["int"].Value.Replace(",", "", StringComparison.Ordinal) + (m.Groups["frac"].Success ? "." + m.Groups["frac"].Value : ""), CultureInfo.InvariantCulture);
            var decimals = m.Groups["frac"].Success ? m.Groups["frac"].Value.Length : 0;
            var percent = m.Groups["pct"].Success;
            if (!values.Any(v => Matches(percent ? v * 100 : v, number, decimals)))
            {
                unmatched.Add(token);
            }
        }

        return new FaithfulnessReport(numbers, unmatched);
    }

    private static bool Matches(double value, double printed, int decimals)
    {
        var magnitude = Math.Abs(value);
        if (double.IsNaN(magnitude) || double.IsInfinity(magnitude) || decimals > 15)
        {
            return false;
        }

        var tolerance = 0.5 * Math.Pow(10, -decimals) * 1e-6;
        return Math.Abs(Math.Round(magnitude, decimals, MidpointRounding.AwayFromZero) - printed) <= tolerance
            || Math.Abs(Math.Round(magnitude, decimals, MidpointRounding.ToEven) - printed) <= tolerance;
    }

    private static void Collect(JsonNode? node, List<double> values, List<string> strings)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    // Keys such as silhouette_by_k's "2" are values the text may quote.
                    if (double.TryParse(key, NumberStyles.Float, CultureInfo.InvariantCulture, out var k))
                    {
                        values.Add(k);
                    }

                    Collect(child, values, strings);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Collect(child, values, strings);
                }

                break;
            case JsonValue value when value.TryGetValue<double>(out var d):
                values.Add(d);
                break;
            case JsonValue value when value.TryGetValue<string>(out var s):
                strings.Add(s);
                // Numbers written inside the results' own text (the Judge's reason quotes 0.9398) are results too.
                foreach (Match m in NumberToken().Matches(s))
                {
                    if (double.TryParse(m.Groups["int"].Value.Replace(",", "", StringComparison.Ordinal) + (m.Groups["frac"].Success ? "." + m.Groups["frac"].Value : ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                    {
                        values.Add(n);
                    }
                }

                break;
        }
    }
}
