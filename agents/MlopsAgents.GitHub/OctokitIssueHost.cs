using System.Net;
using Octokit;

namespace MlopsAgents.GitHub;

/// <summary>The GitHub REST API through Octokit.</summary>
public sealed class OctokitIssueHost : IIssueHost
{
    private readonly IGitHubClient _client;

    public OctokitIssueHost(IGitHubClient client) => _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>A client for the options' base URL and token; for a host other than api.github.com Octokit adds api/v3/.</summary>
    public static GitHubClient CreateClient(GitHubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = new GitHubClient(new ProductHeaderValue("mlops-agents"), new Uri(options.BaseUrl));
        if (options.Token is { } token)
        {
            client.Credentials = new Credentials(token);
        }

        return client;
    }

    public async Task<long> CreateCommentAsync(IssueRef issue, string body, CancellationToken cancellationToken)
    {
        var (owner, name) = GitHubOptions.SplitRepository(issue.Repository);
        var comment = await _client.Issue.Comment.Create(owner, name, issue.Number, body).ConfigureAwait(false);
        return comment.Id;
    }

    public Task UpdateCommentAsync(IssueRef issue, long commentId, string body, CancellationToken cancellationToken)
    {
        var (owner, name) = GitHubOptions.SplitRepository(issue.Repository);
        return _client.Issue.Comment.Update(owner, name, commentId, body);
    }

    public async Task SetStateLabelAsync(IssueRef issue, string label, CancellationToken cancellationToken)
    {
        var (owner, name) = GitHubOptions.SplitRepository(issue.Repository);
        var current = await _client.Issue.Labels.GetAllForIssue(owner, name, issue.Number).ConfigureAwait(false);
        foreach (var stale in current.Select(l => l.Name).Where(n => IssueLabels.States.Contains(n) && n != label))
        {
            await _client.Issue.Labels.RemoveFromIssue(owner, name, issue.Number, stale).ConfigureAwait(false);
        }

        if (current.All(l => l.Name != label))
        {
            await _client.Issue.Labels.AddToIssue(owner, name, issue.Number, [label]).ConfigureAwait(false);
        }
    }

    public async Task<string> GetPermissionAsync(string repository, string user, CancellationToken cancellationToken)
    {
        var (owner, name) = GitHubOptions.SplitRepository(repository);
        try
        {
            var response = await _client.Repository.Collaborator.ReviewPermission(owner, name, user).ConfigureAwait(false);

            // role_name distinguishes maintain and triage, which the older permission field folds into write and read.
            return response.RoleName ?? response.Permission;
        }
        catch (NotFoundException)
        {
            return "none";
        }
    }

    public async Task<bool> IsTeamMemberAsync(string team, string user, CancellationToken cancellationToken)
    {
        var slash = team.IndexOf('/', StringComparison.Ordinal);
        var uri = new Uri($"orgs/{Uri.EscapeDataString(team[..slash])}/teams/{Uri.EscapeDataString(team[(slash + 1)..])}/memberships/{Uri.EscapeDataString(user)}", UriKind.Relative);
        try
        {
            var response = await _client.Connection.Get<TeamMembershipDetails>(uri, null).ConfigureAwait(false);
            return response.HttpResponse.StatusCode == HttpStatusCode.OK && response.Body.State.StringValue == "active";
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    public async Task CommitFileAsync(string repository, string path, string content, string message, string? branch, CancellationToken cancellationToken)
    {
        var (owner, name) = GitHubOptions.SplitRepository(repository);
        string? sha = null;
        try
        {
            var existing = branch is null
                ? await _client.Repository.Content.GetAllContents(owner, name, path).ConfigureAwait(false)
                : await _client.Repository.Content.GetAllContentsByRef(owner, name, path, branch).ConfigureAwait(false);
            sha = existing.FirstOrDefault()?.Sha;
        }
        catch (NotFoundException)
        {
            // A new file: create it.
        }

        if (sha is null)
        {
            var create = branch is null ? new CreateFileRequest(message, content) : new CreateFileRequest(message, content, branch);
            await _client.Repository.Content.CreateFile(owner, name, path, create).ConfigureAwait(false);
        }
        else
        {
            var update = branch is null ? new UpdateFileRequest(message, content, sha) : new UpdateFileRequest(message, content, sha, branch);
            await _client.Repository.Content.UpdateFile(owner, name, path, update).ConfigureAwait(false);
        }
    }
}
