namespace MlopsAgents.Agents.Providers;

/// <summary>
/// The model could not answer: the provider failed after its retries, timed out, or the budget is spent.
/// Agents catch this one type and fall back to their deterministic behaviour, saying why.
/// </summary>
public class LlmUnavailableException : Exception
{
    public LlmUnavailableException(string message)
        : base(message)
    {
    }

    public LlmUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The token or cost budget is spent; no further model call is made for it.</summary>
public sealed class LlmBudgetExceededException(string message) : LlmUnavailableException(message);

/// <summary>One model call took longer than the configured timeout.</summary>
public sealed class LlmTimeoutException(string message) : LlmUnavailableException(message);

/// <summary>The provider options are invalid or incomplete; the message lists every problem with the field, value and what is allowed.</summary>
public sealed class LlmProviderConfigurationException(string message) : Exception(message);
