using MlopsAgents.GitHub.Tests.Support;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.GitHub.Tests;

public sealed class WorkflowRuntimeTests
{
    [Fact]
    public async Task Create_NoToken_LocalIssueFlowSurvivesAProcessRestartBetweenStartAndApprove()
    {
        using var dir = new TempDirectory();
        var home = new MlopsHome(dir.Combine("home"));
        var definition = Harness.Definition();
        var inner = new FakeInnerInvoker();
        string id;
        IssueRef issue;
        await using (var first = WorkflowRuntime.Create(home, dir.Path, new GitHubOptions(), inner, definition: definition, localOperator: "ops"))
        {
            Assert.NotNull(first.LocalHost);
            issue = await first.LocalHost!.CreateIssueAsync("Train wine", Harness.RequestBody, CancellationToken.None);
            id = (await first.Workflow.StartAsync(issue, "ops", Harness.RequestBody))!;
            await first.Executor.WaitForIdleAsync(id);
            Assert.Equal(ExecutionStatus.Waiting, first.Executor.DescribeExecution(id)!.Summary.Status);
        }

        await using var second = WorkflowRuntime.Create(home, dir.Path, new GitHubOptions(), inner, definition: definition, localOperator: "ops");
        second.Executor.ResumeAll();
        Assert.Equal(CommentOutcome.Done, await second.Workflow.ApproveAsync(id, "ops"));
        await second.Executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(ExecutionStatus.Succeeded, second.Executor.DescribeExecution(id)!.Summary.Status);
        Assert.Equal([IssueLabels.Deployed], second.LocalHost!.ReadLabels(issue));
        Assert.Equal(1, inner.Steps.Count(s => s == "register_model"));
    }

    [Fact]
    public void Create_InvalidOptions_ThrowsListingEveryProblem()
    {
        using var dir = new TempDirectory();

        var error = Assert.Throws<ArgumentException>(() => WorkflowRuntime.Create(
            new MlopsHome(dir.Path), dir.Path, new GitHubOptions { BaseUrl = "nope", AllowedTeams = ["x"] }, new FakeInnerInvoker(), definition: Harness.Definition()));

        Assert.Contains("BaseUrl: 'nope'", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowedTeams: 'x'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegistryModelRollback_UnknownModel_NotDoneWithTheRegistrysMessage()
    {
        using var dir = new TempDirectory();
        var rollback = new RegistryModelRollback(new Plugins.MlopsContext(new MlopsHome(dir.Path).EnsureCreated(), dir.Path));

        var outcome = await rollback.RollbackAsync("no-such-model", null, CancellationToken.None);

        Assert.False(outcome.Done);
        Assert.Contains("no-such-model", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDefinition_MissingFile_NamesTheSettingAndPath()
    {
        var error = Assert.Throws<FileNotFoundException>(() => WorkflowRuntime.LoadDefinition("/nonexistent/x.asl.json"));

        Assert.StartsWith("MLOPS_WORKFLOW_DEFINITION: '/nonexistent/x.asl.json'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithAgents_PlainLanguageIssueStartsAndTheAgentsToolSessionIsDisposedWithTheRuntime()
    {
        using var dir = new TempDirectory();
        var yaml = "dataset_id: wine-demo\ntarget: quality\ntask_type: classification\nalgorithm: xgboost\n";
        var chat = new FakeChatClient().Reply(System.Text.Json.JsonSerializer.Serialize(new { request_yaml = yaml, assumptions = Array.Empty<object>(), missing = Array.Empty<string>() }));
        var tools = new DisposableTools();
        var agents = Agents.IssueAgents.Create(new MlopsAgents.Agents.AgentContextFactory(
            chat, tools, MlopsAgents.Agents.Prompts.PromptCatalog.Load(), new MlopsAgents.Agents.Providers.LlmProviderOptions { Provider = MlopsAgents.Agents.Providers.LlmProviders.OpenAICompatible },
            new Plugins.Requests.RequestParseOptions { DataRoot = dir.Path }));
        const string body = "Predict wine quality from the wine-demo data.";

        await using (var runtime = WorkflowRuntime.Create(
            new MlopsHome(dir.Combine("home")), dir.Path, new GitHubOptions(), new FakeInnerInvoker(), definition: Harness.Definition(), localOperator: "ops", agents: agents, agentTools: tools))
        {
            var issue = await runtime.LocalHost!.CreateIssueAsync("Wine", body, CancellationToken.None);
            var id = await runtime.Workflow.StartAsync(issue, "ops", body);

            Assert.NotNull(id);
            await runtime.Executor.WaitForIdleAsync(id).WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(yaml.Trim(), runtime.Executor.DescribeExecution(id)!.Input!["request_text"]!.GetValue<string>());
            Assert.False(tools.Disposed);
        }

        Assert.True(tools.Disposed);
    }

    private sealed class DisposableTools : MlopsAgents.Agents.Tools.IAgentToolSource, IAsyncDisposable
    {
        public bool Disposed { get; private set; }

        public Task<IReadOnlyList<Microsoft.Extensions.AI.AIFunction>> ListToolsAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Microsoft.Extensions.AI.AIFunction>>([]);

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
