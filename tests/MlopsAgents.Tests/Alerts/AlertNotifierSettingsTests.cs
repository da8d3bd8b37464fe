using MlopsAgents.Plugins.Alerts;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Alerts;

/// <summary>Notifier configuration from the environment: the names infra/ uses, real local receivers, and errors that name the variable but never a secret.</summary>
public sealed class AlertNotifierSettingsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task FromEnvironment_SmtpSecretJsonWithAddresses_MailsThroughARealSmtpServer()
    {
        await using var smtp = new SmtpReceiver();
        var settings = AlertNotifierSettings.FromEnvironment(Env(
            ("MLOPS_SMTP", $$"""{"host": "127.0.0.1", "port": {{smtp.Port}}}"""),
            ("MLOPS_SMTP_FROM", "mlops@example.com"),
            ("MLOPS_SMTP_TO", "oncall@example.com, ml@example.com")));
        using var http = new HttpClient();

        await new AlertDispatcher(settings.CreateNotifiers(http, _dir.Combine("incidents.db"))).DispatchAsync([Critical()]);
        var mail = await smtp.FirstMail.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("mlops@example.com", mail.From);
        Assert.Equal(["oncall@example.com", "ml@example.com"], mail.To);
        Assert.Contains("Subject: [CRITICAL] iris 1.2.0: high-error-rate", mail.Data, StringComparison.Ordinal);
        Assert.Equal([$"mail from mlops@example.com to oncall@example.com, ml@example.com via 127.0.0.1:{smtp.Port}"], settings.Describe());
    }

    [Fact]
    public void FromEnvironment_SmtpUrl_ReadsHostPortCredentialsAndTls()
    {
        var settings = AlertNotifierSettings.FromEnvironment(Env(
            ("MLOPS_SMTP", "smtps://alerts%40acme:p%40ss@smtp.acme.example:2587"), ("MLOPS_SMTP_FROM", "mlops@acme.example"), ("MLOPS_SMTP_TO", "oncall@acme.example")));

        var smtp = settings.Smtp!;
        Assert.Equal(("smtp.acme.example", 2587, true, "alerts@acme", "p@ss"), (smtp.Host, smtp.Port, smtp.UseTls, smtp.UserName, smtp.Password));
        Assert.Equal(["oncall@acme.example"], smtp.To);
    }

    [Fact]
    public void FromEnvironment_SmtpJsonDoesNotParse_NamesTheVariableButNotThePassword()
    {
        var error = Assert.Throws<ArgumentException>(() => AlertNotifierSettings.FromEnvironment(Env(("MLOPS_SMTP", """{"host": "smtp", "password": "hunter2" """))));

        Assert.Contains("MLOPS_SMTP starts like JSON but does not parse", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"host": "smtp", "port": 70000, "from": "a@b.c", "to": ["d@e.f"]}""", "MLOPS_SMTP port: Port is 70000; allowed: 1 to 65535.")]
    [InlineData("""{"host": "smtp", "port": 25, "from": "a@b.c"}""", "MLOPS_SMTP_TO (or \"to\" in MLOPS_SMTP): To is ''; give one or more mail addresses.")]
    [InlineData("""{"host": "smtp", "port": 25, "to": "d@e.f"}""", "MLOPS_SMTP_FROM (or \"from\" in MLOPS_SMTP): From is ''; give a mail address such as mlops@example.com.")]
    [InlineData("ftp://smtp.example.com", "MLOPS_SMTP is set but is neither JSON")]
    public void FromEnvironment_BadSmtp_ThrowsNamingTheFieldAndWhatIsAllowed(string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => AlertNotifierSettings.FromEnvironment(Env(("MLOPS_SMTP", value))));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_SlackSecretNameFromInfra_IsUsedAndABadOneIsNamedWithoutItsValue()
    {
        Assert.Equal(new Uri("https://hooks.slack.com/services/T/B/x"), AlertNotifierSettings.FromEnvironment(Env(("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T/B/x"))).SlackWebhook);

        var error = Assert.Throws<ArgumentException>(() => AlertNotifierSettings.FromEnvironment(Env(("MLOPS_SLACK_WEBHOOK", "not-a-url-secret-part"))));

        Assert.Contains("MLOPS_SLACK_WEBHOOK is set but is not an absolute http(s) URL", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-part", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_AlertRepoWithoutToken_ThrowsNamingBoth()
    {
        var error = Assert.Throws<ArgumentException>(() => AlertNotifierSettings.FromEnvironment(Env(("MLOPS_ALERT_REPO", "acme/models"))));

        Assert.Contains("MLOPS_ALERT_REPO is 'acme/models' but GITHUB_TOKEN is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_Nothing_NoNotifiers()
    {
        var settings = AlertNotifierSettings.FromEnvironment(Env());

        Assert.False(settings.Any);
        Assert.Empty(settings.CreateNotifiers(new HttpClient(), _dir.Combine("incidents.db")));
    }

    [Fact]
    public async Task FromEnvironment_AlertRepoWithToken_CriticalAlertOpensOneIssueThroughTheApi()
    {
        await using var api = await RecordingHttpServer.StartAsync(_ => (201, "application/json",
            """{"id": 5, "number": 5, "title": "t", "state": "open", "html_url": "https://github.example.com/acme/models/issues/5", "url": "https://api.example.com/repos/acme/models/issues/5", "labels": [], "body": "b"}"""));
        var settings = AlertNotifierSettings.FromEnvironment(Env(("MLOPS_ALERT_REPO", "acme/models"), ("GITHUB_TOKEN", "t0ken"), ("GITHUB_API_URL", api.BaseAddress.ToString())));
        using var http = new HttpClient();
        var dispatcher = new AlertDispatcher(settings.CreateNotifiers(http, _dir.Combine("incidents.db")));

        await dispatcher.DispatchAsync([Critical()]);
        await dispatcher.DispatchAsync([Critical()]);

        var created = Assert.Single(api.Requests);
        Assert.Equal(("POST", "/api/v3/repos/acme/models/issues"), (created.Method, created.Path));
        Assert.Equal("Token t0ken", created.Headers["Authorization"]);
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    private static Alert Critical() =>
        new("high-error-rate", "error_rate", 0.05, 0.01, AlertComparison.Above, AlertSeverity.Critical, "iris", "1.2.0", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
}
