using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Retraining;

/// <summary>`mlops serve`'s retraining and notifier settings through the real process: bad ones exit 2 naming the setting, before anything loads.</summary>
public sealed class ServeRetrainingCliTests
{
    [Theory]
    [InlineData(new[] { "--retrain-launcher", "lambda", "--retrain-request", "x.md" }, "--retrain-launcher: 'lambda' → workflow or issue")]
    [InlineData(new[] { "--retrain-schedule", "61 * * * *", "--retrain-request", "x.md" }, "--retrain-schedule: '61 * * * *' → a five-field cron")]
    [InlineData(new[] { "--retrain-on-push", "refs/heads/main", "--retrain-request", "x.md" }, "--retrain-on-push: 'refs/heads/main' → a branch name such as main")]
    [InlineData(new[] { "--retrain-cooldown", "-5", "--retrain-request", "x.md" }, "--retrain-cooldown: -5 → 0 or more minutes")]
    [InlineData(new[] { "--retrain-metric", "f1", "--retrain-request", "x.md" }, "metric is 'f1'; allowed: accuracy, macro_f1, rmse, mae")]
    [InlineData(new[] { "--retrain-schedule", "0 3 * * 1" }, "--retrain-request: none given")]
    [InlineData(new[] { "--retrain-merge-feedback" }, "--retrain-request: none given")]
    public void Serve_BadRetrainingOption_ExitsTwoNamingIt(string[] args, string expected)
    {
        using var dir = new TempDirectory();

        var (code, _, stderr) = MlopsCli.Run(Environment(dir), TimeSpan.FromMinutes(1), ["serve", "--port", "0", .. args]);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_BadMergeFeedbackVariable_ExitsTwoNamingIt()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        env["MLOPS_RETRAIN_MERGE_FEEDBACK"] = "sometimes";

        var (code, _, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(1), "serve", "--port", "0", "--retrain-request", "x.md");

        Assert.Equal(2, code);
        Assert.Contains("MLOPS_RETRAIN_MERGE_FEEDBACK: 'sometimes' → true or false", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_Help_DescribesMergeFeedbackAndItsVariable()
    {
        using var dir = new TempDirectory();

        var (code, stdout, _) = MlopsCli.Run(Environment(dir), TimeSpan.FromMinutes(1), "serve", "--help");

        Assert.Equal(0, code);
        Assert.Contains("--retrain-merge-feedback", stdout, StringComparison.Ordinal);
        Assert.Contains("MLOPS_RETRAIN_MERGE_FEEDBACK=true", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_BadSmtpSetting_ExitsTwoNamingTheVariableWithoutThePassword()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        env["MLOPS_SMTP"] = """{"host": "smtp.example.com", "port": 99999, "username": "u", "password": "hunter2", "from": "a@b.c", "to": "d@e.f"}""";

        var (code, _, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(1), "serve", "--port", "0");

        Assert.Equal(2, code);
        Assert.Contains("MLOPS_SMTP port: Port is 99999; allowed: 1 to 65535.", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", stderr, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Environment(TempDirectory dir) => new()
    {
        ["MLOPS_HOME"] = dir.Combine("home"),
        ["MLOPS_SMTP"] = null,
        ["MLOPS_SLACK_WEBHOOK"] = null,
        ["SLACK_WEBHOOK_URL"] = null,
        ["MLOPS_ALERT_REPO"] = null,
        ["MLOPS_RETRAIN_LAUNCHER"] = null,
        ["MLOPS_RETRAIN_SCHEDULE"] = null,
        ["MLOPS_RETRAIN_BRANCH"] = null,
        ["MLOPS_RETRAIN_REPO"] = null,
        ["MLOPS_RETRAIN_MERGE_FEEDBACK"] = null,
        ["MLOPS_ARTIFACT_STORE"] = null,
    };
}
