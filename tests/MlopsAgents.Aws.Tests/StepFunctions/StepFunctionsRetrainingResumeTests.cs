using System.Text.Json.Nodes;
using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.StepFunctions;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Retraining;
using MlopsAgents.Plugins.Storage;
using static MlopsAgents.Aws.Tests.StepFunctions.RetrainingExecutionReplies;

namespace MlopsAgents.Aws.Tests.StepFunctions;

/// <summary>
/// A restarted retraining watcher re-attaches to the Step Functions execution a stopped process left open, by the ARN
/// its ledger row holds, against the signed local stub: it awaits the execution (answering its approval), closes the
/// row with the real outcome and never starts the execution again; an execution AWS does not know is interrupted with
/// the reason.
/// </summary>
public sealed class StepFunctionsRetrainingResumeTests : IDisposable
{
    private const string Model = "churn";
    private const string MachineArn = "arn:aws:states:us-east-1:1:stateMachine:mlops-dev-training";
    private const string ExecutionArn = RetrainingExecutionReplies.ExecutionArn;
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Monday = new(2026, 1, 5, 3, 0, 0, TimeSpan.Zero);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mlops-sfn-resume-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Resume_ProcessStoppedWhileTheExecutionRan_ClosesTheRowWithTheOutcomeWithoutStartingItAgain()
    {
        await using var stub = await AwsStub.StartAsync();
        using var clients = new StubClients(stub);
        var context = new MlopsContext(new MlopsHome(Path.Combine(_dir.FullName, "home")), _dir.FullName);
        var ledgerPath = Path.Combine(_dir.FullName, "home", "retraining", "watcher.db");

        // ---- the first process: a push starts the execution; the process stops while it waits to poll again ----
        stub.Reply(
            StubResponse.Ok($$"""{"executionArn":"{{ExecutionArn}}","startDate":1767582000}"""),
            Describe("RUNNING"),
            StubResponse.Ok(History(waiting: false)));
        var held = PollClock.Held();
        using (var stop = new CancellationTokenSource())
        {
            var running = Watcher(context, new RetrainingLedger(ledgerPath), clients, held).OnCodeChangeAsync("refs/heads/main", "0123456789abcdef", stop.Token);
            await held.FirstDelay.Task.WaitAsync(TimeSpan.FromMinutes(1));
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }

        var open = Assert.Single(new RetrainingLedger(ledgerPath).List(Model));
        Assert.Equal((RetrainingLedger.Open, ExecutionArn), (open.Status, open.Handle));

        // ---- the next process: the execution now waits for approval, then runs on and registers 1.1.0 ----
        stub.Reply(
            Describe("RUNNING"),
            StubResponse.Ok(History(waiting: true)),
            StubResponse.Ok("{}"),
            Describe("RUNNING"),
            StubResponse.Ok(History(waiting: false)),
            Describe("SUCCEEDED", """{"package":{"name":"churn","version":"1.1.0"}}"""));
        RegisterVersion(context, "1.1.0");
        var instant = PollClock.Instant();
        var ledger = new RetrainingLedger(ledgerPath);

        var firing = Assert.Single(await Watcher(context, ledger, clients, instant).ResumeAsync());

        Assert.Equal("launched", firing.Status);
        Assert.Equal("1.1.0", firing.Outcome!.Run!.ChallengerVersion);
        var closed = Assert.Single(ledger.List(Model));
        Assert.Equal(("launched", ExecutionArn, "churn had no champion; 1.1.0 is now champion"), (closed.Status, closed.RunId, closed.Summary));
        Assert.Equal("1.1.0", Assert.Single(context.Registry.ListActiveDeployments()).Version);

        var targets = stub.Requests.Select(r => r.Header("X-Amz-Target")).ToList();
        Assert.Equal(1, targets.Count(t => t == "AWSStepFunctions.StartExecution"));
        Assert.Equal("AWSStepFunctions.StartExecution", targets[0]);
        Assert.Equal("AWSStepFunctions.SendTaskSuccess", targets[5]);
        var answer = JsonNode.Parse(JsonNode.Parse(stub.Requests[5].Body)!["output"]!.GetValue<string>())!;
        Assert.Equal("automatic retraining (code_change): code change: push to refs/heads/main at 0123456789ab", answer["comment"]!.GetValue<string>());
        Assert.Equal(9, stub.Requests.Count);
        Assert.All(stub.Requests, r => Assert.Null(r.SignatureProblem));
        Assert.Equal([Poll], held.Delays);
        Assert.Equal([Poll], instant.Delays);
    }

