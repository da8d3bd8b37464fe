using Microsoft.Extensions.AI;

namespace MlopsAgents.Agents.Tests.Support;

/// <summary>
/// A hand-written chat client: each call records the messages it was sent and answers with the next scripted step
/// (a response, or an exception to throw). Running out of steps fails the test with the call number.
/// </summary>
public sealed class FakeChatClient : IChatClient
{
    private readonly Queue<Func<IReadOnlyList<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>>> _steps = new();

    public List<IReadOnlyList<ChatMessage>> Calls { get; } = [];

    public List<ChatOptions?> Options { get; } = [];

    public FakeChatClient Reply(string text, long inputTokens = 10, long outputTokens = 10)
    {
        _steps.Enqueue((_, _, _) => Task.FromResult(Response(new ChatMessage(ChatRole.Assistant, text), inputTokens, outputTokens)));
        return this;
    }

    public FakeChatClient CallTool(string name, IDictionary<string, object?>? arguments = null, string callId = "call-1")
    {
        _steps.Enqueue((_, options, _) =>
        {
            // Call the tool by the name the kernel advertised (SK may prefix the plugin name), or the bare name if not advertised.
            var advertised = options?.Tools?.Select(t => t.Name).FirstOrDefault(n => n == name || n.EndsWith("-" + name, StringComparison.Ordinal) || n.EndsWith("_" + name, StringComparison.Ordinal));
            var call = new FunctionCallContent(callId, advertised ?? name, arguments);
            return Task.FromResult(Response(new ChatMessage(ChatRole.Assistant, [call]), 10, 5));
        });
        return this;
    }

    public FakeChatClient Throw(Exception exception)
    {
        _steps.Enqueue((_, _, _) => Task.FromException<ChatResponse>(exception));
        return this;
    }

    /// <summary>A call that never completes until cancelled, to exercise timeouts without waiting on a clock.</summary>
    public FakeChatClient Hang()
    {
        _steps.Enqueue(async (_, _, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        return this;
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        Calls.Add(list);
        Options.Add(options);
        Assert.True(_steps.Count > 0, $"the fake chat client has no scripted answer for call {Calls.Count}");
        return _steps.Dequeue()(list, options, cancellationToken);
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the agents do not stream");

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", null, "fake-model")
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    private static ChatResponse Response(ChatMessage message, long input, long output) =>
        new(message) { Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output } };
}
