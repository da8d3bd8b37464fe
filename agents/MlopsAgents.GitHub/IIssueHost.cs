namespace MlopsAgents.GitHub;

/// <summary>An issue: its repository as owner/name and its number.</summary>
public sealed record IssueRef(string Repository, int Number)
{
    public override string ToString() => $"{Repository}#{Number}";
}

/// <summary>
/// Where issues live: GitHub through its REST API, or the local issue source under MLOPS_HOME. The orchestration
/// speaks only to this, so the embedded default runs the same flow as GitHub does.
/// </summary>
public interface IIssueHost
{
    /// <summary>Posts a comment; returns its id.</summary>
    Task<long> CreateCommentAsync(IssueRef issue, string body, CancellationToken cancellationToken);

    /// <summary>Replaces a comment's body in place.</summary>
    Task UpdateCommentAsync(IssueRef issue, long commentId, string body, CancellationToken cancellationToken);

    /// <summary>Puts <paramref name="label"/> on the issue and takes every other state label off.</summary>
    Task SetStateLabelAsync(IssueRef issue, string label, CancellationToken cancellationToken);

    /// <summary>The user's role on the repository: admin, maintain, write, triage, read or none.</summary>
    Task<string> GetPermissionAsync(string repository, string user, CancellationToken cancellationToken);

    /// <summary>Whether the user is an active member of org/team-slug.</summary>
    Task<bool> IsTeamMemberAsync(string team, string user, CancellationToken cancellationToken);

    /// <summary>Creates or updates a file through the contents API (one commit); null branch means the default branch.</summary>
    Task CommitFileAsync(string repository, string path, string content, string message, string? branch, CancellationToken cancellationToken);
}
