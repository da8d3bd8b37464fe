using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace MlopsAgents.Agents.Providers;

/// <summary>Abandons one model call after a fixed time and reports it as <see cref="LlmTimeoutException"/>, which the retry layer treats as transient.</summary>
public sealed class TimeoutChatClient(IChatClient innerClient, TimeSpan timeout) : DelegatingChatClient(innerClient)
{
    public TimeSpan Timeout { get; } = timeout > TimeSpan.Zero ? timeout : throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "must be positive");

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Timeout);
        try
        {
            return await base.GetResponseAsync(messages, options, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new LlmTimeoutException(Message());
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Timeout);
        await using var e = base.GetStreamingResponseAsync(messages, options, cts.Token).GetAsyncEnumerator(cts.Token);
        while (true)
        {
            bool moved;
            try
            {
                moved = await e.MoveNextAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new LlmTimeoutException(Message());
            }

            if (!moved)
            {
                yield break;
            }

            yield return e.Current;
        }
    }

    private string Message() => $"the model did not answer within {Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
}

/// <summary>Builder extension for <see cref="TimeoutChatClient"/>.</summary>
public static class TimeoutChatClientBuilderExtensions
{
    public static ChatClientBuilder UseTimeout(this ChatClientBuilder builder, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new TimeoutChatClient(inner, timeout));
    }
}
