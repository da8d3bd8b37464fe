using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using MlopsAgents.Aws.Bedrock;
using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.Tests.Support;

namespace MlopsAgents.Aws.Tests.Bedrock;

public sealed class BedrockConverseChatClientTests
{
    private const string ModelId = "anthropic.claude-3-haiku-20240307-v1:0";

    private static BedrockConverseChatClient Create(AwsStub stub, HttpClient http, List<TimeSpan>? delays = null) =>
        new(new BedrockConverseOptions
        {
            Region = "us-east-1",
            ModelId = ModelId,
            EndpointOverride = stub.Endpoint,
            Credentials = new StaticCredentialsSource(AwsStub.AccessKey, AwsStub.SecretKey),
        }, http, (d, _) =>
        {
            delays?.Add(d);
            return Task.CompletedTask;
        });

    [Fact]
    public async Task GetResponseAsync_TextTurn_PostsSignedConverseAndMapsUsage()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok("""
            {"output":{"message":{"role":"assistant","content":[{"text":"Retrain with class weights."}]}},
             "stopReason":"end_turn","usage":{"inputTokens":31,"outputTokens":6,"totalTokens":37},"metrics":{"latencyMs":412}}
            """));
        using var http = new HttpClient();
        using var chat = Create(stub, http);

        var response = await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are the Judge."), new ChatMessage(ChatRole.User, "Recall is 0.41. What now?")],
            new ChatOptions { Temperature = 0.2f, MaxOutputTokens = 256 });

        var request = Assert.Single(stub.Requests);
        Assert.Null(request.SignatureProblem);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", request.RawTarget);
        Assert.Contains("/us-east-1/bedrock/aws4_request", request.Header("Authorization"));
        Assert.Null(request.Header("X-Amz-Target"));
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("You are the Judge.", body["system"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("user", body["messages"]![0]!["role"]!.GetValue<string>());
        Assert.Equal("Recall is 0.41. What now?", body["messages"]![0]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(256, body["inferenceConfig"]!["maxTokens"]!.GetValue<int>());
        Assert.Equal(0.2, body["inferenceConfig"]!["temperature"]!.GetValue<double>(), 5);
        Assert.Null(body["toolConfig"]);
        Assert.Equal("Retrain with class weights.", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(31, response.Usage!.InputTokenCount);
        Assert.Equal(6, response.Usage.OutputTokenCount);
        Assert.Equal(37, response.Usage.TotalTokenCount);
        Assert.Equal(ModelId, response.ModelId);
    }

    [Fact]
    public async Task GetResponseAsync_ToolUseAnswer_BecomesFunctionCallContent()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok("""
            {"output":{"message":{"role":"assistant","content":[{"text":"Checking drift."},{"toolUse":{"toolUseId":"tooluse_1","name":"detect_drift","input":{"model_name":"churn","threshold":0.2}}}]}},
             "stopReason":"tool_use","usage":{"inputTokens":50,"outputTokens":20,"totalTokens":70}}
            """));
        using var http = new HttpClient();
        using var chat = Create(stub, http);
        var tool = AIFunctionFactory.Create((string model_name, double threshold) => "ok", "detect_drift", "Compares live data with the training baseline.");

        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Is churn drifting?")], new ChatOptions { Tools = [tool], ToolMode = ChatToolMode.Auto });

        var toolConfig = JsonNode.Parse(stub.Requests[0].Body)!["toolConfig"]!;
        var spec = toolConfig["tools"]![0]!["toolSpec"]!;
        Assert.Equal("detect_drift", spec["name"]!.GetValue<string>());
        Assert.Equal("Compares live data with the training baseline.", spec["description"]!.GetValue<string>());
        Assert.Equal("object", spec["inputSchema"]!["json"]!["type"]!.GetValue<string>());
        Assert.NotNull(spec["inputSchema"]!["json"]!["properties"]!["model_name"]);
        Assert.NotNull(toolConfig["toolChoice"]!["auto"]);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("tooluse_1", call.CallId);
        Assert.Equal("detect_drift", call.Name);
        Assert.Equal("churn", ((JsonElement)call.Arguments!["model_name"]!).GetString());
        Assert.Equal(0.2, ((JsonElement)call.Arguments["threshold"]!).GetDouble());
    }

    [Fact]
    public void BuildRequest_ToolRoundTrip_MapsCallAndResultIntoAlternatingTurns()
    {
        var messages = new List<ChatMessage>
        {
            new(ChatRole.User, "Is churn drifting?"),
            new(ChatRole.Assistant, [new FunctionCallContent("tooluse_1", "detect_drift", new Dictionary<string, object?> { ["model_name"] = "churn" })]),
            new(ChatRole.Tool, [new FunctionResultContent("tooluse_1", """{"drifted":true,"psi":0.31}""")]),
            new(ChatRole.User, "And what should we do?"),
        };

        var body = BedrockConverseChatClient.BuildRequest(messages, new ChatOptions { ToolMode = ChatToolMode.RequireSpecific("detect_drift") }, 1024);

        var turns = body["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], turns.Select(t => t!["role"]!.GetValue<string>()));
        var toolUse = turns[1]!["content"]![0]!["toolUse"]!;
        Assert.Equal("tooluse_1", toolUse["toolUseId"]!.GetValue<string>());
        Assert.Equal("churn", toolUse["input"]!["model_name"]!.GetValue<string>());
        var userContent = turns[2]!["content"]!.AsArray();
        var toolResult = userContent[0]!["toolResult"]!;
        Assert.Equal("tooluse_1", toolResult["toolUseId"]!.GetValue<string>());
        Assert.Equal("success", toolResult["status"]!.GetValue<string>());
        Assert.True(toolResult["content"]![0]!["json"]!["drifted"]!.GetValue<bool>());
        Assert.Equal("And what should we do?", userContent[1]!["text"]!.GetValue<string>());
        Assert.Equal(1024, body["inferenceConfig"]!["maxTokens"]!.GetValue<int>());
        Assert.Null(body["toolConfig"]);
    }

    [Fact]
    public async Task GetResponseAsync_ThrottledThenAnswer_Retries()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(
            StubResponse.Error(429, "ThrottlingException", "Too many requests, please wait before trying again."),
            StubResponse.Ok("""{"output":{"message":{"role":"assistant","content":[{"text":"ok"}]}},"stopReason":"end_turn"}"""));
        using var http = new HttpClient();
        var delays = new List<TimeSpan>();
        using var chat = Create(stub, http, delays);

        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);

        Assert.Equal("ok", response.Text);
        Assert.Equal(2, stub.Requests.Count);
        Assert.Single(delays);
    }

    [Fact]
    public async Task GetResponseAsync_ValidationError_SurfacesBedrockMessage()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Error(400, "ValidationException", "A conversation must start with a user message. Try again with a conversation that starts with a user message."));
        using var http = new HttpClient();
        using var chat = Create(stub, http);

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => chat.GetResponseAsync([new ChatMessage(ChatRole.Assistant, "hello")]));

        Assert.Equal(AwsErrorKind.Validation, e.Kind);
        Assert.Contains("Bedrock Runtime Converse failed with ValidationException", e.Message);
        Assert.Contains("must start with a user message", e.Message);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task GetService_ChatClientMetadata_NamesProviderAndModel()
    {
        await using var stub = await AwsStub.StartAsync();
        using var http = new HttpClient();
        using var chat = Create(stub, http);

        var metadata = chat.GetService<ChatClientMetadata>();

        Assert.NotNull(metadata);
        Assert.Equal("aws.bedrock", metadata.ProviderName);
        Assert.Equal(ModelId, metadata.DefaultModelId);
        Assert.Equal(stub.Endpoint, metadata.ProviderUri);
        Assert.Same(chat, chat.GetService<BedrockConverseChatClient>());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Answer_YieldsTheWholeTurn()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok("""{"output":{"message":{"role":"assistant","content":[{"text":"streamed"}]}},"stopReason":"end_turn"}"""));
        using var http = new HttpClient();
        using var chat = Create(stub, http);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]))
        {
            updates.Add(update);
        }

        Assert.Equal("streamed", updates.ToChatResponse().Text);
    }
}
