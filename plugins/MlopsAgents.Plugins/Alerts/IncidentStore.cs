using System.Globalization;
using Microsoft.Data.Sqlite;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.Alerts;

/// <summary>One open or resolved incident and the issue it opened.</summary>
public sealed record Incident(string Key, DateTimeOffset OpenedAt, int? IssueNumber, DateTimeOffset? ResolvedAt);

/// <summary>
/// Incident keys in SQLite, so that de-duplication survives restarts and is shared by every process using the file:
/// claiming a key is one INSERT on a primary key, which only one caller can win.
/// </summary>
public sealed class IncidentStore
{
    private readonly string _connectionString;

    public IncidentStore(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS incidents (
              key TEXT PRIMARY KEY,
              opened_at TEXT NOT NULL,
              issue_number INTEGER,
              resolved_at TEXT);
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>Claims an open incident for <paramref name="key"/>; false when one is already open.</summary>
    public bool TryClaim(string key, DateTimeOffset now)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;

        // A resolved incident frees its key: the same alert firing later is a new incident.
        command.CommandText = "DELETE FROM incidents WHERE key = $key AND resolved_at IS NOT NULL; INSERT OR IGNORE INTO incidents (key, opened_at) VALUES ($key, $now);";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$now", now.ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
        command.CommandText = "SELECT changes();";
        command.Parameters.Clear();
        var inserted = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
        transaction.Commit();
        return inserted;
    }

    /// <summary>Forgets a claim whose issue could not be opened.</summary>
    public void Release(string key) => Execute("DELETE FROM incidents WHERE key = $key AND issue_number IS NULL;", ("$key", key));

    /// <summary>Records the issue an incident opened.</summary>
    public void SetIssue(string key, int issueNumber) => Execute("UPDATE incidents SET issue_number = $n WHERE key = $key;", ("$key", key), ("$n", issueNumber));

    /// <summary>Marks an incident resolved, so that the next alert of the same key opens a new issue.</summary>
    public void Resolve(string key, DateTimeOffset now) =>
        Execute("UPDATE incidents SET resolved_at = $now WHERE key = $key;", ("$key", key), ("$now", now.ToString("O", CultureInfo.InvariantCulture)));

    /// <summary>Every incident, oldest first.</summary>
    public IReadOnlyList<Incident> List()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, opened_at, issue_number, resolved_at FROM incidents ORDER BY opened_at, key;";
        using var reader = command.ExecuteReader();
        var result = new List<Incident>();
        while (reader.Read())
        {
            result.Add(new Incident(
                reader.GetString(0),
                DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
                reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.IsDBNull(3) ? null : DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture)));
        }

        return result;
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    private SqliteConnection Open() => SqliteConnections.Open(_connectionString);
}
