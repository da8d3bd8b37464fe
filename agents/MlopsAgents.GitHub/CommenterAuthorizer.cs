namespace MlopsAgents.GitHub;

/// <summary>
/// Decides who may start training, approve, retrain, deploy or roll back: the configured allow-list of users and teams,
/// else a repository permission of write, maintain or admin, looked up through the host and cached briefly.
/// </summary>
public sealed class CommenterAuthorizer
{
    private static readonly HashSet<string> Allowed = new(["admin", "maintain", "write"], StringComparer.OrdinalIgnoreCase);

    private readonly IIssueHost _host;
    private readonly GitHubOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Repository, string User), (string Permission, DateTimeOffset Until)> _cache = [];

    public CommenterAuthorizer(IIssueHost host, GitHubOptions options, TimeProvider? time = null)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Whether <paramref name="user"/> may change state in <paramref name="repository"/>, and why.</summary>
    public async Task<Authorization> AuthorizeAsync(string repository, string user, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        if (_options.AllowedUsers.Contains(user, StringComparer.OrdinalIgnoreCase))
        {
            return new Authorization(true, "allow-listed user");
        }

        foreach (var team in _options.AllowedTeams)
        {
            if (await _host.IsTeamMemberAsync(team, user, cancellationToken).ConfigureAwait(false))
            {
                return new Authorization(true, $"member of {team}");
            }
        }

        var permission = await PermissionAsync(repository, user, cancellationToken).ConfigureAwait(false);
        return new Authorization(Allowed.Contains(permission), $"repository permission '{permission}'");
    }

    private async Task<string> PermissionAsync(string repository, string user, CancellationToken cancellationToken)
    {
        var key = (repository.ToLowerInvariant(), user.ToLowerInvariant());
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_cache.TryGetValue(key, out var cached) && cached.Until > now)
            {
                return cached.Permission;
            }
        }

        var permission = await _host.GetPermissionAsync(repository, user, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _cache[key] = (permission, now + _options.PermissionCacheDuration);
        }

        return permission;
    }
}

/// <summary>An authorization decision with the reason, for the audit log and the refusal comment.</summary>
public sealed record Authorization(bool Allowed, string Reason);
