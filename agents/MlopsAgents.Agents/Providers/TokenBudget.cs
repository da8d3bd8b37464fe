using System.Globalization;
using Microsoft.Extensions.AI;

namespace MlopsAgents.Agents.Providers;

/// <summary>
/// What one issue may spend on model calls, and what it has spent so far. One instance per issue, shared by every
/// agent call made for it. Thread-safe because the function-calling loop may run calls concurrently.
/// </summary>
public sealed class TokenBudget
{
    private readonly Lock _gate = new();
    private long _inputTokens;
    private long _outputTokens;
    private int _calls;

    public TokenBudget(long maxTokens, decimal maxCostUsd, decimal inputCostPerMillion, decimal outputCostPerMillion)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCostUsd);
        MaxTokens = maxTokens;
        MaxCostUsd = maxCostUsd;
        InputCostPerMillion = inputCostPerMillion;
        OutputCostPerMillion = outputCostPerMillion;
    }

    public static TokenBudget From(LlmProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.MaxTokensPerIssue, options.MaxCostPerIssueUsd, options.InputCostPerMillionTokens, options.OutputCostPerMillionTokens);
    }

    public long MaxTokens { get; }
    public decimal MaxCostUsd { get; }
    public decimal InputCostPerMillion { get; }
    public decimal OutputCostPerMillion { get; }

    /// <summary>Raised after each call's usage is added (input, output tokens): the ledger keeps the issue's total.</summary>
    public event Action<long, long>? Recorded;

    /// <summary>Starts from usage spent earlier on the same issue (by other events or an earlier process).</summary>
    public void Restore(long inputTokens, long outputTokens, int calls)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(outputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(calls);
        lock (_gate)
        {
            _inputTokens += inputTokens;
            _outputTokens += outputTokens;
            _calls += calls;
        }
    }

    public long InputTokens { get { lock (_gate) { return _inputTokens; } } }
    public long OutputTokens { get { lock (_gate) { return _outputTokens; } } }
    public int Calls { get { lock (_gate) { return _calls; } } }
    public long TotalTokens { get { lock (_gate) { return _inputTokens + _outputTokens; } } }

    public decimal CostUsd
    {
        get
        {
            lock (_gate)
            {
                return ((_inputTokens * InputCostPerMillion) + (_outputTokens * OutputCostPerMillion)) / 1_000_000m;
            }
        }
    }

    /// <summary>Why no further call may be made, or null while the budget lasts.</summary>
    public string? ExceededReason()
    {
        var inv = CultureInfo.InvariantCulture;
        if (TotalTokens >= MaxTokens)
        {
            return $"the issue's token budget is spent: {TotalTokens.ToString(inv)} of {MaxTokens.ToString(inv)} tokens used in {Calls.ToString(inv)} model calls";
        }

        var cost = CostUsd;
        if (cost > 0 && cost >= MaxCostUsd)
        {
            return $"the issue's cost budget is spent: ${cost.ToString("0.0000", inv)} of ${MaxCostUsd.ToString("0.00", inv)} used in {Calls.ToString(inv)} model calls";
        }

        return null;
    }

    /// <summary>Adds one call's usage; when the provider reports none, estimates about four characters per token.</summary>
    public void Record(UsageDetails? usage, IEnumerable<ChatMessage> sent, ChatResponse received)
    {
        ArgumentNullException.ThrowIfNull(sent);
        ArgumentNullException.ThrowIfNull(received);
        var input = usage?.InputTokenCount ?? Estimate(sent);
        var output = usage?.OutputTokenCount ?? Estimate(received.Messages);
        lock (_gate)
        {
            _inputTokens += input;
            _outputTokens += output;
            _calls++;
        }

        Recorded?.Invoke(input, output);
    }

    private static long Estimate(IEnumerable<ChatMessage> messages) =>
        (messages.Sum(m => (long)(m.Text?.Length ?? 0) + m.Contents.OfType<FunctionCallContent>().Sum(c => c.Name.Length + 64)) + 3) / 4;
}
