using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Octokit;

namespace MlopsAgents.Plugins.Alerts;

/// <summary>Sends an alert somewhere people see it.</summary>
public interface IAlertNotifier
{
    /// <summary>The least severe alert this notifier passes on.</summary>
    AlertSeverity MinimumSeverity { get; }

    Task NotifyAsync(Alert alert, CancellationToken cancellationToken);
}

/// <summary>Posts alerts to a Slack incoming webhook: <c>POST {"text": "…"}</c>.</summary>
public sealed class SlackWebhookNotifier(HttpClient http, Uri webhook, AlertSeverity minimumSeverity = AlertSeverity.Warning) : IAlertNotifier
{
    public AlertSeverity MinimumSeverity => minimumSeverity;

    public async Task NotifyAsync(Alert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        using var response = await http.PostAsJsonAsync(webhook, new { text = AlertText.Body(alert) }, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // The webhook URL is a secret, so the message names the status only.
            throw new HttpRequestException($"The Slack webhook answered {(int)response.StatusCode} {response.ReasonPhrase} to alert {alert.IncidentKey}.", null, response.StatusCode);
        }
    }
}

/// <summary>Where and how alert mail is sent.</summary>
public sealed record SmtpOptions(string Host, int Port, string From, IReadOnlyList<string> To, bool UseTls = false, string? UserName = null, string? Password = null)
{
    /// <summary>Throws with a message naming the field, its value and what is allowed.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("Host is required, e.g. smtp.example.com.", nameof(Host));
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, $"Port is {Port}; allowed: 1 to 65535.");
        }

        if (!MailboxAddress.TryParse(From, out _))
        {
            throw new ArgumentException($"From is '{From}'; give a mail address such as mlops@example.com.", nameof(From));
        }

        if (To.Count == 0 || To.Any(t => !MailboxAddress.TryParse(t, out _)))
        {
            throw new ArgumentException($"To is '{string.Join(", ", To)}'; give one or more mail addresses.", nameof(To));
        }
    }
}

/// <summary>Mails alerts over SMTP with MailKit.</summary>
public sealed class SmtpEmailNotifier : IAlertNotifier
{
    private readonly SmtpOptions _options;

    public SmtpEmailNotifier(SmtpOptions options, AlertSeverity minimumSeverity = AlertSeverity.Warning)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        MinimumSeverity = minimumSeverity;
    }

    public AlertSeverity MinimumSeverity { get; }

    public async Task NotifyAsync(Alert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(_options.From));
        foreach (var to in _options.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = alert.Summary;
        message.Body = new TextPart("plain") { Text = AlertText.Body(alert) };
        using var client = new SmtpClient();
        await client.ConnectAsync(_options.Host, _options.Port, _options.UseTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken).ConfigureAwait(false);
        if (_options.UserName is not null)
        {
            await client.AuthenticateAsync(_options.UserName, _options.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
        }

        await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Opens a GitHub issue for each new critical incident, labelled and linked to the model version. The incident key
/// is claimed in the <see cref="IncidentStore"/> before the issue is created, so one incident opens one issue even
/// when the alert fires on every evaluation, and across restarts.
/// </summary>
public sealed class GitHubIssueNotifier(IGitHubClient github, string owner, string repository, IncidentStore incidents, Uri? modelLinkBase = null) : IAlertNotifier
{
    /// <summary>The labels every alert issue gets, besides <c>model:{name}</c> and <c>severity:{level}</c>.</summary>
    public static readonly IReadOnlyList<string> BaseLabels = ["alert", "mlops"];

    public AlertSeverity MinimumSeverity => AlertSeverity.Critical;

    public async Task NotifyAsync(Alert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (!incidents.TryClaim(alert.IncidentKey, alert.Time))
        {
            return;
        }

        var issue = new NewIssue(alert.Summary) { Body = IssueBody(alert) };
        foreach (var label in BaseLabels.Append($"model:{alert.Model}").Append($"severity:{alert.Severity.ToString().ToLowerInvariant()}"))
        {
            issue.Labels.Add(label);
        }

        Issue created;
        try
        {
            created = await github.Issue.Create(owner, repository, issue).ConfigureAwait(false);
        }
        catch (ApiException)
        {
            // The issue was not opened, so the claim is released for the next evaluation to try again.
            incidents.Release(alert.IncidentKey);
            throw;
        }

        incidents.SetIssue(alert.IncidentKey, created.Number);
    }

    private string IssueBody(Alert alert)
    {
        var link = modelLinkBase is null ? $"`{alert.Model}` version `{alert.Version}`" : $"[`{alert.Model}` version `{alert.Version}`]({new Uri(modelLinkBase, $"{Uri.EscapeDataString(alert.Model)}/{Uri.EscapeDataString(alert.Version)}")})";
        return new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"**Critical alert** on {link}.\n\n")
            .Append(AlertText.Body(alert)).Append("\n\n")
            .Append(CultureInfo.InvariantCulture, $"Incident key: `{alert.IncidentKey}`. Further alerts of this incident do not open new issues.\n")
            .Append(CultureInfo.InvariantCulture, $"Roll back with `mlops rollback {alert.Model}` or comment `/rollback vX`.\n")
            .ToString();
    }
}

/// <summary>The text of an alert, shared by every notifier.</summary>
public static class AlertText
{
    public static string Body(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{alert.Summary}\nrule {alert.Rule}: {alert.Metric} {(alert.Comparison == AlertComparison.Above ? "above" : "below")} {alert.Threshold:0.####}, value {alert.Value:0.####}\nmodel {alert.Model}, version {alert.Version}, at {alert.Time:O}");
    }
}

/// <summary>Sends each alert to every notifier whose minimum severity it reaches; one failing notifier does not stop the others.</summary>
public sealed class AlertDispatcher(IReadOnlyList<IAlertNotifier> notifiers)
{
    /// <summary>Notifies; the failures of individual notifiers are collected and thrown together at the end.</summary>
    public async Task DispatchAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var failures = new List<Exception>();
        foreach (var alert in alerts)
        {
            foreach (var notifier in notifiers.Where(n => alert.Severity >= n.MinimumSeverity))
            {
                try
                {
                    await notifier.NotifyAsync(alert, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or MailKit.ProtocolException or MailKit.CommandException or ApiException or System.Net.Sockets.SocketException)
                {
                    failures.Add(e);
                }
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException($"{failures.Count} alert notifications failed.", failures);
        }
    }
}
