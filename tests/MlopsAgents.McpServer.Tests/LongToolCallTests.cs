using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Xunit.Abstractions;
using static MlopsAgents.McpServer.Tests.ToolResults;

namespace MlopsAgents.McpServer.Tests;

/// <summary>
/// A long write tool (a neural network trained for many epochs on the bundled breast-cancer data) called with an idempotency key
/// through the real Streamable HTTP server: it runs once per key, whoever waits for it and whoever gives up.
/// </summary>
public sealed class LongToolCallTests(McpServerFixture server, ITestOutputHelper output) : IClassFixture<McpServerFixture>
{
    /// <summary>
    /// Epochs enough for the training to take seconds, so the second call surely finds the first in flight. A neural
    /// network trains on one thread, so its length does not shrink with the machine's core count as a forest's does.
    /// </summary>
    private const int Epochs = 40;

    [Fact]
    public async Task CallTool_TwoConcurrentCallsWithOneKey_TrainOnce()
    {
        var trainingId = await PrepareAsync("long-concurrent");
        var options = Keyed("long/concurrent/1");

        var first = server.Writable.CallToolAsync("train_supervised_classifier", Training(trainingId), options: options).AsTask();
        await UntilAsync(() => Runs(trainingId).Count > 0, first);
        await using var other = await McpServerFixture.ConnectAsync(server.WritableEndpoint, McpServerFixture.Token);
        var second = other.CallToolAsync("train_supervised_classifier", Training(trainingId), options: options).AsTask();

        var trained = (await first).Ok();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train_seconds: {trained.GetProperty("train_seconds").GetDouble()}"));
        var a = trained.GetProperty("run_id").GetString()!;
        var b = (await second).Ok().GetProperty("run_id").GetString()!;
        Assert.Equal(a, b);
        Assert.Equal([a], Runs(trainingId));
    }

    [Fact]
    public async Task CallTool_CallerCancelsWhileTraining_RunCompletesAndTheSameKeyReturnsIt()
    {
        var trainingId = await PrepareAsync("long-cancel");
        var options = Keyed("long/cancel/1");
        using var caller = new CancellationTokenSource();

        var abandoned = server.Writable.CallToolAsync("train_supervised_classifier", Training(trainingId), options: options, cancellationToken: caller.Token).AsTask();
        await UntilAsync(() => Runs(trainingId).Count > 0, abandoned);
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await abandoned);

        var later = (await server.Writable.CallToolAsync("train_supervised_classifier", Training(trainingId), options: options)).Ok();

        var runId = later.GetProperty("run_id").GetString()!;
        Assert.Equal([runId], Runs(trainingId));
        var evaluated = (await server.Writable.CallToolAsync("evaluate_classifier", Args(("run_id", runId)))).Ok();
        Assert.True(evaluated.GetProperty("metrics").GetProperty("f1_score").GetDouble() > 0.8, evaluated.ToString());
    }

    [Fact]
    public async Task CallTool_CallerDisposesItsClientWhileTraining_RunCompletesAndTheSameKeyReturnsIt()
    {
        var trainingId = await PrepareAsync("long-dispose");
        var options = Keyed("long/dispose/1");
        var leaving = await McpServerFixture.ConnectAsync(server.WritableEndpoint, McpServerFixture.Token);

        var abandoned = leaving.CallToolAsync("train_supervised_classifier", Training(trainingId), options: options).AsTask();
        await UntilAsync(() => Runs(trainingId).Count > 0, abandoned);

        // Disposing ends the session (DELETE), which cancels every request the session still runs.
        await leaving.DisposeAsync();
        await Task.WhenAny(abandoned);
        var later = (await server.Writable.CallToolAsync("train_supervised_classifier", Training(trainingId), options: options)).Ok();

        Assert.Equal([later.GetProperty("run_id").GetString()!], Runs(trainingId));
    }

    private static RequestOptions Keyed(string key) => new() { Meta = new JsonObject { ["idempotency_key"] = key } };

    private static Dictionary<string, object?> Training(string trainingId) => Args(
        ("training_id", trainingId),
        ("algorithm", "neural_network"),
        ("hyperparameters", new Dictionary<string, object> { ["hidden_layers"] = new[] { 256, 256 }, ["max_epochs"] = Epochs, ["early_stopping_patience"] = Epochs }),
        ("random_seed", 7));

    private async Task<string> PrepareAsync(string datasetId)
    {
        (await server.Writable.CallToolAsync("load_dataset", Args(("path", "breast_cancer.csv"), ("dataset_id", datasetId), ("target", "diagnosis")))).Ok();
        var request = string.Create(CultureInfo.InvariantCulture, $"dataset_id: {datasetId}\ntask_type: classification\nalgorithm: neural_network\ndata_preprocessing: {{standardize: true}}\n");
        return (await server.Writable.CallToolAsync("preprocess_supervised", Args(("request", request)))).Ok().GetProperty("training_id").GetString()!;
    }

    /// <summary>The runs the registry holds under a training id (each training records one as it starts).</summary>
    private List<string> Runs(string trainingId) =>
        [.. server.Context.Registry.ListRuns(limit: 1000).Where(r => r.ParentTrainingId == trainingId).Select(r => r.TrainingId).Order(StringComparer.Ordinal)];

    /// <summary>Polls until <paramref name="condition"/> holds; fails at once if <paramref name="call"/> ended first.</summary>
    private static async Task UntilAsync(Func<bool> condition, Task call)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.False(call.IsCompleted, "The call ended before the state the test waits for was seen; make the training longer.");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "The state the test waits for did not appear within 60 s.");
            await Task.Delay(10);
        }
    }
}
