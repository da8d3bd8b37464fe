using Microsoft.Data.Sqlite;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Agents.Providers;

/// <summary>
/// The model usage each issue has spent so far, in SQLite, so that an issue's token and cost budget holds across its
/// events (the intake, every comment, the proposal and the results) and across process restarts.
/// </summary>
public sealed class IssueUsageLedger
{
    private readonly string _connectionString;

    public IssueUsageLedger(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString();
        using var c = SqliteConnections.Open(_connectionString, "PRAGMA journal_mode = WAL;");
        using var create = c.CreateCommand();
        create.CommandText = "CREATE TABLE IF NOT EXISTS issue_usage (issue TEXT PRIMARY KEY, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, calls INTEGER NOT NULL)";
        create.ExecuteNonQuery();
    }

    /// <summary>What the issue has used so far; zeros for an issue never seen.</summary>
    public (long InputTokens, long OutputTokens, int Calls) Get(string issue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issue);
        using var c = SqliteConnections.Open(_connectionString);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT input_tokens, output_tokens, calls FROM issue_usage WHERE issue = $issue";
        cmd.Parameters.AddWithValue("$issue", issue);
        using var r = cmd.ExecuteReader();
        return r.Read() ? (r.GetInt64(0), r.GetInt64(1), r.GetInt32(2)) : (0, 0, 0);
    }

    /// <summary>Adds one model call's usage to the issue's total (one atomic upsert).</summary>
    public void Add(string issue, long inputTokens, long outputTokens)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issue);
        using var c = SqliteConnections.Open(_connectionString);
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO issue_usage (issue, input_tokens, output_tokens, calls) VALUES ($issue, $in, $out, 1)
            ON CONFLICT (issue) DO UPDATE SET input_tokens = input_tokens + excluded.input_tokens,
                output_tokens = output_tokens + excluded.output_tokens, calls = calls + 1
            """;
        cmd.Parameters.AddWithValue("$issue", issue);
        cmd.Parameters.AddWithValue("$in", inputTokens);
        cmd.Parameters.AddWithValue("$out", outputTokens);
        cmd.ExecuteNonQuery();
    }

    /// <summary>A budget for <paramref name="issue"/> that starts from what the issue already spent and records every new call here.</summary>
    public TokenBudget BudgetFor(string issue, LlmProviderOptions options)
    {
        var budget = TokenBudget.From(options);
        var (input, output, calls) = Get(issue);
        budget.Restore(input, output, calls);
        budget.Recorded += (i, o) => Add(issue, i, o);
        return budget;
    }
}
