using MlopsAgents.Plugins.Retraining;
using MlopsAgents.GitHub.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MlopsAgents.GitHub.Tests.Retraining;

/// <summary>The issue launcher: a trigger opens one issue with its reason, on the local issue source or on GitHub.</summary>
public sealed class IssueRetrainingTests
{
    private static readonly RetrainingPolicy OpenIssue = new(RetrainingMode.OpenIssue, new PromotionCriteria());

    [Fact]
    public async Task CheckOnce_DriftWithIssueLauncher_OpensOneLocalIssueWithTheReason()
    {
        var launcher = new RecordingLauncher();
        using var rig = new WatcherRig(OpenIssue, launcher, context => new LocalIssueTracker(new LocalIssueHost(context.Home), context.Home), RetrainingTriggerKind.DriftDetected)
        {
            Health = WatcherRig.Drifted(),
        };
        var host = new LocalIssueHost(rig.Context.Home);

        var first = Assert.Single(await rig.Watcher.CheckOnceAsync());
        rig.Time.Advance(TimeSpan.FromMinutes(5));
        var second = await rig.Watcher.CheckOnceAsync();

        Assert.Equal("issue", first.Status);
        Assert.Equal(1, first.Outcome!.Issue);
        Assert.Empty(second);
        Assert.Empty(launcher.Triggers);
        var issue = new IssueRef(LocalIssueHost.Repository, 1);
        var text = await File.ReadAllTextAsync(rig.Dir.Combine("home", "issues", "1", "issue.md"));
        Assert.StartsWith("# Retrain churn: drift_detected", text, StringComparison.Ordinal);
        Assert.Contains("data drift: 1 of 1 features drifted", text, StringComparison.Ordinal);
        Assert.Contains("tenure", text, StringComparison.Ordinal);
        Assert.Contains("Label this issue `mlops:train`", text, StringComparison.Ordinal);
        Assert.Contains("```yaml\ndataset_id: wine-demo\ntarget: quality\n", text, StringComparison.Ordinal);
        Assert.Equal(["retraining", "model:churn"], host.ReadLabels(issue));
        Assert.False(Directory.Exists(rig.Dir.Combine("home", "issues", "2")));

        // Labelling it mlops:train hands its body to the issue workflow, which finds a valid request and starts.
        await using var harness = Harness.Create(_ => host);
        var execution = await harness.Workflow.StartAsync(issue, LocalIssueHost.LocalOperator, text);
        Assert.NotNull(execution);
        Assert.Equal("wine-demo", (await harness.IdleAsync(execution)).Input!["request"]!["dataset_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task CheckOnce_DriftWithGitHubIssueLauncher_CreatesOneIssueThroughTheApi()
    {
        using var github = new GitHubStub();
        github.Server.Given(Request.Create().WithPath("/api/v3/repos/acme/models/issues").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json")
                .WithBody("""{"number": 42, "title": "Retrain churn: drift_detected", "state": "open", "html_url": "https://github.com/acme/models/issues/42"}"""));
        github.Server.Given(Request.Create().WithPath("/api/v3/repos/acme/models/issues/42").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"number": 42, "title": "Retrain churn: drift_detected", "state": "open", "html_url": "https://github.com/acme/models/issues/42"}"""));
        var tracker = new GitHubIssueTracker(OctokitIssueHost.CreateClient(github.Options()), "acme", "models");
        using var rig = new WatcherRig(OpenIssue, new RecordingLauncher(), _ => tracker, RetrainingTriggerKind.DriftDetected) { Health = WatcherRig.Drifted() };

        var firing = Assert.Single(await rig.Watcher.CheckOnceAsync());
        Assert.Empty(await rig.Watcher.CheckOnceAsync());

        Assert.Equal(42, firing.Outcome!.Issue);
        var created = Assert.Single(github.Requests, r => r.Method == "POST" && r.Path == "/api/v3/repos/acme/models/issues");
        var body = System.Text.Json.Nodes.JsonNode.Parse(created.Body!)!;
        Assert.Equal("Retrain churn: drift_detected", body["title"]!.GetValue<string>());
        Assert.Contains("data drift: 1 of 1 features drifted", body["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["retraining", "model:churn"], body["labels"]!.AsArray().Select(l => l!.GetValue<string>()));
    }
}
