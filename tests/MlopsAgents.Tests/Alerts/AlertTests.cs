using System.Text.Json;
using MlopsAgents.Plugins.Alerts;
using MlopsAgents.Tests.Support;
using Octokit;

namespace MlopsAgents.Tests.Alerts;

/// <summary>Alert rules and their notifiers against local receivers: a Kestrel webhook, an SMTP server and a GitHub API stub.</summary>
public sealed class AlertTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AlertRule_UnknownMetric_ThrowsNamingAllowedMetrics()
    {
        var error = Assert.Throws<ArgumentException>(() => new AlertRule("r", "latency", AlertComparison.Above, 1, AlertSeverity.Warning));

        Assert.Contains("'latency'", error.Message, StringComparison.Ordinal);
        Assert.Contains("p95_ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_DefaultRules_FiresOnlyTheCrossedOnes()
    {
        var metrics = new Dictionary<string, double> { ["error_rate"] = 0.05, ["p95_ms"] = 12, ["estimated_accuracy"] = 0.7 };

        var alerts = AlertEvaluator.Evaluate(AlertRule.Defaults, metrics, "iris", "1.2.0", Now);

        Assert.Equal(["high-error-rate", "low-estimated-accuracy"], alerts.Select(a => a.Rule));
        Assert.Equal("iris@1.2.0/high-error-rate", alerts[0].IncidentKey);
        Assert.Equal(AlertSeverity.Critical, alerts[0].Severity);
    }

    [Fact]
    public void Fires_NaNValue_NeverFires()
    {
        Assert.False(new AlertRule("r", "accuracy", AlertComparison.Below, 0.9, AlertSeverity.Warning).Fires(double.NaN));
    }

    [Fact]
    public async Task Slack_Notify_PostsTextToTheWebhook()
    {
        await using var slack = await RecordingHttpServer.StartAsync(_ => (200, "text/plain", "ok"));
        using var http = new HttpClient();
        var notifier = new SlackWebhookNotifier(http, new Uri(slack.BaseAddress, "services/T000/B000/XXX"));

        await notifier.NotifyAsync(Critical(), CancellationToken.None);

        var request = Assert.Single(slack.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/services/T000/B000/XXX", request.Path);
        var text = JsonDocument.Parse(request.Body).RootElement.GetProperty("text").GetString()!;
        Assert.StartsWith("[CRITICAL] iris 1.2.0: high-error-rate", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slack_WebhookAnswers500_ThrowsWithStatusButNotTheUrl()
    {
        await using var slack = await RecordingHttpServer.StartAsync(_ => (500, "text/plain", "no"));
        using var http = new HttpClient();
        var notifier = new SlackWebhookNotifier(http, new Uri(slack.BaseAddress, "services/secret-token"));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => notifier.NotifyAsync(Critical(), CancellationToken.None));

        Assert.Contains("500", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_Notify_DeliversMailWithSubjectToEveryRecipient()
    {
        await using var smtp = new SmtpReceiver();
        var notifier = new SmtpEmailNotifier(new SmtpOptions("127.0.0.1", smtp.Port, "mlops@example.com", ["oncall@example.com", "ml@example.com"]));

        await notifier.NotifyAsync(Critical(), CancellationToken.None);
        var mail = await smtp.FirstMail.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("mlops@example.com", mail.From);
        Assert.Equal(["oncall@example.com", "ml@example.com"], mail.To);
        Assert.Contains("Subject: [CRITICAL] iris 1.2.0: high-error-rate", mail.Data, StringComparison.Ordinal);
        Assert.Contains("rule high-error-rate: error_rate above 0.01, value 0.05", mail.Data, StringComparison.Ordinal);
    }

    [Fact]
    public void SmtpOptions_BadRecipient_ThrowsNamingTo()
    {
        var error = Assert.Throws<ArgumentException>(() => new SmtpOptions("smtp", 25, "a@b.c", ["not an address"]).Validate());

        Assert.Contains("To is 'not an address'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GitHub_SameCriticalIncidentTwice_OpensOneLabelledIssueLinkedToTheVersion()
    {
        await using var api = await RecordingHttpServer.StartAsync(_ => (201, "application/json", IssueJson(17)));
        var notifier = GitHub(api);

        await notifier.NotifyAsync(Critical(), CancellationToken.None);
        await notifier.NotifyAsync(Critical() with { Value = 0.09 }, CancellationToken.None);

        var request = Assert.Single(api.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/v3/repos/acme/models/issues", request.Path);
        Assert.Contains("secret", request.Headers["Authorization"], StringComparison.Ordinal);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("[CRITICAL] iris 1.2.0: high-error-rate (error_rate = 0.05 > 0.01)", body.GetProperty("title").GetString());
        Assert.Equal(["alert", "mlops", "model:iris", "severity:critical"], body.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Contains("[`iris` version `1.2.0`](https://models.example.com/iris/1.2.0)", body.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(17, Assert.Single(Incidents().List()).IssueNumber);
    }

    [Fact]
    public async Task GitHub_IncidentResolved_NextAlertOpensANewIssue()
    {
        await using var api = await RecordingHttpServer.StartAsync(_ => (201, "application/json", IssueJson(3)));
        var notifier = GitHub(api);

        await notifier.NotifyAsync(Critical(), CancellationToken.None);
        Incidents().Resolve(Critical().IncidentKey, Now.AddHours(1));
        await notifier.NotifyAsync(Critical() with { Time = Now.AddHours(2) }, CancellationToken.None);

        Assert.Equal(2, api.Requests.Count);
    }

    [Fact]
    public async Task GitHub_ApiFails_ClaimReleasedSoTheNextAlertRetries()
    {
        var calls = 0;
        await using var api = await RecordingHttpServer.StartAsync(_ => Interlocked.Increment(ref calls) == 1
            ? (500, "application/json", """{"message": "boom"}""")
            : (201, "application/json", IssueJson(9)));
        var notifier = GitHub(api);

        await Assert.ThrowsAnyAsync<ApiException>(() => notifier.NotifyAsync(Critical(), CancellationToken.None));
        await notifier.NotifyAsync(Critical(), CancellationToken.None);

        Assert.Equal(2, api.Requests.Count);
        Assert.Equal(9, Assert.Single(Incidents().List()).IssueNumber);
    }

    [Fact]
    public async Task Dispatch_WarningAlert_GoesToSlackButOpensNoIssue()
    {
        await using var slack = await RecordingHttpServer.StartAsync(_ => (200, "text/plain", "ok"));
        await using var api = await RecordingHttpServer.StartAsync(_ => (201, "application/json", IssueJson(1)));
        using var http = new HttpClient();
        var dispatcher = new AlertDispatcher([new SlackWebhookNotifier(http, new Uri(slack.BaseAddress, "hook")), GitHub(api)]);

        await dispatcher.DispatchAsync([Critical() with { Rule = "prediction-drift", Severity = AlertSeverity.Warning }]);

        Assert.Single(slack.Requests);
        Assert.Empty(api.Requests);
    }

    private static Alert Critical() =>
        new("high-error-rate", "error_rate", 0.05, 0.01, AlertComparison.Above, AlertSeverity.Critical, "iris", "1.2.0", Now);

    private IncidentStore Incidents() => new(_dir.Combine("incidents.db"));

    private GitHubIssueNotifier GitHub(RecordingHttpServer api)
    {
        var client = new GitHubClient(new ProductHeaderValue("mlops-agents-tests"), api.BaseAddress) { Credentials = new Credentials("secret") };
        return new GitHubIssueNotifier(client, "acme", "models", Incidents(), new Uri("https://models.example.com/"));
    }

    private static string IssueJson(int number) =>
        $$"""{"id": {{number}}, "number": {{number}}, "title": "t", "state": "open", "html_url": "https://github.example.com/acme/models/issues/{{number}}", "url": "https://api.example.com/repos/acme/models/issues/{{number}}", "labels": [], "body": "b"}""";
}
