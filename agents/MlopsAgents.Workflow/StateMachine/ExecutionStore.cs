using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace MlopsAgents.Workflow.StateMachine;

/// <summary>
/// Executions, their history and task tokens in one SQLite file (WAL). Every change is one transaction guarded by the
/// row's version, so a stop or a token completion that lands while a step runs is never overwritten.
/// </summary>
internal sealed class ExecutionStore
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    public ExecutionStore(string databasePath, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false, DefaultTimeout = 30 }.ToString();
        _time = time;
        Migrate();
    }

    /// <summary>Called after each committed change with the events it wrote; lets tests crash the executor there.</summary>
    public Action<IReadOnlyList<HistoryEvent>>? Committed { get; init; }

    public void SaveDefinition(AslDefinition definition)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT OR IGNORE INTO definitions (hash, json) VALUES ($h, $j)";
        cmd.Parameters.AddWithValue("$h", definition.Hash);
        cmd.Parameters.AddWithValue("$j", definition.Json);
        cmd.ExecuteNonQuery();
    }

    public string? LoadDefinition(string hash)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT json FROM definitions WHERE hash = $h";
        cmd.Parameters.AddWithValue("$h", hash);
        return cmd.ExecuteScalar() as string;
    }

    public void Create(string id, AslDefinition definition, JsonNode? input)
    {
        var now = Now();
        using var c = Open();
        using var tx = c.BeginTransaction();
        using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO executions (id, definition_hash, status, current_state, cursor, version, last_seq, input, started_at)
                VALUES ($id, $h, $s, $state, $cursor, 0, 1, $input, $at)
                """;
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$h", definition.Hash);
            cmd.Parameters.AddWithValue("$s", Name(ExecutionStatus.Queued));
            cmd.Parameters.AddWithValue("$state", definition.StartAt);
            cmd.Parameters.AddWithValue("$cursor", new ExecutionCursor(definition.StartAt, input, 0).ToJson().ToJsonString());
            cmd.Parameters.AddWithValue("$input", Text(input));
            cmd.Parameters.AddWithValue("$at", now);
            cmd.ExecuteNonQuery();
        }

        var written = AppendEvents(c, tx, id, 0, [(HistoryEventTypes.ExecutionQueued, null, input)], now);
        tx.Commit();
        Committed?.Invoke(written);
    }

    public ExecutionRow? Load(string id)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, definition_hash, status, version, last_seq, cursor, input, started_at FROM executions WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        using var r = cmd.ExecuteReader();
        return r.Read()
            ? new ExecutionRow(
                r.GetString(0),
                r.GetString(1),
                Parse(r.GetString(2)),
                r.GetInt64(3),
                r.GetInt64(4),
                r.IsDBNull(5) ? null : ExecutionCursor.FromJson(JsonNode.Parse(r.GetString(5))!),
                Node(r, 6),
                DateTimeOffset.Parse(r.GetString(7), CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>Applies <paramref name="change"/> if the row is still at <paramref name="expectedVersion"/>; false when someone got there first.</summary>
    public bool TryCommit(string id, long expectedVersion, ExecutionChange change)
    {
        var now = Now();
        using var c = Open();
        using var tx = c.BeginTransaction();
        long lastSeq;
        using (var read = c.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT last_seq FROM executions WHERE id = $id AND version = $v";
            read.Parameters.AddWithValue("$id", id);
            read.Parameters.AddWithValue("$v", expectedVersion);
            if (read.ExecuteScalar() is not long seq)
            {
                return false;
            }

            lastSeq = seq;
        }

        using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = """
                UPDATE executions SET
                  status = COALESCE($s, status),
                  cursor = CASE WHEN $ends THEN NULL ELSE COALESCE($cursor, cursor) END,
                  current_state = COALESCE($state, current_state),
                  output = COALESCE($out, output), error = COALESCE($err, error), cause = COALESCE($cause, cause),
                  ended_at = CASE WHEN $ends THEN $now ELSE ended_at END,
                  version = version + 1, last_seq = $seq
                WHERE id = $id
                """;
            cmd.Parameters.AddWithValue("$s", change.Status is { } s ? Name(s) : DBNull.Value);
            cmd.Parameters.AddWithValue("$cursor", (object?)change.Cursor?.ToJson().ToJsonString() ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$state", (object?)change.Cursor?.State ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$out", Text(change.Output));
            cmd.Parameters.AddWithValue("$err", (object?)change.Error ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$cause", (object?)change.Cause ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$ends", change.Ends);
            cmd.Parameters.AddWithValue("$now", now);
            cmd.Parameters.AddWithValue("$seq", lastSeq + change.Events.Count);
            cmd.Parameters.AddWithValue("$id", id);
            cmd.ExecuteNonQuery();
        }

        if (change.NewTaskToken is { } token)
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT OR IGNORE INTO task_tokens (token, execution_id, state, status, created_at) VALUES ($t, $id, $state, 'PENDING', $now)";
            cmd.Parameters.AddWithValue("$t", token);
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$state", change.Cursor?.State ?? "");
            cmd.Parameters.AddWithValue("$now", now);
            cmd.ExecuteNonQuery();
        }

        if (change.CompletedTaskToken is { } used)
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "UPDATE task_tokens SET status = $s, completed_at = $now WHERE token = $t AND status = 'PENDING'";
            cmd.Parameters.AddWithValue("$s", change.Cursor?.Error is null ? "SUCCEEDED" : "FAILED");
            cmd.Parameters.AddWithValue("$now", now);
            cmd.Parameters.AddWithValue("$t", used);
            if (cmd.ExecuteNonQuery() != 1)
            {
                return false;
            }
        }

        if (change.Ends)
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "UPDATE task_tokens SET status = 'CANCELLED', completed_at = $now WHERE execution_id = $id AND status = 'PENDING'";
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$now", now);
            cmd.ExecuteNonQuery();
        }

        var written = AppendEvents(c, tx, id, lastSeq, change.Events, now);
        tx.Commit();
        Committed?.Invoke(written);
        return true;
    }

    /// <summary>The execution waiting on a pending token, or null when the token is unknown or already used.</summary>
    public string? FindPendingToken(string token)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT execution_id FROM task_tokens WHERE token = $t AND status = 'PENDING'";
        cmd.Parameters.AddWithValue("$t", token);
        return cmd.ExecuteScalar() as string;
    }

    public IReadOnlyList<ExecutionSummary> List(ExecutionStatus? status)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, definition_hash, status, current_state, started_at, ended_at FROM executions"
            + (status is null ? "" : " WHERE status = $s") + " ORDER BY started_at, id";
        cmd.Parameters.AddWithValue("$s", status is { } s ? Name(s) : DBNull.Value);
        using var r = cmd.ExecuteReader();
        var list = new List<ExecutionSummary>();
        while (r.Read())
        {
            list.Add(Summary(r));
        }

        return list;
    }

    public ExecutionDescription? Describe(string id)
    {
        using var c = Open();
        ExecutionSummary summary;
        JsonNode? input, output;
        string? error, cause;
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT id, definition_hash, status, current_state, started_at, ended_at, input, output, error, cause FROM executions WHERE id = $id";
            cmd.Parameters.AddWithValue("$id", id);
            using var r = cmd.ExecuteReader();
            if (!r.Read())
            {
                return null;
            }

            summary = Summary(r);
            input = Node(r, 6);
            output = Node(r, 7);
            error = r.IsDBNull(8) ? null : r.GetString(8);
            cause = r.IsDBNull(9) ? null : r.GetString(9);
        }

        var history = new List<HistoryEvent>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT sequence, type, state, data, timestamp FROM history WHERE execution_id = $id ORDER BY sequence";
            cmd.Parameters.AddWithValue("$id", id);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                history.Add(new HistoryEvent(
                    r.GetInt64(0),
                    r.GetString(1),
                    r.IsDBNull(2) ? null : r.GetString(2),
                    Node(r, 3),
                    DateTimeOffset.Parse(r.GetString(4), CultureInfo.InvariantCulture)));
            }
        }

        return new ExecutionDescription(summary, input, output, error, cause, history);
    }

    private static List<HistoryEvent> AppendEvents(
        SqliteConnection c, SqliteTransaction tx, string id, long lastSeq, IReadOnlyList<(string Type, string? State, JsonNode? Data)> events, string now)
    {
        var written = new List<HistoryEvent>();
        foreach (var (type, state, data) in events)
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO history (execution_id, sequence, type, state, data, timestamp) VALUES ($id, $seq, $type, $state, $data, $now)";
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$seq", ++lastSeq);
            cmd.Parameters.AddWithValue("$type", type);
            cmd.Parameters.AddWithValue("$state", (object?)state ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$data", Text(data));
            cmd.Parameters.AddWithValue("$now", now);
            cmd.ExecuteNonQuery();
            written.Add(new HistoryEvent(lastSeq, type, state, data, DateTimeOffset.Parse(now, CultureInfo.InvariantCulture)));
        }

        return written;
    }

    private static ExecutionSummary Summary(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        Parse(r.GetString(2)),
        r.IsDBNull(3) ? null : r.GetString(3),
        DateTimeOffset.Parse(r.GetString(4), CultureInfo.InvariantCulture),
        r.IsDBNull(5) ? null : DateTimeOffset.Parse(r.GetString(5), CultureInfo.InvariantCulture));

    private static JsonNode? Node(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : JsonNode.Parse(r.GetString(ordinal));

    private static object Text(JsonNode? node) => node is null ? DBNull.Value : node.ToJsonString();

    private static string Name(ExecutionStatus status) => status.ToString().ToUpperInvariant();

    private static ExecutionStatus Parse(string name) => Enum.Parse<ExecutionStatus>(name, ignoreCase: true);

    private string Now() => _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    // WAL with synchronous=NORMAL survives a killed process (the crash the executor is built for); only power loss can drop the last commits.
    private SqliteConnection Open() => Plugins.Storage.SqliteConnections.Open(_connectionString, "PRAGMA synchronous = NORMAL;");

    private void Migrate()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS definitions (hash TEXT PRIMARY KEY, json TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS executions (
                id TEXT PRIMARY KEY, definition_hash TEXT NOT NULL, status TEXT NOT NULL, current_state TEXT, cursor TEXT,
                version INTEGER NOT NULL, last_seq INTEGER NOT NULL, input TEXT, output TEXT, error TEXT, cause TEXT,
                started_at TEXT NOT NULL, ended_at TEXT);
            CREATE INDEX IF NOT EXISTS executions_status ON executions (status);
            CREATE TABLE IF NOT EXISTS history (
                execution_id TEXT NOT NULL, sequence INTEGER NOT NULL, type TEXT NOT NULL, state TEXT, data TEXT,
                timestamp TEXT NOT NULL, PRIMARY KEY (execution_id, sequence));
            CREATE TABLE IF NOT EXISTS task_tokens (
                token TEXT PRIMARY KEY, execution_id TEXT NOT NULL, state TEXT NOT NULL, status TEXT NOT NULL,
                created_at TEXT NOT NULL, completed_at TEXT);
            """;
        cmd.ExecuteNonQuery();
    }
}
