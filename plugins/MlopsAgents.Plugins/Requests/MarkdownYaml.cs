using System.Text.RegularExpressions;

namespace MlopsAgents.Plugins.Requests;

/// <summary>The YAML found in an issue body, and where it sits in the body.</summary>
/// <param name="Yaml">The YAML text.</param>
/// <param name="LineOffset">Lines before the YAML, so YAML line n is body line n + LineOffset.</param>
/// <param name="FromFence">Whether the YAML came from a fenced block rather than the whole body.</param>
internal sealed partial record MarkdownYaml(string Yaml, int LineOffset, bool FromFence)
{
    /// <summary>
    /// Takes the first fenced code block whose info string is yaml or yml (``` or ~~~ fences, as CommonMark
    /// reads them); without one, the whole body is the YAML. Other fenced blocks are skipped whole, so a
    /// yaml fence quoted inside a longer one is not mistaken for the request.
    /// </summary>
    public static MarkdownYaml Extract(string body)
    {
        var lines = body.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var open = OpeningFence().Match(lines[i].TrimEnd('\r'));
            if (!open.Success)
            {
                continue;
            }

            var indent = open.Groups["indent"].Length;
            var fence = open.Groups["fence"].Value;
            var info = open.Groups["info"].Value;
            var isYaml = info.Equals("yaml", StringComparison.OrdinalIgnoreCase) || info.Equals("yml", StringComparison.OrdinalIgnoreCase);
            var content = new List<string>();
            var j = i + 1;
            for (; j < lines.Length; j++)
            {
                var line = lines[j].TrimEnd('\r');
                if (IsClosingFence(line, fence))
                {
                    break;
                }

                content.Add(StripIndent(line, indent));
            }

            if (isYaml)
            {
                return new(string.Join('\n', content), i + 1, FromFence: true);
            }

            i = j;
        }

        return new(body, 0, FromFence: false);
    }

    private static bool IsClosingFence(string line, string fence)
    {
        var trimmed = line.TrimStart(' ');
        if (line.Length - trimmed.Length > 3)
        {
            return false;
        }

        var run = 0;
        while (run < trimmed.Length && trimmed[run] == fence[0])
        {
            run++;
        }

        return run >= fence.Length && trimmed[run..].Trim().Length == 0;
    }

    // CommonMark removes up to the opening fence's indentation from each content line.
    private static string StripIndent(string line, int indent)
    {
        var strip = 0;
        while (strip < indent && strip < line.Length && line[strip] == ' ')
        {
            strip++;
        }

        return line[strip..];
    }

    // A backtick fence's info string may not contain backticks; a tilde fence's may.
    [GeneratedRegex(@"^(?<indent> {0,3})(?<fence>`{3,}(?=[^`]*$)|~{3,})[ \t]*(?<info>[^\s`{]*)")]
    private static partial Regex OpeningFence();
}
