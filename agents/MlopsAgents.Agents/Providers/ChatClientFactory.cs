using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;

namespace MlopsAgents.Agents.Providers;

/// <summary>
/// Builds the provider's <see cref="IChatClient"/> from options, wrapped in retry and timeout. The per-issue budget
/// is added by the agents' session, because one factory serves many issues.
/// </summary>
public sealed class ChatClientFactory
{
    private readonly Func<LlmProviderOptions, IChatClient>? _converse;
    private readonly Func<string, string?> _environment;
    private readonly Func<TimeSpan, CancellationToken, Task>? _delay;

    /// <param name="converse">Builds Bedrock's Converse client (SigV4-signed); it lives with the AWS integration, which registers it here.</param>
    /// <param name="environment">Reads environment variables (AWS_BEARER_TOKEN_BEDROCK); tests pass a dictionary.</param>
    /// <param name="delay">The retry layer's wait; null for real time.</param>
    public ChatClientFactory(Func<LlmProviderOptions, IChatClient>? converse = null, Func<string, string?>? environment = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _converse = converse;
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _delay = delay;
    }

    /// <summary>The Bedrock OpenAI-compatible Chat Completions endpoint of a region.</summary>
    public static Uri BedrockOpenAIEndpoint(string region) => new($"https://bedrock-runtime.{region}.amazonaws.com/openai/v1");

    /// <summary>The wrapped client, or null for provider none. Throws <see cref="LlmProviderConfigurationException"/> listing every option problem.</summary>
    public IChatClient? Create(LlmProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new LlmProviderConfigurationException("invalid LLM provider options:\n  - " + string.Join("\n  - ", errors));
        }

        var provider = CreateProvider(options);
        return provider?.AsBuilder()
            .UseRetry(options.MaxRetries, options.RetryBaseDelay, _delay)
            .UseTimeout(options.Timeout)
            .Build();
    }

    private IChatClient? CreateProvider(LlmProviderOptions options)
    {
        switch (options.Provider)
        {
            case LlmProviders.None:
                return null;
            case LlmProviders.OpenAICompatible:
                return OpenAI(new Uri(options.BaseUrl!), options.ApiKey!, options.Model!);
            case LlmProviders.Bedrock when options.BedrockApi == LlmProviders.BedrockOpenAI:
                var token = _environment(LlmProviders.BedrockTokenVariable);
                if (string.IsNullOrEmpty(token))
                {
                    throw new LlmProviderConfigurationException($"provider bedrock with api openai needs a Bedrock API key in {LlmProviders.BedrockTokenVariable}; it is not set. Use api converse for SigV4 credentials instead.");
                }

                return OpenAI(BedrockOpenAIEndpoint(options.Region!), token, options.Model!);
            case LlmProviders.Bedrock:
                return _converse?.Invoke(options) ?? throw new LlmProviderConfigurationException(
                    "provider bedrock with api converse needs the Converse client from the AWS integration (MlopsAgents.Aws), and none is registered in this build; use api openai with AWS_BEARER_TOKEN_BEDROCK, or a build that registers it.");
            default:
                throw new LlmProviderConfigurationException($"Provider: '{options.Provider}' is not a provider; allowed: {string.Join(", ", LlmProviders.All)}");
        }
    }

    private static IChatClient OpenAI(Uri endpoint, string key, string model)
    {
        // Our RetryChatClient owns retries and TimeoutChatClient owns time limits, so the SDK's own are switched off.
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan,
        };
        return new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(key), clientOptions).AsIChatClient();
    }
}
