using System.Globalization;
using Microsoft.Data.Sqlite;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.Retraining;

/// <summary>One retraining the watcher started: why, when, and how it ended (status open until it has).</summary>
public sealed record RetrainingRecord(
    long Id,
    string Model,
    string Kind,
    string Reason,
    DateTimeOffset FiredAt,
    string Status,
    string? Action,
    string? RunId,
    string? Summary,
    DateTimeOffset? EndedAt)
{
    /// <summary>The run the launcher started for it (a workflow execution id), recorded before it is awaited.</summary>
    public string? Handle { get; init; }

    /// <summary>The retraining issue it opened (or, for a suppressed trigger, the open issue that suppressed it).</summary>
    public int? Issue { get; init; }

    /// <summary>The model's champion when the run started; the comparison after a resume is against it.</summary>
    public string? Champion { get; init; }

    /// <summary>The model's archived version when the run started, restored when the champion is kept.</summary>
    public string? Archived { get; init; }
}

/// <summary>
/// What the retraining watcher fired and what it remembers between checks, in SQLite, so a restart neither fires a
/// condition again nor forgets a cooldown. At most one retraining per model is open: claiming one is an INSERT guarded
/// by a partial unique index on the model's open row, which only one caller (or process) can win.
/// </summary>
public sealed class RetrainingLedger
{
    /// <summary>Status of a retraining still being handled.</summary>
    public const string Open = "open";

    /// <summary>Status of a retraining whose process ended before it was handled.</summary>
    public const string Interrupted = "interrupted";

    /// <summary>Status of a trigger that fired while the model's retraining issue was still open.</summary>
    public const string Suppressed = "suppressed";

    private const string Columns = "id, model, kind, reason, fired_at, status, action, run_id, summary, ended_at, handle, issue, champion, archived";

    private readonly string _connectionString;

    public RetrainingLedger(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString();
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS retrainings (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              model TEXT NOT NULL,
              kind TEXT NOT NULL,
              reason TEXT NOT NULL,
              fired_at TEXT NOT NULL,
              status TEXT NOT NULL,
              action TEXT,
              run_id TEXT,
              summary TEXT,
              ended_at TEXT);
            CREATE UNIQUE INDEX IF NOT EXISTS one_open_retraining ON retrainings (model) WHERE status = 'open';
            CREATE TABLE IF NOT EXISTS watcher_state (
              model TEXT NOT NULL,
              key TEXT NOT NULL,
              value TEXT NOT NULL,
              PRIMARY KEY (model, key));
            """;
        command.ExecuteNonQuery();
        Migrate(connection);
    }

    /// <summary>Claims the model's one open retraining for <paramref name="trigger"/>; null when one is already open.</summary>
    public long? TryOpen(RetrainingTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR IGNORE INTO retrainings (model, kind, reason, fired_at, status) VALUES ($model, $kind, $reason, $at, 'open');
            SELECT CASE WHEN changes() = 1 THEN last_insert_rowid() ELSE NULL END;
            """;
        command.Parameters.AddWithValue("$model", trigger.Model);
        command.Parameters.AddWithValue("$kind", trigger.KindName);
        command.Parameters.AddWithValue("$reason", trigger.Reason);
        command.Parameters.AddWithValue("$at", Text(trigger.Time));
        return command.ExecuteScalar() is long id ? id : null;
    }

    /// <summary>Closes an open retraining with how it ended.</summary>
    public void Close(long id, string status, string? action, string? runId, string summary, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(status);
        if (status == Open)
        {
            throw new ArgumentException($"status: '{status}' → a final status such as launched, issue, failed or skipped.", nameof(status));
        }

        Execute(
            "UPDATE retrainings SET status = $status, action = $action, run_id = $run, summary = $summary, ended_at = $now WHERE id = $id;",
            ("$id", id), ("$status", status), ("$action", (object?)action ?? DBNull.Value), ("$run", (object?)runId ?? DBNull.Value), ("$summary", summary), ("$now", Text(now)));
    }

