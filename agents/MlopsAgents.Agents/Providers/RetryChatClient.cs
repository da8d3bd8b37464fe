using System.ClientModel;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.AI;

namespace MlopsAgents.Agents.Providers;

/// <summary>
/// Retries transient model failures (timeouts, network errors, HTTP 408/429/5xx) with exponential backoff, and turns
/// every provider failure into <see cref="LlmUnavailableException"/> so the agents have one thing to fall back on.
/// Streaming calls are passed through unretried: a stream that already yielded text cannot be replayed safely.
/// </summary>
public sealed class RetryChatClient : DelegatingChatClient
{
    private readonly int _maxRetries;
    private readonly TimeSpan _baseDelay;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;

    /// <param name="delay">Waits between attempts; tests pass one that records the delays instead of sleeping.</param>
    public RetryChatClient(IChatClient innerClient, int maxRetries, TimeSpan baseDelay, Func<TimeSpan, CancellationToken, Task>? delay = null)
        : base(innerClient)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        _maxRetries = maxRetries;
        _baseDelay = baseDelay;
        _delay = delay ?? Task.Delay;
    }

    /// <summary>The wait before retry number <paramref name="retry"/> (1-based): base × 2^(retry−1), at most 60 s.</summary>
    public static TimeSpan Backoff(TimeSpan baseDelay, int retry) =>
        TimeSpan.FromTicks((long)Math.Min(TimeSpan.FromSeconds(60).Ticks, baseDelay.Ticks * Math.Pow(2, retry - 1)));

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        // The function-calling layer may pass a lazily built sequence; each attempt must send the same messages.
        var list = messages as IList<ChatMessage> ?? [.. messages];
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Classify(ex) is { } failure && !cancellationToken.IsCancellationRequested)
            {
                if (!failure.Transient || attempt > _maxRetries)
                {
                    var tries = attempt == 1 ? "" : $" after {attempt.ToString(CultureInfo.InvariantCulture)} attempts";
                    throw new LlmUnavailableException($"the model call failed{tries}: {failure.Description}", ex);
                }

                await _delay(Backoff(_baseDelay, attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private sealed record Failure(bool Transient, string Description);

    // Only provider and transport failures are classified; anything else is a bug and surfaces unchanged.
    private static Failure? Classify(Exception ex) => ex switch
    {
        LlmBudgetExceededException => null,
        LlmTimeoutException t => new Failure(true, t.Message),
        HttpRequestException h => new Failure(h.StatusCode is null || IsTransient((int)h.StatusCode), "network error: " + h.Message),
        ClientResultException c => new Failure(IsTransient(c.Status), $"HTTP {c.Status.ToString(CultureInfo.InvariantCulture)} from the provider"),
        _ => null,
    };

    private static bool IsTransient(int status) => status is (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500;
}

/// <summary>Builder extension for <see cref="RetryChatClient"/>.</summary>
public static class RetryChatClientBuilderExtensions
{
    public static ChatClientBuilder UseRetry(this ChatClientBuilder builder, int maxRetries, TimeSpan baseDelay, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new RetryChatClient(inner, maxRetries, baseDelay, delay));
    }
}
