using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using MlopsAgents.Aws.Http;

namespace MlopsAgents.Aws.Bedrock;

/// <summary>
/// Amazon Bedrock's Converse API (POST /model/{modelId}/converse, signing name bedrock) as an <see cref="IChatClient"/>:
/// system prompts, user/assistant turns, tool definitions (toolConfig), tool calls (toolUse) and tool results
/// (toolResult) map both ways, and usage becomes <see cref="UsageDetails"/>. Streaming yields the whole Converse answer
/// as updates: ConverseStream's binary event-stream framing is not implemented, and callers of this project only need
/// complete turns.
/// </summary>
public sealed class BedrockConverseChatClient : IChatClient
{
    private readonly AwsJsonClient _client;
    private readonly BedrockConverseOptions _options;
    private readonly HttpClient? _ownedHttp;
    private readonly ChatClientMetadata _metadata;

    /// <summary>The simple constructor the agents' provider seam uses: it owns its HttpClient.</summary>
    public BedrockConverseChatClient(BedrockConverseOptions options)
        : this(options, new HttpClient(), ownsHttp: true)
    {
    }

    /// <summary>For tests and hosts that manage HttpClient lifetimes (retry delay injectable).</summary>
    public BedrockConverseChatClient(BedrockConverseOptions options, HttpClient http, RetryDelay? delay = null)
        : this(options, http, ownsHttp: false, delay)
    {
    }

    private BedrockConverseChatClient(BedrockConverseOptions options, HttpClient http, bool ownsHttp, RetryDelay? delay = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ModelId);
        _options = options;
        _ownedHttp = ownsHttp ? http : null;
        var clientOptions = new AwsClientOptions { Region = options.Region, EndpointOverride = options.EndpointOverride };
        _client = new AwsJsonClient(http, clientOptions, options.Credentials ?? new DefaultChainCredentialsSource(), delay: delay);
        _metadata = new ChatClientMetadata("aws.bedrock", options.EndpointOverride ?? AwsService.BedrockRuntime.DefaultEndpoint(options.Region), options.ModelId);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var modelId = options?.ModelId ?? _options.ModelId;
        var request = BuildRequest(messages, options, _options.MaxTokens);
        var path = "/model/" + SigV4Signer.UriEncode(modelId) + "/converse";
        var response = await _client.InvokeRestAsync(AwsService.BedrockRuntime, "Converse", HttpMethod.Post, path, request, cancellationToken).ConfigureAwait(false);
        return ParseResponse(response, modelId);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose() => _ownedHttp?.Dispose();

    /// <summary>The Converse request body for a conversation: consecutive turns of one role merge, since Converse wants them alternating.</summary>
    internal static JsonObject BuildRequest(IEnumerable<ChatMessage> messages, ChatOptions? options, int defaultMaxTokens)
    {
        var system = new JsonArray();
        var turns = new JsonArray();
        string? lastRole = null;
        JsonArray? lastContent = null;
        if (options?.Instructions is { Length: > 0 } instructions)
        {
            system.Add(new JsonObject { ["text"] = instructions });
        }

        foreach (var message in messages)
        {
            if (message.Role == ChatRole.System)
            {
                foreach (var text in message.Contents.OfType<TextContent>())
                {
                    system.Add(new JsonObject { ["text"] = text.Text });
                }

                continue;
            }

            // Converse carries tool results in user turns.
            var role = message.Role == ChatRole.Assistant ? "assistant" : "user";
            var content = new JsonArray();
            foreach (var item in message.Contents)
            {
                switch (item)
                {
                    case TextContent { Text.Length: > 0 } text:
                        content.Add(new JsonObject { ["text"] = text.Text });
                        break;
                    case FunctionCallContent call:
                        content.Add(new JsonObject
                        {
                            ["toolUse"] = new JsonObject
                            {
                                ["toolUseId"] = call.CallId,
                                ["name"] = call.Name,
                                ["input"] = JsonSerializer.SerializeToNode(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions) ?? new JsonObject(),
                            },
                        });
                        break;
                    case FunctionResultContent result:
                        content.Add(new JsonObject
                        {
                            ["toolResult"] = new JsonObject
                            {
                                ["toolUseId"] = result.CallId,
                                ["content"] = new JsonArray(ToolResultBlock(result.Result)),
                                ["status"] = result.Exception is null ? "success" : "error",
                            },
                        });
                        break;
                }
            }

            if (content.Count == 0)
            {
                continue;
            }

            if (role == lastRole && lastContent is not null)
            {
                foreach (var block in content.ToList())
                {
                    content.Remove(block);
                    lastContent.Add(block);
                }

                continue;
            }

            turns.Add(new JsonObject { ["role"] = role, ["content"] = content });
            lastRole = role;
            lastContent = content;
        }

        var inference = new JsonObject { ["maxTokens"] = options?.MaxOutputTokens ?? defaultMaxTokens };
        if (options?.Temperature is { } temperature)
        {
            inference["temperature"] = temperature;
        }

        if (options?.TopP is { } topP)
        {
            inference["topP"] = topP;
        }

        if (options?.StopSequences is { Count: > 0 } stops)
        {
            inference["stopSequences"] = new JsonArray(stops.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray());
        }

        var request = new JsonObject { ["messages"] = turns, ["inferenceConfig"] = inference };
        if (system.Count > 0)
        {
            request["system"] = system;
        }

        var tools = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        if (tools.Count > 0 && options!.ToolMode is not NoneChatToolMode)
        {
            var toolConfig = new JsonObject
            {
                ["tools"] = new JsonArray(tools.Select(t => (JsonNode)new JsonObject
                {
                    ["toolSpec"] = new JsonObject
                    {
                        ["name"] = t.Name,
                        ["description"] = string.IsNullOrEmpty(t.Description) ? t.Name : t.Description,
                        ["inputSchema"] = new JsonObject { ["json"] = JsonNode.Parse(t.JsonSchema.GetRawText()) },
                    },
                }).ToArray()),
            };
            toolConfig["toolChoice"] = options.ToolMode switch
            {
                RequiredChatToolMode { RequiredFunctionName: { } name } => new JsonObject { ["tool"] = new JsonObject { ["name"] = name } },
                RequiredChatToolMode => new JsonObject { ["any"] = new JsonObject() },
                _ => new JsonObject { ["auto"] = new JsonObject() },
            };
            request["toolConfig"] = toolConfig;
        }

        return request;
    }

