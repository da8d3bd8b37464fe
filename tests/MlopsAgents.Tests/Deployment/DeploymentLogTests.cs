using System.Text.Json;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Tests.Alerts;
using MlopsAgents.Tests.Support;
using Octokit;

namespace MlopsAgents.Tests.Deployment;

/// <summary>The deployment log: persisted atomically as JSON lines and posted to the issue through the notifier.</summary>
public sealed class DeploymentLogTests : IDisposable
{
    private static readonly DeploymentEvent Rollback = new(
        new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero), "iris", "canary", "rollback",
        [new VersionWeight("1.0.0", 100)], "error rate 5.0% > 1.0% at step 10%");

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RecordAsync_TwoEvents_FileReadsBackInOrder()
    {
        var path = _dir.Combine("log", "deployments.jsonl");
        var log = new DeploymentLog(path);

        await log.RecordAsync(Rollback with { Action = "promote" });
        await log.RecordAsync(Rollback);

        Assert.Equal(["promote", "rollback"], DeploymentLog.Read(path).Select(e => e.Action));
        Assert.Equal(Rollback, DeploymentLog.Read(path)[1] with { Weights = Rollback.Weights });
        Assert.Empty(Directory.GetFiles(_dir.Combine("log"), ".*tmp*"));
    }

    [Fact]
    public async Task RecordAsync_GitHubNotifier_CommentsOnTheIssueWithReason()
    {
        await using var api = await RecordingHttpServer.StartAsync(_ => (201, "application/json", """{"id": 1, "body": "b", "html_url": "https://x/1"}"""));
        var client = new GitHubClient(new ProductHeaderValue("mlops-agents-tests"), api.BaseAddress) { Credentials = new Credentials("token") };
        var log = new DeploymentLog(notifier: new GitHubDeploymentNotifier(client, "acme", "models", 12));

        await log.RecordAsync(Rollback);

        var request = Assert.Single(api.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/v3/repos/acme/models/issues/12/comments", request.Path);
        var body = JsonDocument.Parse(request.Body).RootElement.GetProperty("body").GetString()!;
        Assert.StartsWith("**Deployment canary: rollback** of `iris` (`1.0.0` 100)", body, StringComparison.Ordinal);
        Assert.Contains("error rate 5.0% > 1.0% at step 10%", body, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_Event_IsOneInvariantLine()
    {
        Assert.Equal("2026-01-01T10:00:00.0000000+00:00 iris canary rollback (1.0.0=100): error rate 5.0% > 1.0% at step 10%", Rollback.ToString());
    }
}