    [Fact]
    public async Task Resume_ExecutionStepFunctionsDoesNotKnow_MarksTheRowInterruptedWithTheReason()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Error(400, "ExecutionDoesNotExist", $"Execution Does Not Exist: '{ExecutionArn}'"));
        using var clients = new StubClients(stub);
        var context = new MlopsContext(new MlopsHome(Path.Combine(_dir.FullName, "home")), _dir.FullName);
        var ledger = new RetrainingLedger(Path.Combine(_dir.FullName, "home", "retraining", "watcher.db"));
        ledger.TryOpen(new RetrainingTrigger(RetrainingTriggerKind.DriftDetected, Model, "data drift: 1 of 3 features drifted", Monday));
        ledger.Attach(Model, ExecutionArn, null, "1.0.0", null);

        var firing = Assert.Single(await Watcher(context, ledger, clients, PollClock.Instant()).ResumeAsync());

        Assert.Equal(RetrainingLedger.Interrupted, firing.Status);
        var record = Assert.Single(ledger.List(Model));
        Assert.Equal(RetrainingLedger.Interrupted, record.Status);
        Assert.Equal($"execution {ExecutionArn} does not exist on Step Functions (Execution Does Not Exist: '{ExecutionArn}'); it cannot be re-attached", record.Summary);
        Assert.Equal("AWSStepFunctions.DescribeExecution", Assert.Single(stub.Requests).Header("X-Amz-Target"));
        Assert.Empty(ledger.ListOpen());
    }

    [Fact]
    public async Task AttachAsync_HandleOfTheLocalExecutor_ReturnsALostRunWithoutAskingAws()
    {
        await using var stub = await AwsStub.StartAsync();
        using var clients = new StubClients(stub);

        var run = await Launcher(clients, PollClock.Instant()).AttachAsync(Trigger(), "retrain-churn-20260105T030000-0a1b2c3d", CancellationToken.None);

        Assert.True(run.Lost);
        Assert.Contains("run retrain-churn-20260105T030000-0a1b2c3d is not a Step Functions execution ARN", run.Detail, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Theory]
    [InlineData("TIMED_OUT", "timed_out")]
    [InlineData("ABORTED", "aborted")]
    public async Task AttachAsync_ExecutionEndedWithoutSuccess_ReturnsAFailedRunThatIsNotLost(string status, string word)
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(Describe(status, error: "States.Timeout", cause: "the execution ran too long"));
        using var clients = new StubClients(stub);

        var run = await Launcher(clients, PollClock.Instant()).AttachAsync(Trigger(), ExecutionArn, CancellationToken.None);

        Assert.Equal((false, false, (string?)null), (run.Lost, run.Succeeded, run.ChallengerVersion));
        Assert.Equal($"execution {ExecutionArn} {word}: States.Timeout: the execution ran too long", run.Detail);
    }

    [Fact]
    public async Task AttachAsync_PendingRedrive_KeepsPollingUntilItEnds()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(Describe("PENDING_REDRIVE"), Describe("SUCCEEDED", """{"package":{"name":"churn","version":"1.2.0"}}"""));
        using var clients = new StubClients(stub);
        var clock = PollClock.Instant();

        var run = await Launcher(clients, clock).AttachAsync(Trigger(), ExecutionArn, CancellationToken.None);

        Assert.Equal((true, "1.2.0"), (run.Succeeded, run.ChallengerVersion));
        Assert.Equal([Poll], clock.Delays);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public void Constructor_PollIntervalZero_ThrowsNamingTheValueAndWhatIsAllowed()
    {
        using var http = new HttpClient();
        var client = new StepFunctionsClient(new AwsJsonClient(http, new AwsClientOptions { Region = "us-east-1" }, new StaticCredentialsSource(AwsStub.AccessKey, AwsStub.SecretKey)));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new StepFunctionsRetrainingLauncher(client, MachineArn, _ => [], TimeSpan.Zero));

        Assert.Equal("pollInterval", error.ParamName);
        Assert.Contains("pollInterval is 00:00:00; allowed: more than zero.", error.Message, StringComparison.Ordinal);
    }

    private static RetrainingTrigger Trigger() => new(RetrainingTriggerKind.DriftDetected, Model, "data drift: 1 of 3 features drifted", Monday);

    private static StepFunctionsRetrainingLauncher Launcher(StubClients clients, TimeProvider clock) =>
        new(new StepFunctionsClient(clients.Client), MachineArn, t => new JsonObject { ["retraining"] = new JsonObject { ["reason"] = t.Reason } }, Poll, clock);

    /// <summary>The watcher `mlops serve` builds with MLOPS_WORKFLOW_BACKEND=stepfunctions: coordinator, ledger and this launcher.</summary>
    private static RetrainingWatcher Watcher(MlopsContext context, RetrainingLedger ledger, StubClients clients, TimeProvider clock)
    {
        var coordinator = new RetrainingCoordinator(
            context, new RetrainingPolicy(RetrainingMode.Launch, new PromotionCriteria()),
            new PerModelRetrainingLauncher(new Dictionary<string, IRetrainingLauncher> { [Model] = Launcher(clients, clock) }), ledger: ledger);
        return new RetrainingWatcher(
            [new RetrainingWatch { Model = Model, Triggers = [RetrainingTriggerKind.CodeChange] }], ledger,
            new CoordinatorRetrainingHandler(coordinator, (_, _) => Task.FromResult(new DataFrame(["x"], []))), _ => null, context.Registry);
    }

    /// <summary>What the execution's register step writes to the shared registry.</summary>
    private static void RegisterVersion(MlopsContext context, string version) =>
        context.Registry.InsertModelVersion(new ModelVersionRecord(
            Model, version, "train-1", $"models/{Model}/{version}", "sha", "schema", "config", new Dictionary<string, double> { ["accuracy"] = 0.9 }, Monday, Pruned: false));

    /// <summary>The execution history: in TrainModel, or (<paramref name="waiting"/>) waiting for approval with token-1.</summary>
    private static string History(bool waiting)
    {
        var events = new JsonArray
        {
            new JsonObject { ["id"] = 1, ["type"] = "ExecutionStarted", ["timestamp"] = 1767582000.0, ["executionStartedEventDetails"] = new JsonObject { ["input"] = "{}" } },
            new JsonObject { ["id"] = 2, ["type"] = "TaskStateEntered", ["timestamp"] = 1767582001.0, ["previousEventId"] = 1, ["stateEnteredEventDetails"] = new JsonObject { ["name"] = "TrainModel" } },
        };
        if (waiting)
        {
            var parameters = new JsonObject
            {
                ["FunctionName"] = "arn:aws:lambda:us-east-1:1:function:mlops-agent-request_approval",
                ["Payload"] = new JsonObject { ["execution_id"] = ExecutionArn, ["state"] = "WaitForOptimizationApproval", ["task_token"] = "token-1", ["context"] = new JsonObject() },
            };
            events.Add(new JsonObject { ["id"] = 3, ["type"] = "TaskStateEntered", ["timestamp"] = 1767582002.0, ["previousEventId"] = 2, ["stateEnteredEventDetails"] = new JsonObject { ["name"] = "WaitForOptimizationApproval" } });
            events.Add(new JsonObject { ["id"] = 4, ["type"] = "TaskScheduled", ["timestamp"] = 1767582002.1, ["previousEventId"] = 3, ["taskScheduledEventDetails"] = new JsonObject { ["resourceType"] = "lambda", ["resource"] = "invoke.waitForTaskToken", ["region"] = "us-east-1", ["parameters"] = parameters.ToJsonString() } });
        }

        return new JsonObject { ["events"] = events }.ToJsonString();
    }
}
