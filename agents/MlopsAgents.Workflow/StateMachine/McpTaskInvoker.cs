using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace MlopsAgents.Workflow.StateMachine;

/// <summary>
/// Runs each Task as a call to the MLOps MCP server through the official client. An <c>mlops-mcp-&lt;tool&gt;</c> resource
/// gets the state's effective input (its Parameters) as arguments; an <c>mlops-agent-&lt;step&gt;</c> gets the effective input
/// when the definition built it (an object with <c>context</c>, or a task-token wait's Payload), else <c>context</c> (the
/// state) and <c>execution_id</c>. Arguments a tool does not declare are dropped (the definition's <c>mlops_task</c> among
/// them: it is for the Lambda forwarder, infra/lambda/task-forwarder, which builds its idempotency key from it).
/// The idempotency key travels as <c>_meta.idempotency_key</c>, so the server's filter answers a replay from its store,
/// and a retry after a timeout (the call is cancelled, the tool is not) joins the run still going on in the server.
/// </summary>
public sealed class McpTaskInvoker : ITaskInvoker, IAsyncDisposable
{
    private readonly McpClient _client;
    private readonly bool _owns;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<string, HashSet<string>>? _parameters;

    /// <summary>Uses <paramref name="client"/>; <paramref name="ownsClient"/> says whether disposing this disposes it.</summary>
    public McpTaskInvoker(McpClient client, bool ownsClient = false)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _owns = ownsClient;
    }

    /// <summary>Launches <c>mlops-mcp --transport stdio --allow-write</c> (or the given command) and connects to it.</summary>
    public static async Task<McpTaskInvoker> StartStdioAsync(string command, IReadOnlyList<string> arguments, IDictionary<string, string?>? environment, CancellationToken cancellationToken = default)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "mlops-mcp",
            Command = command,
            Arguments = [.. arguments],
            EnvironmentVariables = environment,
        });
        return new McpTaskInvoker(await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = Plugins.McpProtocol.Version }, cancellationToken: cancellationToken).ConfigureAwait(false), ownsClient: true);
    }

    public async Task<JsonNode?> InvokeAsync(string resource, JsonNode? input, string? taskToken, string idempotencyKey, CancellationToken cancellationToken)
    {
        var task = TaskResource.Parse(resource, input);
        var parameters = await ParametersAsync(task.Name, cancellationToken).ConfigureAwait(false);
        JsonObject source;
        if (task.Kind == TaskResource.McpKind)
        {
            source = task.Input as JsonObject ?? [];
        }
        else if (task.Input is JsonObject payload && (payload.ContainsKey("context") || payload.ContainsKey("task_token")))
        {
            // The definition built the step's arguments itself (its Parameters or Payload: context, execution_id, …),
            // as it must on Step Functions, where a Lambda sees no execution id unless the state passes $$.Execution.Id.
            source = payload;
        }
        else
        {
            source = new JsonObject { ["context"] = task.Input?.DeepClone(), ["execution_id"] = TaskResource.ExecutionIdOf(idempotencyKey) };
        }

        var arguments = source.Where(kv => parameters.Contains(kv.Key))
            .ToDictionary(kv => kv.Key, kv => (object?)JsonSerializer.SerializeToElement(kv.Value));
        var result = await _client.CallToolAsync(
            task.Name,
            arguments,
            progress: null,
            options: new RequestOptions { Meta = new JsonObject { ["idempotency_key"] = idempotencyKey } },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var text = string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));
        if (result.IsError == true)
        {
            // Not a States.* name, so States.TaskFailed and States.ALL in the definition's Retry and Catch match it.
            throw new TaskFailedException("Mlops.ToolError", $"{task.Name}: {text}");
        }

        return result.StructuredContent is { } structured ? JsonNode.Parse(structured.GetRawText()) : new JsonObject { ["text"] = text };
    }

    public async ValueTask DisposeAsync()
    {
        if (_owns)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }

    private async Task<HashSet<string>> ParametersAsync(string tool, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _parameters ??= (await _client.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).ToDictionary(
                t => t.Name,
                t => t.ProtocolTool.InputSchema.TryGetProperty("properties", out var p) ? p.EnumerateObject().Select(x => x.Name).ToHashSet(StringComparer.Ordinal) : [],
                StringComparer.Ordinal);
        }
        finally
        {
            _gate.Release();
        }

        return _parameters.TryGetValue(tool, out var parameters)
            ? parameters
            : throw new TaskFailedException("Mlops.UnknownTool", $"The MCP server has no tool '{tool}'; it has {string.Join(", ", _parameters.Keys.Order(StringComparer.Ordinal))}.");
    }
}
