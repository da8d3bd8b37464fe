using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Octokit;

namespace MlopsAgents.Plugins.Alerts;

/// <summary>
/// Where alerts go, read from the environment (they are secrets, so not command-line options):
/// <list type="bullet">
/// <item>Slack: <c>MLOPS_SLACK_WEBHOOK</c>, or <c>SLACK_WEBHOOK_URL</c> (the name infra/cloudformation/mcp-server.yaml gives the secret).</item>
/// <item>Mail: <c>MLOPS_SMTP</c>, either the JSON the <c>mlops/ENV/smtp</c> secret holds (<c>{"host", "port", "username", "password"}</c>,
/// optionally <c>"from"</c>, <c>"to"</c>, <c>"use_tls"</c>) or a URL <c>smtp://user:password@host:port</c> (<c>smtps://</c> for STARTTLS);
/// <c>MLOPS_SMTP_FROM</c> and <c>MLOPS_SMTP_TO</c> (comma-separated) give the addresses when it does not.</item>
/// <item>GitHub issues for critical alerts: <c>MLOPS_ALERT_REPO</c> (owner/name) with <c>GITHUB_TOKEN</c> and optionally <c>GITHUB_API_URL</c>, as <c>mlops webhook</c> uses them.</item>
/// </list>
/// </summary>
public sealed partial record AlertNotifierSettings
{
    public const string SlackVariable = "MLOPS_SLACK_WEBHOOK";
    public const string SlackSecretVariable = "SLACK_WEBHOOK_URL";
    public const string SmtpVariable = "MLOPS_SMTP";
    public const string SmtpFromVariable = "MLOPS_SMTP_FROM";
    public const string SmtpToVariable = "MLOPS_SMTP_TO";
    public const string AlertRepositoryVariable = "MLOPS_ALERT_REPO";
    public const string GitHubTokenVariable = "GITHUB_TOKEN";
    public const string GitHubApiVariable = "GITHUB_API_URL";

    public Uri? SlackWebhook { get; init; }

    public SmtpOptions? Smtp { get; init; }

    /// <summary>owner/name that critical alerts open issues in.</summary>
    public string? GitHubRepository { get; init; }

    public string? GitHubToken { get; init; }

    public string GitHubBaseUrl { get; init; } = "https://api.github.com";

    /// <summary>True when at least one notifier is configured.</summary>
    public bool Any => SlackWebhook is not null || Smtp is not null || GitHubRepository is not null;

    /// <summary>
    /// Reads and checks the settings; every problem is reported at once, each naming the variable, the offending value
    /// where it is not a secret, and what is allowed.
    /// </summary>
    /// <exception cref="ArgumentException">One or more settings are invalid.</exception>
    public static AlertNotifierSettings FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var errors = new List<string>();
        Uri? slack = null;
        var slackName = Blank(read(SlackVariable)) is not null ? SlackVariable : SlackSecretVariable;
        if (Blank(read(slackName)) is { } hook && (!Uri.TryCreate(hook, UriKind.Absolute, out slack) || slack.Scheme is not ("https" or "http")))
        {
            // The webhook URL is a secret: the message names the variable, not its value.
            errors.Add($"{slackName} is set but is not an absolute http(s) URL; give the Slack incoming-webhook URL.");
            slack = null;
        }

