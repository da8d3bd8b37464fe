using Microsoft.Extensions.AI;

namespace MlopsAgents.GitHub.Tests.Support;

/// <summary>
/// A hand-written chat client: each call records the messages it was sent and answers with the next scripted step (a
/// reply, or an exception to throw). Running out of steps fails the test with the call number.
/// </summary>
internal sealed class FakeChatClient : IChatClient
{
    private readonly Queue<Func<Task<ChatResponse>>> _steps = new();

    public List<IReadOnlyList<ChatMessage>> Calls { get; } = [];

    public FakeChatClient Reply(string text)
    {
        _steps.Enqueue(() => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 10, TotalTokenCount = 20 },
        }));
        return this;
    }

    public FakeChatClient Throw(Exception exception)
    {
        _steps.Enqueue(() => Task.FromException<ChatResponse>(exception));
        return this;
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls.Add([.. messages]);
        Assert.True(_steps.Count > 0, $"the fake chat client has no scripted answer for call {Calls.Count}");
        return _steps.Dequeue()();
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the agents do not stream");

    // The kernel asks for the metadata to name the provider; a client that does not answer fails there.
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", null, "fake-model")
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
