using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsAgents.Aws.Tests.Support;

namespace MlopsAgents.Aws.Tests.Lambda;

/// <summary>
/// The forwarder's wire protocol against a Kestrel stub on 127.0.0.1 that answers plain JSON (the other answer form
/// Streamable HTTP allows; mlops-mcp answers SSE): the session id and protocol version it sends back, the idempotency key
/// it builds from mlops_task, and the arguments it keeps.
/// </summary>
public sealed class TaskForwarderWireTests
{
    private const string Session = "session-7f3a";

    [Fact]
    public async Task Handler_JsonAnswers_KeepsTheSessionAndSendsTheKeyFromMlopsTask()
    {
        var requests = new ConcurrentQueue<(Dictionary<string, string> Headers, JsonNode Body)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapPost("/mcp", async (HttpContext http) =>
        {
            var body = (await JsonNode.ParseAsync(http.Request.Body))!;
            requests.Enqueue((http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            var id = body["id"]?.DeepClone();
            JsonNode? result = body["method"]!.GetValue<string>() switch
            {
                "initialize" => new JsonObject { ["protocolVersion"] = Plugins.McpProtocol.Version, ["capabilities"] = new JsonObject(), ["serverInfo"] = new JsonObject { ["name"] = "stub", ["version"] = "1" } },
                "tools/list" => JsonNode.Parse("""{"tools":[{"name":"register_model","inputSchema":{"type":"object","properties":{"run_id":{},"model_name":{},"primary_metric":{}}}}]}"""),
                "tools/call" => JsonNode.Parse("""{"content":[{"type":"text","text":"registered"}],"structuredContent":{"name":"churn","version":"1.0.0"}}"""),
                _ => null,
            };
            http.Response.Headers["Mcp-Session-Id"] = Session;
            if (result is null)
            {
                return Results.Accepted();
            }

            return Results.Text(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result }.ToJsonString(), "application/json");
        });
        await app.StartAsync();
        var endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single() + "/mcp");
        var @event = new JsonObject
        {
            ["run_id"] = "run-9",
            ["model_name"] = "churn",
            ["primary_metric"] = "f1",
            ["mlops_task"] = new JsonObject
            {
                ["execution_id"] = "arn:aws:states:eu-west-1:111122223333:execution:mlops-dev-training:e9",
                ["state"] = "PackageModel",
                ["entered_time"] = "2026-11-24T06:00:00.123Z",
                ["retry_count"] = 2,
            },
        };

        var result = ForwarderRunner.Invoke(endpoint, "stub-token", "mlops-mcp-register_model", @event);

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal("1.0.0", result["result"]!["version"]!.GetValue<string>());
        var sent = requests.ToList();
        Assert.Equal(["initialize", "notifications/initialized", "tools/list", "tools/call"], sent.Select(r => r.Body["method"]!.GetValue<string>()));
        Assert.Equal(Plugins.McpProtocol.Version, sent[0].Body["params"]!["protocolVersion"]!.GetValue<string>());
        Assert.All(sent, r => Assert.Equal("Bearer stub-token", r.Headers["Authorization"]));
        Assert.False(sent[0].Headers.ContainsKey("Mcp-Session-Id"));
        Assert.All(sent.Skip(1), r => Assert.Equal(Session, r.Headers.GetValueOrDefault("Mcp-Session-Id")));
        Assert.All(sent.Skip(1), r => Assert.Equal(Plugins.McpProtocol.Version, r.Headers.GetValueOrDefault("MCP-Protocol-Version")));
        var call = sent[3].Body["params"]!;
        Assert.Equal("arn:aws:states:eu-west-1:111122223333:execution:mlops-dev-training:e9/PackageModel/2026-11-24T06:00:00.123Z/2", call["_meta"]!["idempotency_key"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"run_id":"run-9","model_name":"churn","primary_metric":"f1"}"""), call["arguments"]), call["arguments"]!.ToJsonString());
    }
}
