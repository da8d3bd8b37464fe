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

    private const string Execution = "arn:aws:states:eu-west-1:111122223333:execution:mlops-dev-training:e9";

    [Fact]
    public async Task Handler_JsonAnswers_KeepsTheSessionAndSendsTheKeyFromMlopsTask()
    {
        var @event = new JsonObject
        {
            ["run_id"] = "run-9",
            ["model_name"] = "churn",
            ["primary_metric"] = "f1",
            ["mlops_task"] = MlopsTask("PackageModel", retry: 2),
        };

        var (result, sent) = await RunAgainstStubAsync("mlops-mcp-register_model", @event);

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal("1.0.0", result["result"]!["version"]!.GetValue<string>());
        Assert.Equal(["initialize", "notifications/initialized", "tools/list", "tools/call"], sent.Select(r => r.Body["method"]!.GetValue<string>()));
        Assert.Equal(Plugins.McpProtocol.Version, sent[0].Body["params"]!["protocolVersion"]!.GetValue<string>());
        Assert.All(sent, r => Assert.Equal("Bearer stub-token", r.Headers["Authorization"]));
        Assert.False(sent[0].Headers.ContainsKey("Mcp-Session-Id"));
        Assert.All(sent.Skip(1), r => Assert.Equal(Session, r.Headers.GetValueOrDefault("Mcp-Session-Id")));
        Assert.All(sent.Skip(1), r => Assert.Equal(Plugins.McpProtocol.Version, r.Headers.GetValueOrDefault("MCP-Protocol-Version")));
        var call = sent[3].Body["params"]!;

        // No retry count: Step Functions' retries of this visit (after Mlops.TaskInProgress) join the server's one run.
        Assert.Equal(Execution + "/PackageModel/2026-11-24T06:00:00.123Z", call["_meta"]!["idempotency_key"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"run_id":"run-9","model_name":"churn","primary_metric":"f1"}"""), call["arguments"]), call["arguments"]!.ToJsonString());
    }

    [Fact]
    public async Task Handler_TaskTokenHandOff_KeyKeepsTheRetryCountSoEachNewTokenIsDelivered()
    {
        var @event = new JsonObject
        {
            ["context"] = new JsonObject { ["request"] = new JsonObject { ["model_name"] = "churn" } },
            ["task_token"] = "token-of-attempt-2",
            ["mlops_task"] = MlopsTask("WaitForOptimizationApproval", retry: 2),
        };

        var (result, sent) = await RunAgainstStubAsync("mlops-agent-request_approval", @event);

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        var call = sent[3].Body["params"]!;
        Assert.Equal(Execution + "/WaitForOptimizationApproval/2026-11-24T06:00:00.123Z/2", call["_meta"]!["idempotency_key"]!.GetValue<string>());
        Assert.Equal("token-of-attempt-2", call["arguments"]!["task_token"]!.GetValue<string>());
    }

    private static JsonObject MlopsTask(string state, int retry) => new()
    {
        ["execution_id"] = Execution,
        ["state"] = state,
        ["entered_time"] = "2026-11-24T06:00:00.123Z",
        ["retry_count"] = retry,
    };

    /// <summary>Runs the forwarder once against a stub that answers plain JSON; returns its outcome and every request it sent.</summary>
    private static async Task<(JsonNode Result, List<(Dictionary<string, string> Headers, JsonNode Body)> Sent)> RunAgainstStubAsync(string function, JsonObject @event)
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
                "tools/list" => JsonNode.Parse("""{"tools":[{"name":"register_model","inputSchema":{"type":"object","properties":{"run_id":{},"model_name":{},"primary_metric":{}}}},{"name":"request_approval","inputSchema":{"type":"object","properties":{"context":{},"task_token":{}}}}]}"""),
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
        var result = ForwarderRunner.Invoke(endpoint, "stub-token", function, @event);
        return (result, requests.ToList());
    }
}