    internal static ChatResponse ParseResponse(JsonObject response, string modelId)
    {
        var message = new ChatMessage(ChatRole.Assistant, (IList<AIContent>)[]);
        foreach (var block in response["output"]?["message"]?["content"]?.AsArray() ?? [])
        {
            if (block?["text"] is { } text)
            {
                message.Contents.Add(new TextContent(text.GetValue<string>()));
            }
            else if (block?["toolUse"] is JsonObject toolUse)
            {
                var arguments = toolUse["input"] is JsonObject input
                    ? input.ToDictionary(p => p.Key, p => (object?)(p.Value is null ? null : JsonSerializer.Deserialize<JsonElement>(p.Value.ToJsonString())))
                    : new Dictionary<string, object?>();
                message.Contents.Add(new FunctionCallContent(toolUse["toolUseId"]!.GetValue<string>(), toolUse["name"]!.GetValue<string>(), arguments));
            }
        }

        var chat = new ChatResponse(message)
        {
            ModelId = modelId,
            FinishReason = response["stopReason"]?.GetValue<string>() switch
            {
                "end_turn" or "stop_sequence" => ChatFinishReason.Stop,
                "tool_use" => ChatFinishReason.ToolCalls,
                "max_tokens" => ChatFinishReason.Length,
                "guardrail_intervened" or "content_filtered" => ChatFinishReason.ContentFilter,
                null => null,
                var other => new ChatFinishReason(other),
            },
        };
        if (response["usage"] is JsonObject usage)
        {
            chat.Usage = new UsageDetails
            {
                InputTokenCount = usage["inputTokens"]?.GetValue<long>(),
                OutputTokenCount = usage["outputTokens"]?.GetValue<long>(),
                TotalTokenCount = usage["totalTokens"]?.GetValue<long>(),
            };
        }

        return chat;
    }

    private static JsonObject ToolResultBlock(object? result)
    {
        switch (result)
        {
            case null:
                return new JsonObject { ["text"] = string.Empty };
            case string s:
                // A JSON object string goes as json so the model sees structure; anything else as text.
                try
                {
                    if (JsonNode.Parse(s) is JsonObject parsed)
                    {
                        return new JsonObject { ["json"] = parsed };
                    }
                }
                catch (JsonException)
                {
                    // Plain text that merely looks like JSON: it goes as text below.
                }

                return new JsonObject { ["text"] = s };
            default:
                var node = JsonSerializer.SerializeToNode(result, AIJsonUtilities.DefaultOptions);
                return node is JsonObject obj ? new JsonObject { ["json"] = obj } : new JsonObject { ["text"] = node?.ToJsonString() ?? string.Empty };
        }
    }
}
