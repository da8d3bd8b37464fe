using MlopsAgents.Plugins.Retraining;

namespace MlopsAgents.GitHub.Webhooks;

/// <summary>Something that acts on pushes to the code (the push webhook): retraining on a code change.</summary>
public interface ICodeChangeListener
{
    /// <summary>Whether a push to <paramref name="gitRef"/> (refs/heads/NAME) concerns this listener.</summary>
    bool Watches(string gitRef);

    Task OnPushAsync(string repository, string gitRef, string commit, string pusher, CancellationToken cancellationToken);
}

/// <summary>
/// Retrains on a push to one branch: each push to <c>refs/heads/{branch}</c> is a code_change trigger for every model
/// the <see cref="RetrainingWatcher"/> watches with code_change enabled (cooldown and one open retraining apply).
/// </summary>
public sealed class RetrainOnPush : ICodeChangeListener
{
    private readonly RetrainingWatcher _watcher;
    private readonly string _ref;

    public RetrainOnPush(RetrainingWatcher watcher, string branch)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        if (string.IsNullOrWhiteSpace(branch) || branch.StartsWith("refs/", StringComparison.Ordinal) || branch.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"branch: '{branch}' → a branch name such as main (without refs/heads/).", nameof(branch));
        }

        _watcher = watcher;
        _ref = "refs/heads/" + branch;
    }

    /// <summary>What the last push fired, for the caller's log and for tests.</summary>
    public IReadOnlyList<WatcherFiring> LastFirings { get; private set; } = [];

    public bool Watches(string gitRef) => string.Equals(gitRef, _ref, StringComparison.Ordinal);

    public async Task OnPushAsync(string repository, string gitRef, string commit, string pusher, CancellationToken cancellationToken)
    {
        LastFirings = await _watcher.OnCodeChangeAsync(gitRef, commit, cancellationToken).ConfigureAwait(false);
    }
}
