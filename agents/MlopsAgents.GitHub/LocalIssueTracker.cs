using MlopsAgents.Plugins.Retraining;

namespace MlopsAgents.GitHub;

/// <summary>
/// <see cref="IIssueTracker"/> on the local issue source (MLOPS_HOME/issues), so the retraining launcher that opens
/// issues works with no GitHub; with a token the <see cref="GitHubIssueTracker"/> does the same on GitHub.
/// </summary>
public sealed class LocalIssueTracker(LocalIssueHost host) : IIssueTracker
{
    public async Task<int> OpenIssueAsync(string title, string body, IReadOnlyList<string> labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var issue = await host.CreateIssueAsync(title, body, cancellationToken).ConfigureAwait(false);

        // The labels are not state labels, so each call adds one and keeps the others.
        foreach (var label in labels)
        {
            await host.SetStateLabelAsync(issue, label, cancellationToken).ConfigureAwait(false);
        }

        return issue.Number;
    }

    public Task CommentAsync(int issueNumber, string body, CancellationToken cancellationToken) =>
        host.CreateCommentAsync(new IssueRef(LocalIssueHost.Repository, issueNumber), body, cancellationToken);
}