        var smtp = Blank(read(SmtpVariable)) is { } smtpText ? ParseSmtp(smtpText, read, errors) : null;
        string? repository = null;
        string? token = Blank(read(GitHubTokenVariable));
        var baseUrl = Blank(read(GitHubApiVariable)) ?? "https://api.github.com";
        if (Blank(read(AlertRepositoryVariable)) is { } repo)
        {
            if (!RepositoryPattern().IsMatch(repo))
            {
                errors.Add($"{AlertRepositoryVariable}: '{repo}' → owner/name of the repository that critical alerts open issues in, e.g. acme/models.");
            }
            else if (token is null)
            {
                errors.Add($"{AlertRepositoryVariable} is '{repo}' but {GitHubTokenVariable} is not set; give a token with issues write access, or unset {AlertRepositoryVariable}.");
            }
            else
            {
                repository = repo;
            }

            if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var api) || api.Scheme is not ("https" or "http"))
            {
                errors.Add($"{GitHubApiVariable}: '{baseUrl}' → an absolute http(s) URL such as https://api.github.com.");
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors));
        }

        return new AlertNotifierSettings { SlackWebhook = slack, Smtp = smtp, GitHubRepository = repository, GitHubToken = token, GitHubBaseUrl = baseUrl };
    }

    /// <summary>The notifiers: Slack and mail for warnings and above, a GitHub issue per critical incident (de-duplicated in <paramref name="incidentDatabase"/>).</summary>
    public IReadOnlyList<IAlertNotifier> CreateNotifiers(HttpClient http, string incidentDatabase)
    {
        ArgumentNullException.ThrowIfNull(http);
        var notifiers = new List<IAlertNotifier>();
        if (SlackWebhook is not null)
        {
            notifiers.Add(new SlackWebhookNotifier(http, SlackWebhook));
        }

        if (Smtp is not null)
        {
            notifiers.Add(new SmtpEmailNotifier(Smtp));
        }

        if (GitHubRepository is not null)
        {
            var client = new GitHubClient(new ProductHeaderValue("mlops-agents"), new Uri(GitHubBaseUrl)) { Credentials = new Credentials(GitHubToken) };
            var slash = GitHubRepository.IndexOf('/', StringComparison.Ordinal);
            notifiers.Add(new GitHubIssueNotifier(client, GitHubRepository[..slash], GitHubRepository[(slash + 1)..], new IncidentStore(incidentDatabase)));
        }

        return notifiers;
    }

    /// <summary>One line per notifier for the start-up log, without secrets.</summary>
    public IReadOnlyList<string> Describe()
    {
        var lines = new List<string>();
        if (SlackWebhook is not null)
        {
            lines.Add("Slack incoming webhook");
        }

        if (Smtp is { } s)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"mail from {s.From} to {string.Join(", ", s.To)} via {s.Host}:{s.Port}{(s.UseTls ? " (STARTTLS)" : string.Empty)}"));
        }

        if (GitHubRepository is not null)
        {
            lines.Add($"a GitHub issue in {GitHubRepository} per critical incident");
        }

        return lines;
    }

    private static SmtpOptions? ParseSmtp(string text, Func<string, string?> read, List<string> errors)
    {
        string? host;
        int? port;
        string? user;
        string? password;
        string? from = null;
        IReadOnlyList<string>? to = null;
        var tls = false;
        if (text.TrimStart().StartsWith('{'))
        {
            JsonElement json;
            try
            {
                json = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                // The value holds a password, so neither it nor the parser's excerpt of it is repeated.
                errors.Add($"{SmtpVariable} starts like JSON but does not parse; give {{\"host\": \"smtp.example.com\", \"port\": 587, \"username\": \"…\", \"password\": \"…\"}} or smtp://user:password@host:port.");
                return null;
            }

            host = Text(json, "host");
            port = json.TryGetProperty("port", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var n) ? n
                : json.TryGetProperty("port", out p) && p.ValueKind == JsonValueKind.String && int.TryParse(p.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out n) ? n : null;
            user = Text(json, "username");
            password = Text(json, "password");
            from = Text(json, "from");
            if (json.TryGetProperty("to", out var t))
            {
                to = t.ValueKind == JsonValueKind.Array ? [.. t.EnumerateArray().Select(e => e.GetString() ?? string.Empty)] : List(t.GetString());
            }

            tls = json.TryGetProperty("use_tls", out var useTls) && useTls.ValueKind == JsonValueKind.True;
        }
        else if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "smtp" or "smtps")
        {
            host = uri.Host;
            port = uri.IsDefaultPort ? (uri.Scheme == "smtps" ? 587 : 25) : uri.Port;
            var info = uri.UserInfo.Split(':', 2);
            user = info[0].Length > 0 ? Uri.UnescapeDataString(info[0]) : null;
            password = info.Length > 1 ? Uri.UnescapeDataString(info[1]) : null;
            tls = uri.Scheme == "smtps";
        }
        else
        {
            errors.Add($"{SmtpVariable} is set but is neither JSON {{\"host\", \"port\", \"username\", \"password\"}} nor an smtp:// or smtps:// URL.");
            return null;
        }

        from = Blank(read(SmtpFromVariable)) ?? from;
        to = Blank(read(SmtpToVariable)) is { } toText ? List(toText) : to;
        var options = new SmtpOptions(host ?? string.Empty, port ?? 0, from ?? string.Empty, to ?? [], tls, user, password);
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            var field = e.ParamName switch
            {
                nameof(SmtpOptions.From) => $"{SmtpFromVariable} (or \"from\" in {SmtpVariable})",
                nameof(SmtpOptions.To) => $"{SmtpToVariable} (or \"to\" in {SmtpVariable})",
                _ => $"{SmtpVariable} {e.ParamName?.ToLowerInvariant()}",
            };
            errors.Add($"{field}: {FirstLine(e.Message)}");
            return null;
        }

        return options;
    }

    private static string FirstLine(string message) => message.Split(" (Parameter", 2)[0].Split('\n')[0].Trim();

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Blank(value.GetString()) : null;

    private static List<string> List(string? text) => [.. (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex RepositoryPattern();
}
