using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Hosting;

/// <summary>
/// Wraps every tool call: refuses state-changing tools unless the server runs with --allow-write (a dry run is always
/// allowed), and writes one audit line per call with the tool, redacted arguments, caller, status and duration.
/// </summary>
public static class ToolGuard
{
    public static McpRequestFilter<CallToolRequestParams, CallToolResult> Create(MlopsMcpOptions options, AuditLog audit) => next => async (context, cancellationToken) =>
    {
        var name = context.Params?.Name ?? "(none)";
        var arguments = AuditLog.ToJsonObject(context.Params?.Arguments);
        var watch = Stopwatch.StartNew();
        var tool = context.MatchedPrimitive as McpServerTool;
        if (tool is null && context.Server.ServerOptions.ToolCollection is { } tools && tools.TryGetPrimitive(name, out var found))
        {
            tool = found;
        }

        var writes = tool is not null && tool.ProtocolTool.Annotations?.ReadOnlyHint != true;
        var dryRun = arguments["dry_run"]?.GetValueKind() == JsonValueKind.True;
        CallToolResult result;
        if (writes && !options.AllowWrite && !dryRun)
        {
            result = new CallToolResult
            {
                IsError = true,
                Content =
                [
                    new TextContentBlock
                    {
                        Text = $"'{name}' changes state, and this server was started read-only. Restart it with --allow-write to run it, or call it with dry_run: true to see what it would do.",
                    },
                ],
            };
        }
        else
        {
            result = await next(context, cancellationToken).ConfigureAwait(false);
        }

        var error = result.IsError == true ? string.Join(" ", result.Content.OfType<TextContentBlock>().Select(c => c.Text)) : null;
        audit.Append(new AuditEntry(DateTimeOffset.UtcNow, name, Caller(context), arguments, result.IsError == true ? "error" : dryRun ? "dry_run" : "ok", watch.Elapsed.TotalMilliseconds, error));
        return result;
    };

    private static string Caller<T>(RequestContext<T> context)
    {
        var client = context.Server.ClientInfo is { } info ? $"{info.Name}/{info.Version}" : "unknown-client";
        var user = context.User?.Identity?.Name;
        return user is null ? client : $"{user} via {client}";
    }
}
