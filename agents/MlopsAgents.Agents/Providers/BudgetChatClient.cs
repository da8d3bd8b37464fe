using Microsoft.Extensions.AI;

namespace MlopsAgents.Agents.Providers;

/// <summary>
/// Stops model calls once the issue's <see cref="TokenBudget"/> is spent, with a message that says how much was used.
/// The call that crosses the limit completes; the next one is refused before it reaches the provider.
/// </summary>
public sealed class BudgetChatClient(IChatClient innerClient, TokenBudget budget) : DelegatingChatClient(innerClient)
{
    public TokenBudget Budget { get; } = budget ?? throw new ArgumentNullException(nameof(budget));

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        ThrowIfSpent();
        var response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        Budget.Record(response.Usage, list, response);
        return response;
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        StreamAsync(messages as IList<ChatMessage> ?? [.. messages], options, cancellationToken);

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IList<ChatMessage> messages, ChatOptions? options, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfSpent();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            yield return update;
        }

        var response = updates.ToChatResponse();
        Budget.Record(response.Usage, messages, response);
    }

    private void ThrowIfSpent()
    {
        if (Budget.ExceededReason() is { } reason)
        {
            throw new LlmBudgetExceededException(reason);
        }
    }
}

/// <summary>Builder extension for <see cref="BudgetChatClient"/>.</summary>
public static class BudgetChatClientBuilderExtensions
{
    public static ChatClientBuilder UseBudget(this ChatClientBuilder builder, TokenBudget budget)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new BudgetChatClient(inner, budget));
    }
}
