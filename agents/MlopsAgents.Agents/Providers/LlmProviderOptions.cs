using System.Globalization;

namespace MlopsAgents.Agents.Providers;

/// <summary>The provider names <see cref="LlmProviderOptions.Provider"/> accepts.</summary>
public static class LlmProviders
{
    public const string None = "none";
    public const string OpenAICompatible = "openai-compatible";
    public const string Bedrock = "bedrock";
    public static readonly IReadOnlyList<string> All = [None, OpenAICompatible, Bedrock];

    /// <summary>Bedrock's two APIs: its OpenAI-compatible Chat Completions endpoint, or Converse (SigV4).</summary>
    public const string BedrockOpenAI = "openai";
    public const string BedrockConverse = "converse";
    public static readonly IReadOnlyList<string> BedrockApis = [BedrockOpenAI, BedrockConverse];

    /// <summary>The environment variable that holds a Bedrock API key (a bearer token) for the OpenAI-compatible endpoint.</summary>
    public const string BedrockTokenVariable = "AWS_BEARER_TOKEN_BEDROCK";
}

/// <summary>
/// Which LLM the agents use, and the limits around every call. Bound from the <c>LlmProviderOptions</c> section
/// (or the CLI's --provider flags); <see cref="Validate"/> names every bad field with its value and what is allowed.
/// </summary>
public sealed record LlmProviderOptions
{
    /// <summary>none (deterministic fallbacks only; the default), openai-compatible or bedrock.</summary>
    public string Provider { get; init; } = LlmProviders.None;

    /// <summary>The model id, e.g. llama3.1 for Ollama, gpt-4o-mini, or a Bedrock model id.</summary>
    public string? Model { get; init; }

    /// <summary>openai-compatible: the endpoint root, e.g. http://127.0.0.1:11434/v1 for Ollama.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>openai-compatible: the API key; local servers accept any non-empty value.</summary>
    public string? ApiKey { get; init; }

    /// <summary>bedrock: the AWS region, e.g. us-east-1.</summary>
    public string? Region { get; init; }

    /// <summary>bedrock: openai (Chat Completions with AWS_BEARER_TOKEN_BEDROCK) or converse (SigV4 from the default credential chain).</summary>
    public string BedrockApi { get; init; } = LlmProviders.BedrockOpenAI;

    /// <summary>Longest one model call may take before it is abandoned (and retried).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after the first attempt for transient failures (timeouts, 429, 5xx, network errors).</summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>The first retry's delay; each later retry doubles it.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Input plus output tokens one issue may spend across all its model calls.</summary>
    public long MaxTokensPerIssue { get; init; } = 50_000;

    /// <summary>US dollars one issue may spend; 0 with zero prices means "count tokens only".</summary>
    public decimal MaxCostPerIssueUsd { get; init; } = 0.50m;

    /// <summary>Price of a million input tokens in US dollars (0 for a local server).</summary>
    public decimal InputCostPerMillionTokens { get; init; }

    /// <summary>Price of a million output tokens in US dollars (0 for a local server).</summary>
    public decimal OutputCostPerMillionTokens { get; init; }

    /// <summary>How many times intake feeds the validator's messages back to the model before asking the user.</summary>
    public int MaxRepairs { get; init; } = 2;

    public bool IsEnabled => Provider != LlmProviders.None;

    /// <summary>
    /// Reads the options from MLOPS_LLM_PROVIDER, MLOPS_LLM_MODEL, MLOPS_LLM_BASE_URL, MLOPS_LLM_API_KEY, MLOPS_LLM_REGION
    /// (or AWS_REGION) and MLOPS_LLM_BEDROCK_API; unset variables keep the defaults (provider none).
    /// </summary>
    public static LlmProviderOptions FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Get(string name) => environment(name) is { Length: > 0 } v ? v : null;
        var defaults = new LlmProviderOptions();
        return new LlmProviderOptions
        {
            Provider = Get("MLOPS_LLM_PROVIDER") ?? defaults.Provider,
            Model = Get("MLOPS_LLM_MODEL"),
            BaseUrl = Get("MLOPS_LLM_BASE_URL"),
            ApiKey = Get("MLOPS_LLM_API_KEY"),
            Region = Get("MLOPS_LLM_REGION") ?? Get("AWS_REGION"),
            BedrockApi = Get("MLOPS_LLM_BEDROCK_API") ?? defaults.BedrockApi,
        };
    }

    /// <summary>Every problem with these options, each naming the field, the value and what is allowed; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!LlmProviders.All.Contains(Provider))
        {
            errors.Add($"Provider: '{Provider}' is not a provider; allowed: {string.Join(", ", LlmProviders.All)}");
            return errors;
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Timeout: {Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s is out of range; allowed: more than 0 and at most 600 seconds");
        }

        if (MaxRetries is < 0 or > 10)
        {
            errors.Add($"MaxRetries: {MaxRetries.ToString(CultureInfo.InvariantCulture)} is out of range; allowed: 0 to 10");
        }

        if (RetryBaseDelay < TimeSpan.Zero || RetryBaseDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add($"RetryBaseDelay: {RetryBaseDelay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s is out of range; allowed: 0 to 60 seconds");
        }

        if (MaxTokensPerIssue <= 0)
        {
            errors.Add($"MaxTokensPerIssue: {MaxTokensPerIssue.ToString(CultureInfo.InvariantCulture)} must be a positive number of tokens");
        }

        if (MaxCostPerIssueUsd < 0 || InputCostPerMillionTokens < 0 || OutputCostPerMillionTokens < 0)
        {
            errors.Add("MaxCostPerIssueUsd, InputCostPerMillionTokens and OutputCostPerMillionTokens: must be 0 or more US dollars");
        }

        if (MaxRepairs is < 0 or > 5)
        {
            errors.Add($"MaxRepairs: {MaxRepairs.ToString(CultureInfo.InvariantCulture)} is out of range; allowed: 0 to 5");
        }

        if (!IsEnabled)
        {
            return errors;
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            errors.Add($"Model: is required for provider '{Provider}' (e.g. llama3.1 for Ollama, or a Bedrock model id)");
        }

        if (Provider == LlmProviders.OpenAICompatible)
        {
            if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add($"BaseUrl: '{BaseUrl}' is not an absolute http(s) URL; e.g. http://127.0.0.1:11434/v1");
            }

            if (string.IsNullOrEmpty(ApiKey))
            {
                errors.Add("ApiKey: is required for openai-compatible (local servers accept any non-empty value)");
            }
        }

        if (Provider == LlmProviders.Bedrock)
        {
            if (string.IsNullOrWhiteSpace(Region) || !Region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                errors.Add($"Region: '{Region}' is not an AWS region; e.g. us-east-1");
            }

            if (!LlmProviders.BedrockApis.Contains(BedrockApi))
            {
                errors.Add($"BedrockApi: '{BedrockApi}' is not a Bedrock API; allowed: {string.Join(", ", LlmProviders.BedrockApis)}");
            }
        }

        return errors;
    }
}
