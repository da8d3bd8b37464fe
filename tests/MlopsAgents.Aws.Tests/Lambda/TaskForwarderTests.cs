using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.Tests.Support;
using ModelContextProtocol.Client;

namespace MlopsAgents.Aws.Tests.Lambda;

/// <summary>
/// The Step Functions task forwarder (infra/lambda/task-forwarder/index.js) run by Node.js against the real mlops-mcp
/// HTTP server: the same arguments, results, errors and idempotency as the local McpTaskInvoker.
/// </summary>
public sealed class TaskForwarderTests(McpHttpServerFixture server) : IClassFixture<McpHttpServerFixture>
{
    private static JsonObject Task(string execution, string state, int retry = 0) => new()
    {
        ["execution_id"] = execution,
        ["state"] = state,
        ["entered_time"] = "2026-11-24T06:00:00.000Z",
        ["retry_count"] = retry,
    };

    private JsonNode Invoke(string function, JsonNode? @event, string? token = null) =>
        ForwarderRunner.Invoke(server.Endpoint, token ?? McpHttpServerFixture.Token, function, @event);

    [Fact]
    public async Task Handler_ReadOnlyMcpTool_ReturnsTheStructuredResultTheMcpClientGets()
    {
        var arguments = new JsonObject { ["dataset_size_mb"] = 2048, ["performance_profile"] = "cost", ["algorithm"] = "xgboost", ["region"] = "eu-west-1" };
        var @event = (JsonObject)arguments.DeepClone();
        @event["not_a_parameter"] = "dropped, as the local invoker drops it";
        @event["mlops_task"] = Task("arn:aws:states:eu-west-1:111122223333:execution:mlops-dev-training:e1", "SelectResources");

        var forwarded = Invoke("mlops-mcp-select_optimal_resources", @event);

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = server.Endpoint,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + McpHttpServerFixture.Token },
        }), new McpClientOptions { ProtocolVersion = Plugins.McpProtocol.Version });
        var direct = await client.CallToolAsync("select_optimal_resources", arguments.ToDictionary(kv => kv.Key, kv => (object?)JsonSerializer.SerializeToElement(kv.Value)));
        Assert.True(forwarded["ok"]!.GetValue<bool>(), forwarded.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(direct.StructuredContent!.Value.GetRawText()), forwarded["result"]), $"{forwarded["result"]} vs {direct.StructuredContent}");
    }

    [Fact]
    public void Handler_AgentStepWithDefinitionParameters_GetsContextAndExecutionId()
    {
        var execution = "arn:aws:states:eu-west-1:111122223333:execution:mlops-dev-training:history-1";
        var state = new JsonObject { ["request"] = new JsonObject { ["dataset_id"] = "iris", ["algorithm"] = "xgboost" }, ["judge"] = new JsonObject { ["decision"] = "pass", ["reason"] = "f1 0.97 >= 0.9" } };
        var @event = new JsonObject { ["context"] = state, ["execution_id"] = execution, ["mlops_task"] = Task(execution, "WriteHistory") };

        var result = Invoke("mlops-agent-write_history", @event);

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal(execution + ".md", result["result"]!["file_name"]!.GetValue<string>());
        var written = File.ReadAllText(Path.Combine(server.Home, "training_history", execution + ".md"));
        Assert.Contains("# Training history: " + execution, written, StringComparison.Ordinal);
        Assert.Contains("- dataset: iris", written, StringComparison.Ordinal);
        Assert.Contains("- decision: pass (f1 0.97 >= 0.9)", written, StringComparison.Ordinal);
    }

    [Fact]
    public void Handler_AgentStepWithoutParameters_WrapsTheStateAsContext()
    {
        var execution = "arn:aws:states:eu-west-1:111122223333:execution:mlops-dev-training:history-2";
        var @event = new JsonObject { ["request"] = new JsonObject { ["dataset_id"] = "wine" }, ["mlops_task"] = Task(execution, "WriteHistory") };

        var result = Invoke("mlops-agent-write_history", @event);

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Contains("- dataset: wine", result["result"]!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(execution + ".md", result["result"]!["file_name"]!.GetValue<string>());
    }

    [Fact]
    public void Handler_TokenInSecretsManager_ReadsItOncePerColdStart()
    {
        const string secretArn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:mlops/dev/mcp-token-AbCdEf";
        var environment = new Dictionary<string, string>
        {
            ["MCP_URL"] = server.Endpoint.ToString(),
            ["MCP_TOKEN_SECRET_ARN"] = secretArn,
            ["NODE_PATH"] = Path.Combine(AppContext.BaseDirectory, "TestData", "forwarder", "fake-sdk"),
            ["FAKE_SECRET_ARN"] = secretArn,
            ["FAKE_SECRET_VALUE"] = McpHttpServerFixture.Token,
        };

        var result = ForwarderRunner.Invoke("mlops-mcp-select_optimal_resources", new JsonObject { ["dataset_size_mb"] = 10, ["mlops_task"] = Task("e-secret", "S") }, 3, environment);

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal(1, result["secretReads"]!.GetValue<int>());
    }

    [Fact]
    public void Handler_WrongToken_FailsAsUnauthorizedWithoutTheToken()
    {
        var result = Invoke("mlops-mcp-select_optimal_resources", new JsonObject { ["dataset_size_mb"] = 1, ["mlops_task"] = Task("e-token", "S") }, token: "wrong-token");

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Equal("Mlops.Unauthorized", result["errorType"]!.GetValue<string>());
        Assert.Contains("HTTP 401", result["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token", result["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Handler_ToolReportsError_ThrowsMlopsToolErrorNamingTheTool()
    {
        var result = Invoke("mlops-mcp-select_optimal_resources", new JsonObject { ["dataset_size_mb"] = -5, ["mlops_task"] = Task("e-error", "S") });

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Equal("Mlops.ToolError", result["errorType"]!.GetValue<string>());
        Assert.StartsWith("select_optimal_resources: ", result["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("dataset_size_mb", result["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mlops-mcp-no_such_tool", "Mlops.UnknownTool")]
    [InlineData("some-other-function", "Mlops.UnknownResource")]
    public void Handler_FunctionNamesNoTool_FailsWithItsErrorType(string function, string errorType)
    {
        var result = Invoke(function, new JsonObject { ["mlops_task"] = Task("e-unknown", "S") });

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Equal(errorType, result["errorType"]!.GetValue<string>());
    }

    [Fact]
    public void Handler_StateWithoutMlopsTask_FailsAsBadTaskInput()
    {
        var result = Invoke("mlops-mcp-select_optimal_resources", new JsonObject { ["dataset_size_mb"] = 1 });

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Equal("Mlops.BadTaskInput", result["errorType"]!.GetValue<string>());
    }

    [Fact]
    public void Handler_ReplayedAttemptOrRetry_ReturnsTheFirstResultWithoutNotifyingAgain()
    {
        var execution = "arn:aws:states:eu-west-1:111122223333:execution:mlops-dev-training:replay-1";
        JsonObject Event(int retry, string entered = "2026-11-24T06:00:00.000Z") => new()
        {
            ["context"] = new JsonObject { ["package"] = new JsonObject { ["name"] = "churn", ["version"] = "1.2.0" } },
            ["execution_id"] = execution,
            ["mlops_task"] = new JsonObject { ["execution_id"] = execution, ["state"] = "NotifySuccess", ["entered_time"] = entered, ["retry_count"] = retry },
        };
        int Notices() => File.Exists(Path.Combine(server.Home, "notifications.jsonl"))
            ? File.ReadLines(Path.Combine(server.Home, "notifications.jsonl")).Count(l => l.Contains(execution, StringComparison.Ordinal))
            : 0;

        var first = Invoke("mlops-agent-notify_success", Event(0));
        var replay = Invoke("mlops-agent-notify_success", Event(0));
        // A retry of the same visit (Step Functions adds 1 to RetryCount) joins the same key: the key has no retry count.
        var retry = Invoke("mlops-agent-notify_success", Event(1));
        Assert.Equal(1, Notices());

        var nextVisit = Invoke("mlops-agent-notify_success", Event(0, entered: "2026-11-24T06:30:00.000Z"));

        Assert.True(first["ok"]!.GetValue<bool>(), first.ToJsonString());
        Assert.True(JsonNode.DeepEquals(first, replay));
        Assert.True(JsonNode.DeepEquals(first, retry));
        Assert.Equal("Model churn 1.2.0 is deployed.", first["result"]!["message"]!.GetValue<string>());
        Assert.True(nextVisit["ok"]!.GetValue<bool>());
        Assert.Equal(2, Notices());
    }
}
