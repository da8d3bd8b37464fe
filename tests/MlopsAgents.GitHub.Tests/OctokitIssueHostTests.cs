using System.Text;
using System.Text.Json.Nodes;
using MlopsAgents.GitHub.Tests.Support;

namespace MlopsAgents.GitHub.Tests;

/// <summary>The exact REST requests Octokit sends for each host operation, checked against a local stub.</summary>
public sealed class OctokitIssueHostTests : IDisposable
{
    private readonly GitHubStub _github = new();

    public void Dispose() => _github.Dispose();

    [Fact]
    public async Task CreateCommentAsync_Issue_PostsBodyToIssueCommentsAndReturnsId()
    {
        var id = await _github.Host().CreateCommentAsync(new IssueRef("octo/models", 5), "hello **there**", CancellationToken.None);

        Assert.Equal(GitHubStub.CreatedCommentId, id);
        var request = Assert.Single(_github.Requests);
        Assert.Equal(("POST", "/api/v3/repos/octo/models/issues/5/comments"), (request.Method, request.Path));
        Assert.Equal("hello **there**", JsonNode.Parse(request.Body!)!["body"]!.GetValue<string>());
        var headers = _github.Server.LogEntries.Single().RequestMessage.Headers!;
        Assert.Equal("token test-token", headers["Authorization"].Single(), ignoreCase: true);
    }

    [Fact]
    public async Task UpdateCommentAsync_Comment_PatchesTheSameCommentInPlace()
    {
        await _github.Host().UpdateCommentAsync(new IssueRef("octo/models", 5), 77, "progress 2/9", CancellationToken.None);

        var request = Assert.Single(_github.Requests);
        Assert.Equal(("PATCH", "/api/v3/repos/octo/models/issues/comments/77"), (request.Method, request.Path));
        Assert.Equal("progress 2/9", JsonNode.Parse(request.Body!)!["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task SetStateLabelAsync_RunningOnIssue_RemovesRunningAddsDeployedKeepsTrain()
    {
        await _github.Host().SetStateLabelAsync(new IssueRef("octo/models", 5), IssueLabels.Deployed, CancellationToken.None);

        var requests = _github.Requests.Select(r => (r.Method, r.Path)).ToList();
        Assert.Equal(
            [
                ("GET", "/api/v3/repos/octo/models/issues/5/labels"),
                ("DELETE", "/api/v3/repos/octo/models/issues/5/labels/mlops:running"),
                ("POST", "/api/v3/repos/octo/models/issues/5/labels"),
            ],
            requests);
        Assert.Equal("[\"mlops:deployed\"]", JsonNode.Parse(_github.Requests[2].Body!)!.ToJsonString());
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("maintain")]
    [InlineData("read")]
    public async Task GetPermissionAsync_Collaborator_ReadsRoleFromPermissionEndpoint(string role)
    {
        _github.Permission("octo/models", "alice", role);

        var permission = await _github.Host().GetPermissionAsync("octo/models", "alice", CancellationToken.None);

        Assert.Equal(role, permission);
        Assert.Equal(("GET", "/api/v3/repos/octo/models/collaborators/alice/permission"), (_github.Requests.Single().Method, _github.Requests.Single().Path));
    }

    [Fact]
    public async Task GetPermissionAsync_UnknownUser_None()
    {
        Assert.Equal("none", await _github.Host().GetPermissionAsync("octo/models", "stranger", CancellationToken.None));
    }

    [Fact]
    public async Task IsTeamMemberAsync_ActiveMember_TrueOtherwiseFalse()
    {
        _github.TeamMember("octo", "ml-operators", "bob");

        Assert.True(await _github.Host().IsTeamMemberAsync("octo/ml-operators", "bob", CancellationToken.None));
        Assert.False(await _github.Host().IsTeamMemberAsync("octo/ml-operators", "eve", CancellationToken.None));
        Assert.Equal("/api/v3/orgs/octo/teams/ml-operators/memberships/bob", _github.Requests[0].Path);
    }

    [Fact]
    public async Task CommitFileAsync_NewFileOnBranch_ChecksThenPutsBase64ContentWithBranch()
    {
        await _github.Host().CommitFileAsync("octo/models", "training_history/run-1.json", "{\"f1\":0.9}", "Training history", "mlops-history", CancellationToken.None);

        var requests = _github.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal("GET", requests[0].Method);
        Assert.Equal("/api/v3/repos/octo/models/contents/training_history/run-1.json", requests[0].Path);
        Assert.Equal(("PUT", "/api/v3/repos/octo/models/contents/training_history/run-1.json"), (requests[1].Method, requests[1].Path));
        var body = JsonNode.Parse(requests[1].Body!)!;
        Assert.Equal("Training history", body["message"]!.GetValue<string>());
        Assert.Equal("mlops-history", body["branch"]!.GetValue<string>());
        Assert.Equal("{\"f1\":0.9}", Encoding.UTF8.GetString(Convert.FromBase64String(body["content"]!.GetValue<string>())));
        Assert.Null(body["sha"]);
    }
}
