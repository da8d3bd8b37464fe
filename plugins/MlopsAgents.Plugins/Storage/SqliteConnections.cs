using Microsoft.Data.Sqlite;

namespace MlopsAgents.Plugins.Storage;

/// <summary>Opens SQLite connections the way every store here uses them: a busy timeout so processes can share a file, plus the caller's pragmas.</summary>
public static class SqliteConnections
{
    public static SqliteConnection Open(string connectionString, string extraPragmas = "")
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 10000; " + extraPragmas;
        pragma.ExecuteNonQuery();
        return connection;
    }
}
