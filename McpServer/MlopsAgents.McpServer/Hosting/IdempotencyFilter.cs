using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Hosting;

/// <summary>
/// Makes a tool call with <c>_meta.idempotency_key</c> happen once: the first successful result is stored by key in
/// SQLite and returned for every later call with that key, without running the tool again. The workflow executor sends
/// its key (execution/state/visit/attempt), so a Task replayed after a crash does not register or deploy twice.
/// </summary>
public static class IdempotencyFilter
{
    public const string MetaKey = "idempotency_key";

    public static McpRequestFilter<CallToolRequestParams, CallToolResult> Create(IdempotencyStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var locks = new ConcurrentDictionary<string, SemaphoreSlim>(StringComparer.Ordinal);
        return next => async (context, cancellationToken) =>
        {
            if (context.Params?.Meta?[MetaKey] is not JsonValue keyNode || !keyNode.TryGetValue<string>(out var key) || string.IsNullOrWhiteSpace(key))
            {
                return await next(context, cancellationToken).ConfigureAwait(false);
            }

            var tool = context.Params!.Name;

            // Two concurrent calls with one key would both miss the store; the per-key lock lets the second see the first's result.
            var gate = locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (store.TryGet(key, out var storedTool, out var json))
                {
                    return storedTool == tool
                        ? JsonSerializer.Deserialize<CallToolResult>(json, McpJsonUtilities.DefaultOptions)!
                        : new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = $"idempotency_key: '{key}' → a key not used before; it was used for '{storedTool}', not '{tool}'." }] };
                }

                var result = await next(context, cancellationToken).ConfigureAwait(false);
                if (result.IsError != true)
                {
                    store.Save(key, tool, JsonSerializer.Serialize(result, McpJsonUtilities.DefaultOptions));
                }

                return result;
            }
            finally
            {
                gate.Release();
            }
        };
    }
}

/// <summary>Tool results by idempotency key, in one SQLite file next to the registry.</summary>
public sealed class IdempotencyStore
{
    private readonly string _connectionString;

    public IdempotencyStore(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false, DefaultTimeout = 30 }.ToString();
        using var c = Plugins.Storage.SqliteConnections.Open(_connectionString);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS tool_results (key TEXT PRIMARY KEY, tool TEXT NOT NULL, result TEXT NOT NULL)";
        cmd.ExecuteNonQuery();
    }

    public bool TryGet(string key, out string tool, out string result)
    {
        using var c = Plugins.Storage.SqliteConnections.Open(_connectionString);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT tool, result FROM tool_results WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        using var r = cmd.ExecuteReader();
        (tool, result) = r.Read() ? (r.GetString(0), r.GetString(1)) : ("", "");
        return tool.Length > 0;
    }

    public void Save(string key, string tool, string result)
    {
        using var c = Plugins.Storage.SqliteConnections.Open(_connectionString);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT OR IGNORE INTO tool_results (key, tool, result) VALUES ($k, $t, $r)";
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$t", tool);
        cmd.Parameters.AddWithValue("$r", result);
        cmd.ExecuteNonQuery();
    }
}
