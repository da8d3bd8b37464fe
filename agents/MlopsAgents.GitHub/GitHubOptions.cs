using System.Globalization;
using System.Text.RegularExpressions;

namespace MlopsAgents.GitHub;

/// <summary>
/// How the issue-driven flow talks to GitHub. Without a token the flow runs against the local issue source under
/// MLOPS_HOME; with one, against the GitHub REST API at <see cref="BaseUrl"/> (github.com or a GHES host).
/// </summary>
public sealed partial record GitHubOptions
{
    public const string SectionName = "GitHub";
    public const string TokenVariable = "GITHUB_TOKEN";
    public const string WebhookSecretVariable = "GITHUB_WEBHOOK_SECRET";

    /// <summary>Personal access or app token; from GITHUB_TOKEN. Never logged.</summary>
    public string? Token { get; init; }

    /// <summary>REST base URL: https://api.github.com, or a GHES / test server root (Octokit appends api/v3/ there).</summary>
    public string BaseUrl { get; init; } = "https://api.github.com";

    /// <summary>The secret the webhook was created with; deliveries must carry its HMAC-SHA256 in X-Hub-Signature-256.</summary>
    public string? WebhookSecret { get; init; }

    /// <summary>The label that asks for training.</summary>
    public string TrainLabel { get; init; } = IssueLabels.Train;

    /// <summary>Users allowed whatever their repository permission (logins, case-insensitive).</summary>
    public IReadOnlyList<string> AllowedUsers { get; init; } = [];

    /// <summary>Teams whose members are allowed, as org/team-slug.</summary>
    public IReadOnlyList<string> AllowedTeams { get; init; } = [];

    /// <summary>Branch the history file is committed to; null commits to the default branch.</summary>
    public string? HistoryBranch { get; init; }

    /// <summary>How long a looked-up repository permission is trusted.</summary>
    public TimeSpan PermissionCacheDuration { get; init; } = TimeSpan.FromMinutes(5);

    public bool UsesGitHub => !string.IsNullOrEmpty(Token);

    /// <summary>Options from the environment: GITHUB_TOKEN, GITHUB_API_URL, GITHUB_WEBHOOK_SECRET, MLOPS_ALLOWED_USERS, MLOPS_ALLOWED_TEAMS, MLOPS_HISTORY_BRANCH.</summary>
    public static GitHubOptions FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        return new GitHubOptions
        {
            Token = Blank(read(TokenVariable)),
            BaseUrl = Blank(read("GITHUB_API_URL")) ?? "https://api.github.com",
            WebhookSecret = Blank(read(WebhookSecretVariable)),
            AllowedUsers = List(read("MLOPS_ALLOWED_USERS")),
            AllowedTeams = List(read("MLOPS_ALLOWED_TEAMS")),
            HistoryBranch = Blank(read("MLOPS_HISTORY_BRANCH")),
        };
    }

    /// <summary>Every problem with these options, each naming the field, the value and what is allowed. Empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors.Add($"BaseUrl: '{BaseUrl}' → an absolute http(s) URL such as https://api.github.com");
        }

        if (string.IsNullOrWhiteSpace(TrainLabel))
        {
            errors.Add($"TrainLabel: '{TrainLabel}' → a non-empty label name such as {IssueLabels.Train}");
        }

        foreach (var user in AllowedUsers.Where(u => !LoginPattern().IsMatch(u)))
        {
            errors.Add($"AllowedUsers: '{user}' → a GitHub login (letters, digits and single hyphens, at most 39 characters)");
        }

        foreach (var team in AllowedTeams.Where(t => !TeamPattern().IsMatch(t)))
        {
            errors.Add($"AllowedTeams: '{team}' → org/team-slug, e.g. my-org/ml-operators");
        }

        if (HistoryBranch is { } branch && (branch.Length == 0 || branch.Contains("..", StringComparison.Ordinal) || branch.Any(char.IsWhiteSpace)))
        {
            errors.Add($"HistoryBranch: '{branch}' → a git branch name without spaces or '..', or unset for the default branch");
        }

        if (PermissionCacheDuration < TimeSpan.Zero || PermissionCacheDuration > TimeSpan.FromHours(1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"PermissionCacheDuration: '{PermissionCacheDuration}' → between 0 and 1 hour"));
        }

        return errors;
    }

    /// <summary>Throws with every problem listed when the options are invalid.</summary>
    public GitHubOptions EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException("Invalid GitHub options:\n" + string.Join("\n", errors));
    }

    /// <summary>Splits owner/name, or throws naming the value and the shape allowed.</summary>
    public static (string Owner, string Name) SplitRepository(string repository)
    {
        var match = RepositoryPattern().Match(repository ?? "");
        return match.Success
            ? (match.Groups[1].Value, match.Groups[2].Value)
            : throw new ArgumentException($"repository: '{repository}' → owner/name, e.g. octocat/hello-world");
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static List<string> List(string? value) =>
        [.. (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")]
    private static partial Regex LoginPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex TeamPattern();

    [GeneratedRegex("^([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9_.-]+)$")]
    private static partial Regex RepositoryPattern();
}

/// <summary>The labels the flow reads and writes.</summary>
public static class IssueLabels
{
    public const string Train = "mlops:train";
    public const string Running = "mlops:running";
    public const string AwaitingApproval = "mlops:awaiting-approval";
    public const string Deployed = "mlops:deployed";
    public const string Failed = "mlops:failed";

    /// <summary>The state labels; exactly one of them is on an issue the flow works on.</summary>
    public static readonly IReadOnlyList<string> States = [Running, AwaitingApproval, Deployed, Failed];
}
