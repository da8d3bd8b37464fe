using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MlopsAgents.Agents.Intake;
using MlopsAgents.Agents.Providers;

namespace MlopsAgents.Agents.Tests.Providers;

/// <summary>
/// The openai-compatible provider through the official OpenAI connector against a real HTTP server on 127.0.0.1 that
/// speaks the Chat Completions protocol (a hand-written stand-in for Ollama or vLLM): first a 503, then an answer.
/// </summary>
public sealed class OpenAICompatibleServerTests : IAsyncLifetime
{
    private readonly List<(string Authorization, JsonObject Body)> _requests = [];
    private readonly Queue<(int Status, string Content)> _answers = new();
    private WebApplication? _app;

    private Uri BaseUrl => new(_app!.Urls.First() + "/v1");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(http.Request.Body))!;
            lock (_requests)
            {
                _requests.Add((http.Request.Headers.Authorization.ToString(), body));
            }

            var (status, content) = _answers.Dequeue();
            if (status != 200)
            {
                return Results.StatusCode(status);
            }

            return Results.Json(new
            {
                id = "chatcmpl-test",
                @object = "chat.completion",
                created = 1_700_000_000,
                model = body["model"]!.GetValue<string>(),
                choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 321, completion_tokens = 45, total_tokens = 366 },
            });
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync() => await _app!.DisposeAsync();

    [Fact]
    public async Task IntakeAgent_OpenAICompatibleServer_RetriesA503AndAcceptsTheAnswer()
    {
        _answers.Enqueue((503, ""));
        _answers.Enqueue((200, Support.Agents.IntakeReply(Support.Agents.ValidYaml)));
        var delays = new List<TimeSpan>();
        var options = new LlmProviderOptions { Provider = LlmProviders.OpenAICompatible, BaseUrl = BaseUrl.ToString(), ApiKey = "local-key", Model = "llama3.1", RetryBaseDelay = TimeSpan.FromSeconds(2) };
        var chat = new ChatClientFactory(delay: (d, _) => { delays.Add(d); return Task.CompletedTask; }).Create(options);
        var context = Support.Agents.Context(chat, options: options);

        var result = await new IntakeAgent(context).RunAsync("Train a classifier on dataset-bc-001 to predict diagnosis", default);

        Assert.Equal(IntakeOutcome.Accepted, result.Outcome);
        Assert.True(result.UsedModel);
        Assert.Equal([TimeSpan.FromSeconds(2)], delays);
        Assert.Equal(2, _requests.Count);
        Assert.Equal("Bearer local-key", _requests[1].Authorization);
        Assert.Equal("llama3.1", _requests[1].Body["model"]!.GetValue<string>());
        Assert.Equal(366, context.Budget.TotalTokens);
        var roles = _requests[1].Body["messages"]!.AsArray().Select(m => m!["role"]!.GetValue<string>());
        Assert.Equal(["system", "user"], roles);
    }
}
