using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.GitHub.Tests.Support;

/// <summary>An issue workflow over a real executor and link store in a temp folder, with a fake behind the MCP steps.</summary>
internal sealed class Harness : IAsyncDisposable
{
    public const string RequestBody = """
        We need a classifier for the wine data.

        ```yaml
        dataset_id: wine-demo
        target: quality
        task_type: classification
        algorithm: xgboost
        evaluation_threshold: 0.8
        max_retry: 2
        ```
        """;

    private Harness(TempDirectory dir, IIssueHost host, GitHubOptions options, FakeTimeProvider time, Func<string, Agents.IssueAgents>? agents)
    {
        var issueAgents = agents?.Invoke(dir.Path);
        Dir = dir;
        Host = host;
        Options = options;
        Time = time;
        Links = new IssueLinkStore(dir.Combine("github.db"), time);
        Inner = new FakeInnerInvoker();
        Executor = new StateMachineExecutor(dir.Combine("workflow.db"), new IssueTaskInvoker(Inner, Links, host, options, results: issueAgents?.Results, proposal: issueAgents?.Proposal), new StateMachineOptions
        {
            Delay = (_, _) => Task.CompletedTask,
        });
        Authorizer = new CommenterAuthorizer(host, options, time);
        Workflow = new IssueWorkflow(
            Executor, Definition(), host, Links, Authorizer, new RequestParseOptions { DataRoot = dir.Path }, issueAgents?.Responder, intake: issueAgents?.Intake);
    }

    public TempDirectory Dir { get; }

    public IIssueHost Host { get; }

    public GitHubOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public IssueLinkStore Links { get; }

    public FakeInnerInvoker Inner { get; }

    public StateMachineExecutor Executor { get; }

    public CommenterAuthorizer Authorizer { get; }

    public IssueWorkflow Workflow { get; }

    /// <param name="agents">Builds the agents for the flow from the data root; null runs without them, as provider none does.</param>
    public static Harness Create(Func<TempDirectory, IIssueHost> host, GitHubOptions? options = null, Func<string, Agents.IssueAgents>? agents = null)
    {
        var dir = new TempDirectory();
        return new Harness(dir, host(dir), options ?? new GitHubOptions(), new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)), agents);
    }

    public static AslDefinition Definition() =>
        AslDefinition.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "mlops-training.asl.json")));

    public async Task<ExecutionDescription> IdleAsync(string executionId)
    {
        await Executor.WaitForIdleAsync(executionId).WaitAsync(TimeSpan.FromSeconds(15));
        return Executor.DescribeExecution(executionId)!;
    }

    public async ValueTask DisposeAsync()
    {
        await Executor.DisposeAsync();
        Dir.Dispose();
    }
}

/// <summary>GitHub's published example payloads and their signatures.</summary>
internal static class Payloads
{
    public static JsonObject Load(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", name + ".json")))!.AsObject();

    /// <summary>X-Hub-Signature-256 as GitHub computes it: sha256= and the hex HMAC-SHA256 of the raw body.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
