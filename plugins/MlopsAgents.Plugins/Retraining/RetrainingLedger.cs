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
    DateTimeOffset? EndedAt);

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
    /// Marks retrainings a previous process left open as interrupted, so the model is free again; the cooldown still
    /// counts from when they fired, so a restart does not fire at once. Returns how many there were.
    /// </summary>
    public int CloseInterrupted(DateTimeOffset now) =>
        Execute("UPDATE retrainings SET status = 'interrupted', summary = 'the process handling it ended first', ended_at = $now WHERE status = 'open';", ("$now", Text(now)));

    /// <summary>When the model's latest retraining fired, whatever became of it; null when none ever did.</summary>
    public DateTimeOffset? LastFired(string model)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT fired_at FROM retrainings WHERE model = $model ORDER BY id DESC LIMIT 1;";
        command.Parameters.AddWithValue("$model", model);
        return command.ExecuteScalar() is string text ? Parse(text) : null;
    }

    /// <summary>Every retraining, oldest first (optionally of one model).</summary>
    public IReadOnlyList<RetrainingRecord> List(string? model = null)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, model, kind, reason, fired_at, status, action, run_id, summary, ended_at FROM retrainings"
            + (model is null ? string.Empty : " WHERE model = $model") + " ORDER BY id;";
        if (model is not null)
        {
            command.Parameters.AddWithValue("$model", model);
        }

        using var reader = command.ExecuteReader();
        var result = new List<RetrainingRecord>();
        while (reader.Read())
        {
            result.Add(new RetrainingRecord(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Parse(reader.GetString(4)), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : Parse(reader.GetString(9))));
        }

        return result;
    }

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
