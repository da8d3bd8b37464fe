using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.GitHub;

/// <summary>
/// What the issue flow remembers, in one SQLite file: webhook deliveries already seen, which execution belongs to which
/// issue (with its progress and proposal comments and the token it waits on), results of issue-side task steps by
/// idempotency key, and the poller's cursors.
/// </summary>
public sealed class IssueLinkStore
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    public IssueLinkStore(string databasePath, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false, DefaultTimeout = 30 }.ToString();
        _time = time ?? TimeProvider.System;
        using var c = Open();
        Execute(c, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, event TEXT NOT NULL, received_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS issue_executions (
                execution_id TEXT PRIMARY KEY, repository TEXT NOT NULL, number INTEGER NOT NULL, created_at TEXT NOT NULL,
                progress_comment_id INTEGER, proposal_comment_id INTEGER, pending_token TEXT, pending_kind TEXT,
                label TEXT, progress TEXT NOT NULL DEFAULT '[]');
            CREATE INDEX IF NOT EXISTS issue_executions_issue ON issue_executions (repository, number);
            CREATE TABLE IF NOT EXISTS step_results (key TEXT PRIMARY KEY, result TEXT);
            CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS proposals (repository TEXT NOT NULL, number INTEGER NOT NULL, request TEXT NOT NULL, PRIMARY KEY (repository, number));
            """);
    }

    /// <summary>Records a delivery id; false when it was seen before (GitHub redelivers, and so do people).</summary>
    public bool TryRecordDelivery(string deliveryId, string eventName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deliveryId);
        using var c = Open();
        return Execute(c, "INSERT OR IGNORE INTO deliveries (id, event, received_at) VALUES ($1, $2, $3)", deliveryId, eventName, Now()) == 1;
    }

    public int DeliveryCount()
    {
        using var c = Open();
        return Convert.ToInt32(Scalar(c, "SELECT COUNT(*) FROM deliveries"), CultureInfo.InvariantCulture);
    }

    public void Link(string executionId, IssueRef issue)
    {
        using var c = Open();
        Execute(c, "INSERT OR IGNORE INTO issue_executions (execution_id, repository, number, created_at) VALUES ($1, $2, $3, $4)",
            executionId, issue.Repository, issue.Number, Now());
    }

    public IssueLink? FindByExecution(string executionId)
    {
        using var c = Open();
        return Read(c, "WHERE execution_id = $1", executionId).FirstOrDefault();
    }

    /// <summary>The issue's executions, newest first.</summary>
    public IReadOnlyList<IssueLink> FindByIssue(IssueRef issue)
    {
        using var c = Open();
        return Read(c, "WHERE repository = $1 AND number = $2 ORDER BY created_at DESC, rowid DESC", issue.Repository, issue.Number);
    }

    /// <summary>The link whose proposal comment is <paramref name="commentId"/>.</summary>
    public IssueLink? FindByProposalComment(string repository, long commentId)
    {
        using var c = Open();
        return Read(c, "WHERE repository = $1 AND proposal_comment_id = $2", repository, commentId).FirstOrDefault();
    }

    public IReadOnlyList<IssueLink> Pending()
    {
        using var c = Open();
        return Read(c, "WHERE pending_token IS NOT NULL ORDER BY created_at");
    }

    public void SetProgress(string executionId, long commentId, IReadOnlyList<string> lines)
    {
        using var c = Open();
        Execute(c, "UPDATE issue_executions SET progress_comment_id = $2, progress = $3 WHERE execution_id = $1",
            executionId, commentId, new JsonArray([.. lines.Select(l => (JsonNode?)l)]).ToJsonString());
    }

    public void SetPending(string executionId, string? token, string? kind, long? proposalCommentId)
    {
        using var c = Open();
        Execute(c, "UPDATE issue_executions SET pending_token = $2, pending_kind = $3, proposal_comment_id = COALESCE($4, proposal_comment_id) WHERE execution_id = $1",
            executionId, token, kind, proposalCommentId);
    }

    public void ClearPending(string executionId, string token)
    {
        using var c = Open();
        Execute(c, "UPDATE issue_executions SET pending_token = NULL, pending_kind = NULL WHERE execution_id = $1 AND pending_token = $2", executionId, token);
    }

    public void SetLabel(string executionId, string label)
    {
        using var c = Open();
        Execute(c, "UPDATE issue_executions SET label = $2 WHERE execution_id = $1", executionId, label);
    }

    public bool TryGetStepResult(string key, out JsonNode? result)
    {
        using var c = Open();
        using var cmd = Command(c, "SELECT result FROM step_results WHERE key = $1", key);
        using var r = cmd.ExecuteReader();
        if (r.Read())
        {
            result = r.IsDBNull(0) ? null : JsonNode.Parse(r.GetString(0));
            return true;
        }

        result = null;
        return false;
    }

    public void SaveStepResult(string key, JsonNode? result)
    {
        using var c = Open();
        Execute(c, "INSERT OR IGNORE INTO step_results (key, result) VALUES ($1, $2)", key, result?.ToJsonString());
    }

    public string? GetCursor(string name)
    {
        using var c = Open();
        return Scalar(c, "SELECT value FROM cursors WHERE name = $1", name) as string;
    }

    public void SetCursor(string name, string value)
    {
        using var c = Open();
        Execute(c, "INSERT INTO cursors (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value", name, value);
    }

    /// <summary>Keeps the issue's proposed (validated, not yet run) request until an authorized command starts it; a newer one replaces it.</summary>
    public void SetProposal(IssueRef issue, string requestYaml)
    {
        ArgumentNullException.ThrowIfNull(issue);
        using var c = Open();
        Execute(c, "INSERT INTO proposals (repository, number, request) VALUES ($1, $2, $3) ON CONFLICT (repository, number) DO UPDATE SET request = excluded.request",
            issue.Repository, issue.Number, requestYaml);
    }

    public string? GetProposal(IssueRef issue)
    {
        ArgumentNullException.ThrowIfNull(issue);
        using var c = Open();
        return Scalar(c, "SELECT request FROM proposals WHERE repository = $1 AND number = $2", issue.Repository, issue.Number) as string;
    }

    public void ClearProposal(IssueRef issue)
    {
        ArgumentNullException.ThrowIfNull(issue);
        using var c = Open();
        Execute(c, "DELETE FROM proposals WHERE repository = $1 AND number = $2", issue.Repository, issue.Number);
    }

    private static List<IssueLink> Read(SqliteConnection c, string where, params object?[] args)
    {
        using var cmd = Command(c, "SELECT execution_id, repository, number, progress_comment_id, proposal_comment_id, pending_token, pending_kind, label, progress FROM issue_executions " + where, args);
        using var r = cmd.ExecuteReader();
        var list = new List<IssueLink>();
        while (r.Read())
        {
            list.Add(new IssueLink(
                r.GetString(0),
                new IssueRef(r.GetString(1), r.GetInt32(2)),
                r.IsDBNull(3) ? null : r.GetInt64(3),
                r.IsDBNull(4) ? null : r.GetInt64(4),
                r.IsDBNull(5) ? null : r.GetString(5),
                r.IsDBNull(6) ? null : r.GetString(6),
                r.IsDBNull(7) ? null : r.GetString(7),
                [.. JsonNode.Parse(r.GetString(8))!.AsArray().Select(n => n!.GetValue<string>())]));
        }

        return list;
    }

    private static SqliteCommand Command(SqliteConnection c, string sql, params object?[] args)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        for (var i = 0; i < args.Length; i++)
        {
            cmd.Parameters.AddWithValue("$" + (i + 1).ToString(CultureInfo.InvariantCulture), args[i] ?? DBNull.Value);
        }

        return cmd;
    }

    private static int Execute(SqliteConnection c, string sql, params object?[] args)
    {
        using var cmd = Command(c, sql, args);
        return cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection c, string sql, params object?[] args)
    {
        using var cmd = Command(c, sql, args);
        return cmd.ExecuteScalar();
    }

    private string Now() => _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private SqliteConnection Open() => SqliteConnections.Open(_connectionString, "PRAGMA synchronous = NORMAL;");
}

/// <summary>One execution started from an issue, with the comments and the pending approval the flow tracks.</summary>
public sealed record IssueLink(
    string ExecutionId,
    IssueRef Issue,
    long? ProgressCommentId,
    long? ProposalCommentId,
    string? PendingToken,
    string? PendingKind,
    string? Label,
    IReadOnlyList<string> Progress);