    /// <summary>
    /// Records on the model's open retraining what it started (a run's handle, an issue) and the champion and archived
    /// versions before it, so a later process can re-attach to it. False when the model has no open retraining (a
    /// coordinator used without the watcher).
    /// </summary>
    public bool Attach(string model, string? handle, int? issue, string? champion, string? archived)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        return Execute(
            "UPDATE retrainings SET handle = COALESCE($handle, handle), issue = COALESCE($issue, issue), champion = COALESCE($champion, champion), archived = COALESCE($archived, archived) WHERE model = $model AND status = 'open';",
            ("$model", model), ("$handle", (object?)handle ?? DBNull.Value), ("$issue", (object?)issue ?? DBNull.Value),
            ("$champion", (object?)champion ?? DBNull.Value), ("$archived", (object?)archived ?? DBNull.Value)) > 0;
    }

    /// <summary>
    /// Records a trigger that fired while <paramref name="issue"/>, the model's retraining issue, was still open, once per
    /// trigger kind and issue; false when that kind was already recorded for that issue.
    /// </summary>
    public bool RecordSuppressed(RetrainingTrigger trigger, int issue, string summary, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return Execute(
            """
            INSERT INTO retrainings (model, kind, reason, fired_at, status, summary, ended_at, issue)
            SELECT $model, $kind, $reason, $at, 'suppressed', $summary, $now, $issue
            WHERE NOT EXISTS (SELECT 1 FROM retrainings WHERE model = $model AND kind = $kind AND status = 'suppressed' AND issue = $issue);
            """,
            ("$model", trigger.Model), ("$kind", trigger.KindName), ("$reason", trigger.Reason), ("$at", Text(trigger.Time)), ("$summary", summary), ("$now", Text(now)), ("$issue", issue)) > 0;
    }

    /// <summary>Retrainings still open, oldest first: being handled, or left so by a process that ended.</summary>
    public IReadOnlyList<RetrainingRecord> ListOpen() => Query($"SELECT {Columns} FROM retrainings WHERE status = 'open' ORDER BY id;");

    /// <summary>
    /// Marks retrainings a previous process left open as interrupted, so the model is free again; the cooldown still
    /// counts from when they fired, so a restart does not fire at once. Returns how many there were.
    /// </summary>
    public int CloseInterrupted(DateTimeOffset now) =>
        Execute("UPDATE retrainings SET status = 'interrupted', summary = 'the process handling it ended first', ended_at = $now WHERE status = 'open';", ("$now", Text(now)));

    /// <summary>When the model's latest retraining fired, whatever became of it; null when none ever did. Suppressed triggers did not fire one.</summary>
    public DateTimeOffset? LastFired(string model)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT fired_at FROM retrainings WHERE model = $model AND status <> 'suppressed' ORDER BY id DESC LIMIT 1;";
        command.Parameters.AddWithValue("$model", model);
        return command.ExecuteScalar() is string text ? Parse(text) : null;
    }

    /// <summary>Every retraining, oldest first (optionally of one model).</summary>
    public IReadOnlyList<RetrainingRecord> List(string? model = null) =>
        model is null
            ? Query($"SELECT {Columns} FROM retrainings ORDER BY id;")
            : Query($"SELECT {Columns} FROM retrainings WHERE model = $model ORDER BY id;", ("$model", model));

    /// <summary>A remembered value of the watcher for a model (a condition that is on, the last data version seen, …).</summary>
    public string? GetState(string model, string key)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM watcher_state WHERE model = $model AND key = $key;";
        command.Parameters.AddWithValue("$model", model);
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Remembers a value; null forgets it.</summary>
    public void SetState(string model, string key, string? value)
    {
        if (value is null)
        {
            Execute("DELETE FROM watcher_state WHERE model = $model AND key = $key;", ("$model", model), ("$key", key));
            return;
        }

        Execute(
            "INSERT INTO watcher_state (model, key, value) VALUES ($model, $key, $value) ON CONFLICT (model, key) DO UPDATE SET value = excluded.value;",
            ("$model", model), ("$key", key), ("$value", value));
    }

    internal static string Text(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    internal static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    // Ledgers written before retrainings could be resumed lack these columns; ADD COLUMN keeps their rows (NULL in each).
    private static void Migrate(SqliteConnection connection)
    {
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var info = connection.CreateCommand())
        {
            info.CommandText = "PRAGMA table_info(retrainings);";
            using var reader = info.ExecuteReader();
            while (reader.Read())
            {
                existing.Add(reader.GetString(1));
            }
        }

        foreach (var (name, type) in new[] { ("handle", "TEXT"), ("issue", "INTEGER"), ("champion", "TEXT"), ("archived", "TEXT") })
        {
            if (!existing.Contains(name))
            {
                using var alter = connection.CreateCommand();
                alter.CommandText = $"ALTER TABLE retrainings ADD COLUMN {name} {type};";
                alter.ExecuteNonQuery();
            }
        }
    }

    private List<RetrainingRecord> Query(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var result = new List<RetrainingRecord>();
        while (reader.Read())
        {
            result.Add(new RetrainingRecord(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Parse(reader.GetString(4)), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : Parse(reader.GetString(9)))
            {
                Handle = reader.IsDBNull(10) ? null : reader.GetString(10),
                Issue = reader.IsDBNull(11) ? null : checked((int)reader.GetInt64(11)),
                Champion = reader.IsDBNull(12) ? null : reader.GetString(12),
                Archived = reader.IsDBNull(13) ? null : reader.GetString(13),
            });
        }

        return result;
    }

    private int Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }

    private SqliteConnection Connect() => SqliteConnections.Open(_connectionString);
}
