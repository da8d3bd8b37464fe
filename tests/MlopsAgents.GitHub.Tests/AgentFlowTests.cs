using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using MlopsAgents.Agents;
using MlopsAgents.Agents.Prompts;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tools;
using MlopsAgents.GitHub.Agents;
using MlopsAgents.GitHub.Tests.Support;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.GitHub.Tests;

/// <summary>The agents in the issue flow, on the local issue host with a scripted model: what they post, and that they never act alone.</summary>
public sealed class AgentFlowTests : IAsyncDisposable
{
    private const string Operator = "ops";
    private const string PlainLanguage = "Please train a classifier that predicts wine quality from the wine-demo data, it should reach 0.8.";
    private const string Yaml = """
        dataset_id: wine-demo
        target: quality
        task_type: classification
        algorithm: xgboost
        evaluation_threshold: 0.8
        max_retry: 2
        """;

    private static readonly PromptCatalog Prompts = PromptCatalog.Load();
    private Harness? _h;
    private LocalIssueHost _local = null!;

    public async ValueTask DisposeAsync()
    {
        if (_h is not null)
        {
            await _h.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartAsync_PlainLanguageIssue_StartsTheInferredRequestAndPostsItsAssumptionsFirst()
    {
        var chat = new FakeChatClient().Reply(JsonSerializer.Serialize(new
        {
            request_yaml = Yaml,
            assumptions = new[] { new { field = "algorithm", value = "xgboost", reason = "a strong default for tabular classification" } },
            missing = Array.Empty<string>(),
        }));
        var h = Create(chat);
        var issue = await _local.CreateIssueAsync("Wine quality", PlainLanguage, CancellationToken.None);

        var id = await h.Workflow.StartAsync(issue, Operator, PlainLanguage);

        Assert.NotNull(id);
        var run = await h.IdleAsync(id);
        Assert.Equal(ExecutionStatus.Waiting, run.Summary.Status);
        Assert.Equal("xgboost", run.Input!["request"]!["algorithm"]!.GetValue<string>());
        Assert.Equal(Yaml, run.Input["request_text"]!.GetValue<string>());
        var first = _local.ReadComments(issue)[0].Body;
        Assert.Contains("**Assumptions**", first, StringComparison.Ordinal);
        Assert.Contains("`algorithm: xgboost` — a strong default for tabular classification", first, StringComparison.Ordinal);
        Assert.Single(chat.Calls);
    }

    [Fact]
    public async Task HandleCommentAsync_Question_PostsTheConversationAgentsReplyAndChangesNothing()
    {
        var chat = new FakeChatClient().Reply("""{"intent": "question", "reply": "It waits for your approval of the plan.", "patch": {}, "command": null}""");
        var h = Create(chat);
        var (issue, id) = await StartYamlRunAsync(h);

        Assert.Equal(CommentOutcome.Answered, await h.Workflow.HandleCommentAsync(issue, "stranger", "why is it waiting?"));

        Assert.Equal("@stranger It waits for your approval of the plan.", _local.ReadComments(issue)[^1].Body);
        Assert.Contains("wine-demo", chat.Calls[0][0].Text, StringComparison.Ordinal);
        Assert.Equal(ExecutionStatus.Waiting, (await h.IdleAsync(id)).Summary.Status);
        Assert.Null(h.Links.GetProposal(issue));
    }

    [Fact]
    public async Task HandleCommentAsync_Change_PostsThePatchedYamlStartsNothingUntilAnAuthorizedRetrain()
    {
        var chat = new FakeChatClient().Reply("""{"intent": "change", "reply": "Switching the algorithm.", "patch": {"algorithm": "random_forest"}, "command": null}""");
        var h = Create(chat);
        var (issue, id) = await StartYamlRunAsync(h);

        Assert.Equal(CommentOutcome.Answered, await h.Workflow.HandleCommentAsync(issue, Operator, "use a random forest instead"));

        var proposal = _local.ReadComments(issue)[^1].Body;
        Assert.Contains("```yaml", proposal, StringComparison.Ordinal);
        Assert.Contains("algorithm: random_forest", proposal, StringComparison.Ordinal);
        Assert.Single(h.Executor.ListExecutions());
        Assert.Equal(ExecutionStatus.Waiting, (await h.IdleAsync(id)).Summary.Status);

        // The running plan is not changed: it is rejected, and only an authorized /retrain starts the proposal.
        Assert.Equal(CommentOutcome.Done, await h.Workflow.HandleCommentAsync(issue, Operator, "/reject"));
        Assert.Equal(ExecutionStatus.Failed, (await h.IdleAsync(id)).Summary.Status);
        Assert.Equal(CommentOutcome.Refused, await h.Workflow.HandleCommentAsync(issue, "stranger", "/retrain"));
        Assert.Single(h.Executor.ListExecutions());

        Assert.Equal(CommentOutcome.Done, await h.Workflow.HandleCommentAsync(issue, Operator, "/retrain"));
        var second = Assert.Single(h.Executor.ListExecutions(), e => e.ExecutionId != id);
        var run = await h.IdleAsync(second.ExecutionId);
        Assert.Equal("random_forest", run.Input!["request"]!["algorithm"]!.GetValue<string>());
        Assert.Null(h.Links.GetProposal(issue));
    }

    [Fact]
    public async Task ApproveAsync_RunFinishes_ResultsCommentIsTheExplainersText()
    {
        var chat = new FakeChatClient().Reply("""{"comment": "### Results\n\nThe wine model passed the Judge and is deployed.", "narrative": "The model passed."}""");
        var h = Create(chat);
        var (issue, id) = await StartYamlRunAsync(h);

        Assert.Equal(CommentOutcome.Done, await h.Workflow.ApproveAsync(id, Operator));

        Assert.Equal(ExecutionStatus.Succeeded, (await h.IdleAsync(id)).Summary.Status);
        Assert.Contains(_local.ReadComments(issue), c => c.Body == "### Results\n\nThe wine model passed the Judge and is deployed.");
        Assert.Contains("wine-classifier", chat.Calls[0][0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ModelFails_FallsBackToTheClarificationAndStartsNothing()
    {
        var h = Create(Failing(new FakeChatClient().Throw(new HttpRequestException("connection refused", null, HttpStatusCode.BadGateway))));
        var issue = await _local.CreateIssueAsync("Wine quality", PlainLanguage, CancellationToken.None);

        Assert.Null(await h.Workflow.StartAsync(issue, Operator, PlainLanguage));

        var comment = Assert.Single(_local.ReadComments(issue)).Body;
        Assert.StartsWith("@ops ### I need a little more to start training", comment, StringComparison.Ordinal);
        Assert.Contains("The LLM could not be used", comment, StringComparison.Ordinal);
        Assert.Empty(h.Executor.ListExecutions());
        Assert.Equal([IssueLabels.Failed], _local.ReadLabels(issue));
    }

    [Fact]
    public async Task HandleCommentAsync_ModelFailsOnQuestionAndResults_FallsBackToStatusAndTemplate()
    {
        var failing = new FakeChatClient()
            .Throw(new HttpRequestException("down", null, HttpStatusCode.ServiceUnavailable))
            .Throw(new HttpRequestException("down", null, HttpStatusCode.ServiceUnavailable));
        var h = Create(Failing(failing));
        var (issue, id) = await StartYamlRunAsync(h);

        Assert.Equal(CommentOutcome.Answered, await h.Workflow.HandleCommentAsync(issue, "stranger", "why is it waiting?"));
        var reply = _local.ReadComments(issue)[^1].Body;
        Assert.StartsWith("@stranger Run `" + id + "` is waiting at `WaitForOptimizationApproval`", reply, StringComparison.Ordinal);
        Assert.Contains("The LLM could not be used", reply, StringComparison.Ordinal);

        Assert.Equal(CommentOutcome.Done, await h.Workflow.ApproveAsync(id, Operator));
        Assert.Equal(ExecutionStatus.Succeeded, (await h.IdleAsync(id)).Summary.Status);
        Assert.Contains(_local.ReadComments(issue), c => c.Body.StartsWith("### Results:", StringComparison.Ordinal) && c.Body.Contains("wine-classifier", StringComparison.Ordinal));
        Assert.Equal(2, failing.Calls.Count);
    }

    [Fact]
    public async Task StartAsync_OptimizerToolAvailable_ProposalCommentIsTheAgentsSummaryOverTheRulesPlan()
    {
        var chat = new FakeChatClient().Reply("""{"summary": "The accuracy profile fits this small dataset.", "suggestions": []}""");
        var tools = new ProposalTool();
        var h = Create(chat, tools);

        var (issue, _) = await StartYamlRunAsync(h);

        var proposal = Assert.Single(_local.ReadComments(issue), c => c.Body.StartsWith("### 📋 Proposed training plan", StringComparison.Ordinal)).Body;
        Assert.Contains("The accuracy profile fits this small dataset.", proposal, StringComparison.Ordinal);
        Assert.Contains("## Plan from the rules", proposal, StringComparison.Ordinal);
        Assert.Contains("dataset_id: wine-demo", Assert.Single(tools.Requests), StringComparison.Ordinal);
    }

    private static IChatClient Failing(FakeChatClient fake) => fake.AsBuilder().UseRetry(0, TimeSpan.Zero).Build();

    private Harness Create(IChatClient chat, IAgentToolSource? tools = null)
    {
        _h = Harness.Create(
            dir => _local = new LocalIssueHost(new MlopsHome(dir.Combine("home")), Operator),
            agents: dataRoot => IssueAgents.Create(new AgentContextFactory(
                chat, tools ?? NoTools.Instance, Prompts, new LlmProviderOptions { Provider = LlmProviders.OpenAICompatible }, new RequestParseOptions { DataRoot = dataRoot })));
        return _h;
    }

    private async Task<(IssueRef Issue, string Id)> StartYamlRunAsync(Harness h)
    {
        var issue = await _local.CreateIssueAsync("Train wine", Harness.RequestBody, CancellationToken.None);
        var id = (await h.Workflow.StartAsync(issue, Operator, Harness.RequestBody))!;
        Assert.Equal(ExecutionStatus.Waiting, (await h.IdleAsync(id)).Summary.Status);
        return (issue, id);
    }

    /// <summary>The MCP server's generate_optimization_proposal as the agent sees it: a function returning the deterministic proposal.</summary>
    private sealed class ProposalTool : IAgentToolSource
    {
        public List<string> Requests { get; } = [];

        public Task<IReadOnlyList<AIFunction>> ListToolsAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AIFunction>>([AIFunctionFactory.Create(
                (string request) =>
                {
                    Requests.Add(request);
                    return new JsonObject { ["markdown"] = "## Plan from the rules", ["profile"] = "accuracy", ["phases"] = new JsonArray() };
                },
                "generate_optimization_proposal")]);
    }
}
