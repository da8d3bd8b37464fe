using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Storage;
using ModelContextProtocol.Client;
using Xunit.Abstractions;

namespace MlopsAgents.Aws.Tests.Lambda;

/// <summary>
/// A Task longer than the forwarder may wait (Lambda stops at 900 s; here a deadline of a second or two against a
/// training of several seconds) on the real mlops-mcp HTTP server: the first invocation throws Mlops.TaskInProgress,
/// the retries Step Functions makes (same mlops_task, retry_count + 1) join the server's run, and it trains once.
/// </summary>
public sealed class TaskForwarderLongTaskTests(McpHttpServerFixture server, ITestOutputHelper output) : IClassFixture<McpHttpServerFixture>
{
    private const string EnteredTime = "2026-11-24T07:00:00.000Z";

    [Fact]
    public async Task Handler_ToolOutlastsTheDeadline_ThrowsTaskInProgressThenRetriesJoinTheOneRun()
    {
        var trainingId = await PrepareAsync("fwd-long");
        var execution = "arn:aws:states:eu-west-1:111122223333:execution:mlops-dev-training:long-1";
        var settings = Settings(deadlineMs: 1500);

        var first = ForwarderRunner.Invoke("mlops-mcp-train_supervised_classifier", Event(trainingId, execution, retry: 0), 1, settings);

        Assert.False(first["ok"]!.GetValue<bool>(), "the training should outlast a 1.5 s deadline: " + first.ToJsonString());
        Assert.Equal("Mlops.TaskInProgress", first["errorType"]!.GetValue<string>());

        // Step Functions retries every 5 s; here at once, for as long as the training may take on a loaded machine.
        JsonNode? done = null;
        var invocations = 1;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var retry = 1; done is null && watch.Elapsed < TimeSpan.FromMinutes(5); retry++)
        {
            invocations++;
            var outcome = ForwarderRunner.Invoke("mlops-mcp-train_supervised_classifier", Event(trainingId, execution, retry), 1, settings);
            if (outcome["ok"]!.GetValue<bool>())
            {
                done = outcome["result"];
            }
            else
            {
                Assert.Equal("Mlops.TaskInProgress", outcome["errorType"]!.GetValue<string>());
            }
        }

        Assert.NotNull(done);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train_seconds: {done["train_seconds"]}, invocations: {invocations}"));
        Assert.Equal([done["run_id"]!.GetValue<string>()], Runs(trainingId));
        var replay = ForwarderRunner.Invoke("mlops-mcp-train_supervised_classifier", Event(trainingId, execution, retry: 99), 1, settings);
        Assert.True(JsonNode.DeepEquals(done, replay["result"]), replay.ToJsonString());
        Assert.Equal([done["run_id"]!.GetValue<string>()], Runs(trainingId));
    }

    [Theory]
    [InlineData(900_000, true)]
    [InlineData(10_001, false)]
    public void Handler_DeadlineWithoutOverride_IsLambdasTimeLeftLessTenSeconds(int remainingMs, bool answers)
    {
        // A quick read-only tool: with 900 s left it answers; with 10.001 s left the forwarder has 1 ms, as a real one
        // has 890 s of 900, and gives up as Mlops.TaskInProgress instead of being cut off by Lambda.
        var @event = new JsonObject
        {
            ["dataset_size_mb"] = 10,
            ["mlops_task"] = new JsonObject { ["execution_id"] = "e-margin", ["state"] = "S", ["entered_time"] = EnteredTime, ["retry_count"] = 0 },
        };

        var outcome = ForwarderRunner.Invoke("mlops-mcp-select_optimal_resources", @event, 1, Settings(deadlineMs: null), remainingMs);

        Assert.Equal(answers, outcome["ok"]!.GetValue<bool>());
        if (!answers)
        {
            Assert.Equal("Mlops.TaskInProgress", outcome["errorType"]!.GetValue<string>());
        }
    }

    private Dictionary<string, string> Settings(int? deadlineMs)
    {
        var settings = new Dictionary<string, string> { ["MCP_URL"] = server.Endpoint.ToString(), ["MCP_TOKEN"] = McpHttpServerFixture.Token };
        if (deadlineMs is { } ms)
        {
            settings["MLOPS_FORWARDER_DEADLINE_MS"] = ms.ToString(CultureInfo.InvariantCulture);
        }

        return settings;
    }

    /// <summary>
    /// TrainModel's input as the state builds it: a neural network of two 256-unit layers for 150 epochs on
    /// breast_cancer takes seconds, and on one thread, so a machine with more cores does not make it shorter.
    /// </summary>
    private static JsonObject Event(string trainingId, string execution, int retry) => new()
    {
        ["training_id"] = trainingId,
        ["algorithm"] = "neural_network",
        ["hyperparameters"] = new JsonObject { ["hidden_layers"] = new JsonArray(256, 256), ["max_epochs"] = 150, ["early_stopping_patience"] = 150 },
        ["random_seed"] = 7,
        ["mlops_task"] = new JsonObject { ["execution_id"] = execution, ["state"] = "TrainModel", ["entered_time"] = EnteredTime, ["retry_count"] = retry },
    };

    private async Task<string> PrepareAsync(string datasetId)
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "examples", "breast_cancer.csv"), Path.Combine(server.Root, datasetId + ".csv"), overwrite: true);
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = server.Endpoint,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + McpHttpServerFixture.Token },
        }), new McpClientOptions { ProtocolVersion = Plugins.McpProtocol.Version });
        await CallAsync(client, "load_dataset", new JsonObject { ["path"] = datasetId + ".csv", ["dataset_id"] = datasetId, ["target"] = "diagnosis" });
        var prepared = await CallAsync(client, "preprocess_supervised", new JsonObject { ["request"] = $"dataset_id: {datasetId}\ntask_type: classification\nalgorithm: neural_network\ndata_preprocessing: {{standardize: true}}\n" });
        return prepared.GetProperty("training_id").GetString()!;
    }

    private static async Task<JsonElement> CallAsync(McpClient client, string tool, JsonObject arguments)
    {
        var result = await client.CallToolAsync(tool, arguments.ToDictionary(kv => kv.Key, kv => (object?)JsonSerializer.SerializeToElement(kv.Value)));
        Assert.False(result.IsError == true, tool + ": " + string.Join("\n", result.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(c => c.Text)));
        return result.StructuredContent!.Value;
    }

    /// <summary>The runs the server's registry holds under a training id (a training records its run as it starts).</summary>
    private List<string> Runs(string trainingId)
    {
        var context = new MlopsContext(new MlopsHome(server.Home), server.Root);
        return [.. context.Registry.ListRuns(limit: 1000).Where(r => r.ParentTrainingId == trainingId).Select(r => r.TrainingId)];
    }
}
