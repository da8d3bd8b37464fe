using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlopsAgents.Agents.Evals;

/// <summary>One case's outcome; <see cref="Detail"/> says why it failed (or what was checked).</summary>
public sealed record CaseResult(string Id, bool Passed, string Detail, bool UsedModel);

/// <summary>One suite's pass rate in one run.</summary>
public sealed record SuiteResult(string Suite, IReadOnlyList<CaseResult> Cases)
{
    public int Passed => Cases.Count(c => c.Passed);
    public int Total => Cases.Count;
    public double PassRate => Total == 0 ? 0 : (double)Passed / Total;

    /// <summary>Cases whose answer came from the model rather than a fallback.</summary>
    public int ModelAnswered => Cases.Count(c => c.UsedModel);
}

/// <summary>One run of the suites: the deterministic baseline, a live provider, or a replay of transcripts.</summary>
public sealed record EvalRun(string Label, string Mode, IReadOnlyList<SuiteResult> Suites);

/// <summary>The report <c>mlops eval</c> writes, as JSON and Markdown.</summary>
public sealed record EvalReport(DateTimeOffset GeneratedAt, string Command, IReadOnlyList<EvalRun> Runs)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Agent eval report");
        sb.AppendLine();
        sb.AppendLine(inv, $"Generated {GeneratedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", inv)} by `{Command}`.");
        sb.AppendLine();
        sb.AppendLine("| run | suite | passed | pass rate | answered by the model |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var run in Runs)
        {
            foreach (var suite in run.Suites)
            {
                sb.AppendLine(inv, $"| {run.Label} | {suite.Suite} | {suite.Passed}/{suite.Total} | {Percent(suite.PassRate)} | {suite.ModelAnswered}/{suite.Total} |");
            }
        }

        foreach (var run in Runs)
        {
            var failures = run.Suites.SelectMany(s => s.Cases.Where(c => !c.Passed).Select(c => (s.Suite, c))).ToList();
            sb.AppendLine();
            sb.AppendLine(inv, $"## Failed cases: {run.Label}");
            sb.AppendLine();
            if (failures.Count == 0)
            {
                sb.AppendLine("None.");
                continue;
            }

            foreach (var (suite, c) in failures)
            {
                sb.AppendLine(inv, $"- `{suite}/{c.Id}`: {c.Detail.ReplaceLineEndings(" ")}");
            }
        }

        return sb.ToString();
    }

    public static string Percent(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
