using Microsoft.Extensions.AI;

namespace MlopsAgents.Agents.Tools;

/// <summary>
/// Sits between the function-calling loop and the provider. It records every tool call the model asks for that is not
/// an advertised, allow-listed tool — those never reach a tool, since the kernel does not hold them — and, on the next
/// turn, replaces the loop's "function not found" result with an explicit refusal so the model learns why.
/// </summary>
public sealed class ToolCallAuditor(IChatClient innerClient, string agent, IReadOnlySet<string> allowed, ToolCallLog log) : DelegatingChatClient(innerClient)
{
    private readonly Dictionary<string, string> _refusedCalls = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await base.GetResponseAsync(Rewrite(messages), options, cancellationToken).ConfigureAwait(false);
        var advertised = (options?.Tools ?? []).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var call in response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>())
        {
            var bare = AgentKernel.BareToolName(call.Name);
            if (!advertised.Contains(call.Name) || !allowed.Contains(bare))
            {
                var refusal = AllowListFilter.Refusal(agent, bare, allowed);
                lock (_gate)
                {
                    _refusedCalls[call.CallId] = refusal;
                }

                var arguments = call.Arguments is null ? null : string.Join(", ", call.Arguments.Select(a => $"{a.Key}={a.Value}"));
                log.Add(new ToolCallRecord(bare, arguments, Refused: true, refusal));
            }
        }

        return response;
    }

    private List<ChatMessage> Rewrite(IEnumerable<ChatMessage> messages)
    {
        lock (_gate)
        {
            if (_refusedCalls.Count == 0)
            {
                return [.. messages];
            }

            return [.. messages.Select(m => m.Contents.OfType<FunctionResultContent>().Any(r => _refusedCalls.ContainsKey(r.CallId))
                ? new ChatMessage(m.Role, [.. m.Contents.Select(c => c is FunctionResultContent r && _refusedCalls.TryGetValue(r.CallId, out var refusal)
                    ? new FunctionResultContent(r.CallId, refusal)
                    : c)])
                : m)];
        }
    }
}
