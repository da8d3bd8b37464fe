namespace MlopsAgents.GitHub.Tests;

public sealed class GitHubOptionsTests
{
    [Fact]
    public void FromEnvironment_Variables_ReadsTokenUrlSecretAndLists()
    {
        var env = new Dictionary<string, string>
        {
            ["GITHUB_TOKEN"] = "t0k",
            ["GITHUB_API_URL"] = "https://ghe.example.com",
            ["GITHUB_WEBHOOK_SECRET"] = "s3cret",
            ["MLOPS_ALLOWED_USERS"] = "alice, bob",
            ["MLOPS_ALLOWED_TEAMS"] = "octo/ml-ops",
            ["MLOPS_HISTORY_BRANCH"] = "history",
        };

        var options = GitHubOptions.FromEnvironment(k => env.GetValueOrDefault(k));

        Assert.True(options.UsesGitHub);
        Assert.Equal("https://ghe.example.com", options.BaseUrl);
        Assert.Equal(["alice", "bob"], options.AllowedUsers);
        Assert.Equal(["octo/ml-ops"], options.AllowedTeams);
        Assert.Equal("history", options.HistoryBranch);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void FromEnvironment_NoToken_UsesLocalSource()
    {
        Assert.False(GitHubOptions.FromEnvironment(_ => null).UsesGitHub);
    }

    [Fact]
    public void Validate_BadValues_NamesFieldValueAndWhatIsAllowed()
    {
        var options = new GitHubOptions { BaseUrl = "ftp://x", AllowedUsers = ["-bad-"], AllowedTeams = ["noslash"], HistoryBranch = "a..b" };

        var errors = options.Validate();

        Assert.Contains("BaseUrl: 'ftp://x' → an absolute http(s) URL such as https://api.github.com", errors);
        Assert.Contains(errors, e => e.StartsWith("AllowedUsers: '-bad-' → a GitHub login", StringComparison.Ordinal));
        Assert.Contains("AllowedTeams: 'noslash' → org/team-slug, e.g. my-org/ml-operators", errors);
        Assert.Contains(errors, e => e.StartsWith("HistoryBranch: 'a..b'", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => options.EnsureValid());
    }

    [Theory]
    [InlineData("noslash")]
    [InlineData("a/b/c")]
    [InlineData("")]
    public void SplitRepository_NotOwnerSlashName_Throws(string repository)
    {
        var error = Assert.Throws<ArgumentException>(() => GitHubOptions.SplitRepository(repository));
        Assert.Contains("owner/name", error.Message, StringComparison.Ordinal);
    }
}
