using System.Globalization;
using MlopsAgents.Plugins.Retraining;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.GitHub;

/// <summary>
/// <see cref="IIssueTracker"/> on the local issue source (MLOPS_HOME/issues), so the retraining launcher that opens
/// issues works with no GitHub; with a token the <see cref="GitHubIssueTracker"/> does the same on GitHub. Local issues
/// have no close button: one counts as closed once a <c>closed</c> file is in its folder (<see cref="CloseAsync"/>
/// writes it, and so may a person), or once the training flow it started has ended (labelled
/// <c>mlops:deployed</c> or <c>mlops:failed</c>).
/// </summary>
public sealed class LocalIssueTracker(LocalIssueHost host, MlopsHome home) : IIssueTracker
{
    /// <summary>The file whose presence in an issue's folder closes it.</summary>
    public const string ClosedMarker = "closed";

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

    public Task<bool> IsOpenAsync(int issueNumber, CancellationToken cancellationToken)
    {
        var folder = IssueFolder(issueNumber);
        if (!Directory.Exists(folder))
        {
            // A deleted issue is not open: it must not block the model's retraining for ever.
            return Task.FromResult(false);
        }

        var ended = host.ReadLabels(new IssueRef(LocalIssueHost.Repository, issueNumber)).Any(l => l is IssueLabels.Deployed or IssueLabels.Failed);
        return Task.FromResult(!ended && !File.Exists(Path.Combine(folder, ClosedMarker)));
    }

    /// <summary>Closes a local issue, with a comment saying why.</summary>
    public async Task CloseAsync(int issueNumber, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var issue = new IssueRef(LocalIssueHost.Repository, issueNumber);
        await host.CreateCommentAsync(issue, $"Closed: {reason}", cancellationToken).ConfigureAwait(false);
        await AtomicFile.WriteAllTextAsync(Path.Combine(IssueFolder(issueNumber), ClosedMarker), reason + "\n", cancellationToken).ConfigureAwait(false);
    }

    private string IssueFolder(int issueNumber) => Path.Combine(home.Root, "issues", issueNumber.ToString(CultureInfo.InvariantCulture));
}
