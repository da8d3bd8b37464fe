using MlopsAgents.GitHub.Tests.Support;
using MlopsAgents.Workflow.StateMachine;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MlopsAgents.GitHub.Tests;

public sealed class IssuePollerTests : IAsyncLifetime
{
    private const string Repository = "octo/models";
    private readonly GitHubStub _github = new();
    private Harness _h = null!;

    public Task InitializeAsync()
    {
        _h = Harness.Create(_ => _github.Host(), _github.Options());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _github.Dispose();
    }

    [Fact]
    public async Task PollOnceAsync_LabelledIssueThenThumbsUpOnProposal_StartsOnceAndApproves()
    {
        _github.Permission(Repository, "amy", "admin");
        Json("/api/v3/repos/octo/models/issues", new object[]
        {
            new { number = 7, title = "Train wine", body = Harness.RequestBody, state = "open", html_url = "https://github.com/octo/models/issues/7", user = new { login = "amy", type = "User" }, labels = new[] { new { name = "mlops:train" } } },
        });
        Json("/api/v3/repos/octo/models/issues/comments", Array.Empty<object>());
        var poller = new IssuePoller(OctokitIssueHost.CreateClient(_github.Options()), Repository, _h.Workflow, _h.Links, _h.Options, _h.Time);

        var first = await poller.PollOnceAsync();
        var id = Assert.Single(_h.Executor.ListExecutions()).ExecutionId;
        Assert.Equal(ExecutionStatus.Waiting, (await _h.IdleAsync(id)).Summary.Status);
        Assert.Equal(GitHubStub.CreatedCommentId, _h.Links.FindByExecution(id)!.ProposalCommentId);

        Json($"/api/v3/repos/octo/models/issues/comments/{GitHubStub.CreatedCommentId}/reactions", new object[]
        {
            new { id = 1, content = "heart", user = new { login = "amy" } },
            new { id = 2, content = "+1", user = new { login = "amy" } },
        });
        _h.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await poller.PollOnceAsync();
        var result = await _h.IdleAsync(id);

        Assert.Equal(new PollResult(1, 0, 0), first);
        Assert.Equal(new PollResult(0, 0, 1), second);
        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.Single(_h.Executor.ListExecutions());
        var listings = _github.Server.LogEntries.Where(e => e.RequestMessage.Method == "GET" && e.RequestMessage.Path == "/api/v3/repos/octo/models/issues").ToList();
        Assert.Equal(2, listings.Count);
        Assert.Equal("mlops:train", listings[0].RequestMessage.Query!["labels"].Single());
        Assert.Equal("open", listings[0].RequestMessage.Query!["state"].Single());
        Assert.False(listings[0].RequestMessage.Query!.ContainsKey("since"));
        Assert.StartsWith("2026-01-01T00:00:00", listings[1].RequestMessage.Query!["since"].Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PollOnceAsync_CommentCommands_HandledOnceEachAndBotsIgnored()
    {
        _github.Permission(Repository, "amy", "write");
        Json("/api/v3/repos/octo/models/issues", Array.Empty<object>());
        Json("/api/v3/repos/octo/models/issues/comments", new object[]
        {
            new { id = 501, body = "/status", html_url = "https://github.com/octo/models/issues/7#issuecomment-501", user = new { login = "amy", type = "User" } },
            new { id = 502, body = "/status", html_url = "https://github.com/octo/models/issues/7#issuecomment-502", user = new { login = "mlops[bot]", type = "Bot" } },
        });
        var poller = new IssuePoller(OctokitIssueHost.CreateClient(_github.Options()), Repository, _h.Workflow, _h.Links, _h.Options, _h.Time);

        Assert.Equal(new PollResult(0, 1, 0), await poller.PollOnceAsync());
        Assert.Equal(new PollResult(0, 0, 0), await poller.PollOnceAsync());
        Assert.Single(_github.CommentBodies(Repository, 7), b => b == "No training run is active for this issue.");
    }

    private void Json(string path, object body) =>
        _github.Server.Given(Request.Create().WithPath(path).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBodyAsJson(body));
}
