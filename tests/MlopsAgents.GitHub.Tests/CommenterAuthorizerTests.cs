using Microsoft.Extensions.Time.Testing;

namespace MlopsAgents.GitHub.Tests;

public sealed class CommenterAuthorizerTests
{
    [Theory]
    [InlineData("admin", true)]
    [InlineData("maintain", true)]
    [InlineData("write", true)]
    [InlineData("triage", false)]
    [InlineData("read", false)]
    [InlineData("none", false)]
    public async Task AuthorizeAsync_Permission_AllowsOnlyWriteMaintainAdmin(string permission, bool allowed)
    {
        var host = new CountingHost { Permission = permission };
        var authorizer = new CommenterAuthorizer(host, new GitHubOptions());

        Assert.Equal(allowed, (await authorizer.AuthorizeAsync("o/r", "u", CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task AuthorizeAsync_WithinCacheDuration_AsksTheApiOnce_ThenAgainAfter()
    {
        var host = new CountingHost { Permission = "write" };
        var time = new FakeTimeProvider();
        var authorizer = new CommenterAuthorizer(host, new GitHubOptions { PermissionCacheDuration = TimeSpan.FromMinutes(5) }, time);

        await authorizer.AuthorizeAsync("o/r", "u", CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(4));
        await authorizer.AuthorizeAsync("o/r", "U", CancellationToken.None);
        Assert.Equal(1, host.PermissionCalls);

        host.Permission = "read";
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.False((await authorizer.AuthorizeAsync("o/r", "u", CancellationToken.None)).Allowed);
        Assert.Equal(2, host.PermissionCalls);
    }

    [Fact]
    public async Task AuthorizeAsync_AllowListedUserOrTeam_AllowedWithoutPermission()
    {
        var host = new CountingHost { Permission = "none", Teams = { ("octo/ml-ops", "bob") } };
        var authorizer = new CommenterAuthorizer(host, new GitHubOptions { AllowedUsers = ["Alice"], AllowedTeams = ["octo/ml-ops"] });

        Assert.True((await authorizer.AuthorizeAsync("o/r", "alice", CancellationToken.None)).Allowed);
        Assert.True((await authorizer.AuthorizeAsync("o/r", "bob", CancellationToken.None)).Allowed);
        Assert.False((await authorizer.AuthorizeAsync("o/r", "eve", CancellationToken.None)).Allowed);
    }

    private sealed class CountingHost : IIssueHost
    {
        public string Permission { get; set; } = "none";

        public int PermissionCalls { get; private set; }

        public HashSet<(string Team, string User)> Teams { get; } = [];

        public Task<string> GetPermissionAsync(string repository, string user, CancellationToken cancellationToken)
        {
            PermissionCalls++;
            return Task.FromResult(Permission);
        }

        public Task<bool> IsTeamMemberAsync(string team, string user, CancellationToken cancellationToken) => Task.FromResult(Teams.Contains((team, user)));

        public Task<long> CreateCommentAsync(IssueRef issue, string body, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task UpdateCommentAsync(IssueRef issue, long commentId, string body, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SetStateLabelAsync(IssueRef issue, string label, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task CommitFileAsync(string repository, string path, string content, string message, string? branch, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
