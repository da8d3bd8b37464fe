using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Hosting;

/// <summary>
/// Makes a tool call with <c>_meta.idempotency_key</c> happen once: the tool runs once per key, detached from the calls
/// that asked for it (<see cref="IdempotentRuns"/>), and its first successful result is stored by key in SQLite and
/// returned for every later call with that key. The workflow executor and the Step Functions task forwarder send their
/// keys, so a Task replayed after a crash, or retried while its tool still runs, neither runs nor registers twice.
/// </summary>
public static class IdempotencyFilter
{
    public const string MetaKey = "idempotency_key";

    public static McpRequestFilter<CallToolRequestParams, CallToolResult> Create(IdempotencyStore store) => Create(new IdempotentRuns(store));

    public static McpRequestFilter<CallToolRequestParams, CallToolResult> Create(IdempotentRuns runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return next => async (context, cancellationToken) =>
        {
            if (context.Params?.Meta?[MetaKey] is not JsonValue keyNode || !keyNode.TryGetValue<string>(out var key) || string.IsNullOrWhiteSpace(key))
            {
                return await next(context, cancellationToken).ConfigureAwait(false);
            }

            // Resolved now, while the request's scope is alive: the root's scope factory outlives the request, so a run
            // that goes on after its caller left gets a scope of its own (the SDK disposes the request's scope as soon as
            // this handler returns).
            var scopes = context.Services?.GetService<IServiceScopeFactory>();
            return await runs.RunAsync(key, context.Params!.Name, () => RunDetachedAsync(next, context, scopes), cancellationToken).ConfigureAwait(false);
        };
    }

    private static async Task<CallToolResult> RunDetachedAsync(McpRequestHandler<CallToolRequestParams, CallToolResult> next, RequestContext<CallToolRequestParams> context, IServiceScopeFactory? scopes)
    {
        await using var scope = scopes?.CreateAsyncScope();
        if (scope is { } own)
        {
            context.Services = own.ServiceProvider;
        }

        // No caller's token: see IdempotentRuns for why a caller that goes away must not stop the run.
        return await next(context, CancellationToken.None).ConfigureAwait(false);
    }
}

/// <summary>
/// Runs each idempotency key's work once and lets every caller of that key wait for it with its own cancellation token.
/// </summary>
/// <remarks>
/// <para>
/// Why detached: with the MCP C# SDK a tool runs on a token that its caller controls. A client that cancels its call
/// sends <c>notifications/cancelled</c> and the session cancels that request's token (McpSessionHandler,
/// <c>_handlingRequests</c>); a client that disposes its HTTP transport sends DELETE, and the session's end cancels the
/// token of every request still running (they are linked to the session's message loop), as does the server reaping a
/// session idle past its IdleTimeout; in stateless Streamable HTTP the request runs on <c>HttpContext.RequestAborted</c>.
/// A Step Functions task forwarder gives up before Lambda's 900 s limit and its session is then reaped, and a local
/// executor cancels a call that outlives the state's TimeoutSeconds. Each of these would stop a training midway and
/// the retry would start it again from nothing. So the work runs on no caller's token, and a caller that gives up only
/// stops waiting: a later call with the same key joins the run in flight or gets the stored result.
/// </para>
/// <para>
/// Guarantees: exactly once per key while the process lives. A successful result is stored before the run leaves the
/// in-flight table, so every later call finds one or the other. An error is not stored: it goes to the callers waiting
/// at the time, or, when none is left, to the next caller, and the call after that runs the tool again (a retry after
/// a real error must be able to succeed). A restart loses the in-flight table, so a key whose run was cut off by a
/// crash or a deployment runs again on the next call: at least once across a server restart.
/// </para>
/// </remarks>
public sealed class IdempotentRuns(IdempotencyStore store)
{
    private readonly IdempotencyStore _store = store ?? throw new ArgumentNullException(nameof(store));
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Run> _running = new(StringComparer.Ordinal);

    /// <summary>Keys whose run is in flight, or finished with an error no caller has received yet.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _running.Count;
            }
        }
    }

    /// <summary>
    /// The result for <paramref name="key"/>: the stored one, the one of the run in flight, or that of a run that
    /// <paramref name="start"/> begins now. <paramref name="cancellationToken"/> ends only this caller's wait.
    /// </summary>
    public async Task<CallToolResult> RunAsync(string key, string tool, Func<Task<CallToolResult>> start, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(tool);
        ArgumentNullException.ThrowIfNull(start);

        Run? run;
        lock (_gate)
        {
            // One lock around "in flight? stored? start": two first calls cannot both start, and a run leaves the table
            // only after its result is stored, so a call never falls between the two.
            if (!_running.TryGetValue(key, out run))
            {
                if (_store.TryGet(key, out var storedTool, out var json))
                {
                    return storedTool == tool ? JsonSerializer.Deserialize<CallToolResult>(json, McpJsonUtilities.DefaultOptions)! : KeyTaken(key, storedTool, tool);
                }

                run = new Run(tool, self => CompleteAsync(key, self, start));
                _running.Add(key, run);
            }
        }

        if (run.Tool != tool)
        {
            return KeyTaken(key, run.Tool, tool);
        }

        CallToolResult result;
        try
        {
            result = await run.Result.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (run.Result.IsFaulted || run.Result.IsCanceled)
        {
            // The run failed, not this caller's wait: this caller takes the failure, so the next call runs again.
            Forget(key, run);
            throw;
        }

        if (result.IsError == true)
        {
            Forget(key, run);
        }

        return result;
    }

    private async Task<CallToolResult> CompleteAsync(string key, Run run, Func<Task<CallToolResult>> start)
    {
        var result = await start().ConfigureAwait(false);
        if (result.IsError != true)
        {
            _store.Save(key, run.Tool, JsonSerializer.Serialize(result, McpJsonUtilities.DefaultOptions));
            Forget(key, run);
        }

        return result;
    }

    private void Forget(string key, Run run)
    {
        lock (_gate)
        {
            if (_running.TryGetValue(key, out var current) && ReferenceEquals(current, run))
            {
                _running.Remove(key);
            }
        }
    }

    private static CallToolResult KeyTaken(string key, string usedBy, string tool) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"idempotency_key: '{key}' → a key not used before; it was used for '{usedBy}', not '{tool}'." }],
    };

    /// <summary>One key's work, started on the thread pool so that no caller's thread or lock runs the tool.</summary>
    private sealed class Run
    {
        public Run(string tool, Func<Run, Task<CallToolResult>> work)
        {
            Tool = tool;
            Result = Task.Run(() => work(this));
        }

        public string Tool { get; }

        public Task<CallToolResult> Result { get; }
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
