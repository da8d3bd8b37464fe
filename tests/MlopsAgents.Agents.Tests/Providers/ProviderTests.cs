using System.ClientModel;
using System.Net;
using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tests.Support;

namespace MlopsAgents.Agents.Tests.Providers;

public sealed class ProviderTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Fact]
    public async Task RetryChatClient_TransientFailuresThenSuccess_RetriesWithExponentialBackoff()
    {
        var fake = new FakeChatClient()
            .Throw(new HttpRequestException("reset", null, HttpStatusCode.ServiceUnavailable))
            .Throw(new HttpRequestException("busy", null, HttpStatusCode.TooManyRequests))
            .Reply("ok");
        var delays = new List<TimeSpan>();
        var client = new RetryChatClient(fake, maxRetries: 3, TimeSpan.FromSeconds(1), (d, _) => { delays.Add(d); return Task.CompletedTask; });

        var response = await client.GetResponseAsync(Hello);

        Assert.Equal("ok", response.Text);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], delays);
        Assert.Equal(3, fake.Calls.Count);
    }

    [Fact]
    public async Task RetryChatClient_RetriesExhausted_ThrowsLlmUnavailableNamingAttempts()
    {
        var fake = new FakeChatClient().Throw(new HttpRequestException("down")).Throw(new HttpRequestException("down")).Throw(new HttpRequestException("down"));
        var client = new RetryChatClient(fake, maxRetries: 2, TimeSpan.FromMilliseconds(100), (_, _) => Task.CompletedTask);

        var ex = await Assert.ThrowsAsync<LlmUnavailableException>(() => client.GetResponseAsync(Hello));

        Assert.Contains("after 3 attempts", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, fake.Calls.Count);
    }

    [Fact]
    public async Task RetryChatClient_Unauthorized_FailsWithoutRetry()
    {
        var fake = new FakeChatClient().Throw(new ClientResultException("unauthorized", null)).Reply("never");
        var delays = new List<TimeSpan>();
        var client = new RetryChatClient(fake, maxRetries: 3, TimeSpan.FromSeconds(1), (d, _) => { delays.Add(d); return Task.CompletedTask; });

        await Assert.ThrowsAsync<LlmUnavailableException>(() => client.GetResponseAsync(Hello));

        Assert.Single(fake.Calls);
        Assert.Empty(delays);
    }

    [Fact]
    public void Backoff_LaterRetries_DoubleAndCapAtSixtySeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(4), RetryChatClient.Backoff(TimeSpan.FromSeconds(1), 3));
        Assert.Equal(TimeSpan.FromSeconds(60), RetryChatClient.Backoff(TimeSpan.FromSeconds(1), 20));
    }

    [Fact]
    public async Task TimeoutChatClient_ModelNeverAnswers_ThrowsLlmTimeout()
    {
        var client = new TimeoutChatClient(new FakeChatClient().Hang(), TimeSpan.FromMilliseconds(1));

        var ex = await Assert.ThrowsAsync<LlmTimeoutException>(() => client.GetResponseAsync(Hello));

        Assert.Contains("did not answer within", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeoutThenRetry_FirstAttemptHangs_SecondAttemptAnswers()
    {
        var fake = new FakeChatClient().Hang().Reply("second");
        var client = fake.AsBuilder().UseRetry(1, TimeSpan.Zero, (_, _) => Task.CompletedTask).UseTimeout(TimeSpan.FromMilliseconds(1)).Build();

        var response = await client.GetResponseAsync(Hello);

        Assert.Equal("second", response.Text);
    }

    [Fact]
    public async Task BudgetChatClient_TokenBudgetSpent_StopsBeforeTheNextCall()
    {
        var fake = new FakeChatClient().Reply("one", inputTokens: 60, outputTokens: 50).Reply("two");
        var budget = new TokenBudget(maxTokens: 100, maxCostUsd: 1m, 0m, 0m);
        var client = new BudgetChatClient(fake, budget);

        await client.GetResponseAsync(Hello);
        var ex = await Assert.ThrowsAsync<LlmBudgetExceededException>(() => client.GetResponseAsync(Hello));

        Assert.Contains("110 of 100 tokens", ex.Message, StringComparison.Ordinal);
        Assert.Single(fake.Calls);
    }

    [Fact]
    public async Task BudgetChatClient_CostBudgetSpent_StopsWithCostInMessage()
    {
        var fake = new FakeChatClient().Reply("one", inputTokens: 1000, outputTokens: 1000);
        var budget = new TokenBudget(maxTokens: 1_000_000, maxCostUsd: 0.01m, inputCostPerMillion: 3m, outputCostPerMillion: 15m);
        var client = new BudgetChatClient(fake, budget);

        await client.GetResponseAsync(Hello);
        var ex = await Assert.ThrowsAsync<LlmBudgetExceededException>(() => client.GetResponseAsync(Hello));

        Assert.Equal(0.018m, budget.CostUsd);
        Assert.Contains("cost budget is spent: $0.0180 of $0.01", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadValues_NamesFieldValueAndAllowed()
    {
        var errors = new LlmProviderOptions { Provider = "gpt" }.Validate();
        Assert.Equal("Provider: 'gpt' is not a provider; allowed: none, openai-compatible, bedrock", Assert.Single(errors));

        errors = new LlmProviderOptions { Provider = LlmProviders.OpenAICompatible, BaseUrl = "localhost:11434", MaxRetries = 50 }.Validate();
        Assert.Contains(errors, e => e.StartsWith("BaseUrl: 'localhost:11434' is not an absolute http(s) URL", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("MaxRetries: 50 is out of range", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Model: is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ApiKey: is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_ProviderNone_ReturnsNull() => Assert.Null(new ChatClientFactory().Create(new LlmProviderOptions()));

    [Fact]
    public void Create_OpenAICompatible_ReturnsWrappedClient()
    {
        var client = new ChatClientFactory().Create(new LlmProviderOptions { Provider = LlmProviders.OpenAICompatible, BaseUrl = "http://127.0.0.1:11434/v1", ApiKey = "local", Model = "llama3.1" });

        Assert.NotNull(client!.GetService<RetryChatClient>());
        Assert.NotNull(client!.GetService<TimeoutChatClient>());
    }

    [Fact]
    public void Create_BedrockOpenAIWithoutToken_NamesTheVariable()
    {
        var factory = new ChatClientFactory(environment: _ => null);

        var ex = Assert.Throws<LlmProviderConfigurationException>(() => factory.Create(new LlmProviderOptions { Provider = LlmProviders.Bedrock, Region = "us-east-1", Model = "openai.gpt-oss-20b-1:0" }));

        Assert.Contains("AWS_BEARER_TOKEN_BEDROCK", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_BedrockConverseWithoutRegisteredClient_SaysNoneIsRegistered()
    {
        var ex = Assert.Throws<LlmProviderConfigurationException>(() => new ChatClientFactory().Create(
            new LlmProviderOptions { Provider = LlmProviders.Bedrock, BedrockApi = LlmProviders.BedrockConverse, Region = "us-east-1", Model = "anthropic.claude" }));

        Assert.Contains("none is registered", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_BedrockConverseWithRegisteredClient_UsesIt()
    {
        var converse = new FakeChatClient();
        var client = new ChatClientFactory(converse: _ => converse).Create(
            new LlmProviderOptions { Provider = LlmProviders.Bedrock, BedrockApi = LlmProviders.BedrockConverse, Region = "eu-west-1", Model = "anthropic.claude" });

        Assert.Same(converse, client!.GetService<FakeChatClient>());
    }

    [Fact]
    public void BedrockOpenAIEndpoint_Region_IsTheRegionalOpenAIPath() =>
        Assert.Equal("https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1", ChatClientFactory.BedrockOpenAIEndpoint("us-west-2").ToString());
}
