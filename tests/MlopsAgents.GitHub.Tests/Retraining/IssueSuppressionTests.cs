using MlopsAgents.GitHub.Tests.Support;
using MlopsAgents.Plugins.Retraining;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MlopsAgents.GitHub.Tests.Retraining;

/// <summary>
/// The issue launcher blocks while its issue is open: after the cooldown a new trigger is recorded as suppressed (naming
/// the open issue) instead of opening a second issue, and fires again once the issue is closed.
/// </summary>
public sealed class IssueSuppressionTests
{
    private static readonly RetrainingPolicy OpenIssue = new(RetrainingMode.OpenIssue, new PromotionCriteria());

    [Fact]
    public async Task CheckOnce_LocalIssueStillOpenAfterCooldown_SuppressesThenFiresOnceClosed()
    {
        using var rig = new WatcherRig(OpenIssue, new RecordingLauncher(), context => new LocalIssueTracker(new LocalIssueHost(context.Home), context.Home), RetrainingTriggerKind.DriftDetected)
        {
            Health = WatcherRig.Drifted(),
        };
        var tracker = new LocalIssueTracker(new LocalIssueHost(rig.Context.Home), rig.Context.Home);
        Assert.Equal(1, Assert.Single(await rig.Watcher.CheckOnceAsync()).Outcome!.Issue);

        var suppressed = await DriftAgainAfterCooldownAsync(rig);

        Assert.Equal(RetrainingLedger.Suppressed, suppressed.Status);
        Assert.Contains("issue #1 for retraining churn is still open; drift_detected fires again once it is closed", suppressed.Detail, StringComparison.Ordinal);
        Assert.False(Directory.Exists(rig.Dir.Combine("home", "issues", "2")));
        var ledger = new RetrainingLedger(rig.Dir.Combine("home", "retraining", "watcher.db"));
        Assert.Equal([(RetrainingLedger.Open, (int?)1), (RetrainingLedger.Suppressed, 1)], ledger.List(WatcherRig.Model).Select(r => (r.Status, r.Issue)));

        // Still open: the condition is still on, but the suppression is recorded once, not on every check.
        rig.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await rig.Watcher.CheckOnceAsync());
        Assert.Equal(2, ledger.List(WatcherRig.Model).Count);

        await tracker.CloseAsync(1, "retrained by hand", CancellationToken.None);
        rig.Time.Advance(TimeSpan.FromMinutes(1));
        var reopened = Assert.Single(await rig.Watcher.CheckOnceAsync());

        Assert.Equal(("issue", 2), (reopened.Status, reopened.Outcome!.Issue));
        Assert.True(File.Exists(rig.Dir.Combine("home", "issues", "2", "issue.md")));
        var records = ledger.List(WatcherRig.Model);
        Assert.Equal(("issue", "issue #1 was closed"), (records[0].Status, records[0].Summary));
        Assert.Equal((RetrainingLedger.Open, (int?)2), (records[2].Status, records[2].Issue));
    }

    [Fact]
    public async Task CheckOnce_GitHubIssueStillOpenAfterCooldown_SuppressesThenFiresOnceClosed()
    {
        using var github = new GitHubStub();
        var created = Guid.NewGuid();
        var issue42 = Guid.NewGuid();
        Issue(github, created, "/api/v3/repos/acme/models/issues", post: true, number: 42, state: "open");
        Issue(github, issue42, "/api/v3/repos/acme/models/issues/42", post: false, number: 42, state: "open");
        var tracker = new GitHubIssueTracker(OctokitIssueHost.CreateClient(github.Options()), "acme", "models");
        using var rig = new WatcherRig(OpenIssue, new RecordingLauncher(), _ => tracker, RetrainingTriggerKind.DriftDetected) { Health = WatcherRig.Drifted() };
        Assert.Equal(42, Assert.Single(await rig.Watcher.CheckOnceAsync()).Outcome!.Issue);

        var suppressed = await DriftAgainAfterCooldownAsync(rig);

        Assert.Equal(RetrainingLedger.Suppressed, suppressed.Status);
        Assert.Contains("issue #42 for retraining churn is still open", suppressed.Detail, StringComparison.Ordinal);
        Assert.Single(github.Requests, r => r.Method == "POST" && r.Path == "/api/v3/repos/acme/models/issues");

        // Closed on GitHub: the next check sees it, and the trigger that is still on opens the next issue.
        Issue(github, issue42, "/api/v3/repos/acme/models/issues/42", post: false, number: 42, state: "closed");
        Issue(github, created, "/api/v3/repos/acme/models/issues", post: true, number: 43, state: "open");
        rig.Time.Advance(TimeSpan.FromMinutes(1));
        var reopened = Assert.Single(await rig.Watcher.CheckOnceAsync());

        Assert.Equal(("issue", 43), (reopened.Status, reopened.Outcome!.Issue));
        Assert.Equal(2, github.Requests.Count(r => r.Method == "POST" && r.Path == "/api/v3/repos/acme/models/issues"));
        Assert.Contains(github.Requests, r => r.Method == "GET" && r.Path == "/api/v3/repos/acme/models/issues/42");
    }

    [Fact]
    public async Task Resume_RestartWhileLocalIssueOpen_KeepsWatchingItAndBlocksUntilClosed()
    {
        using var rig = new WatcherRig(OpenIssue, new RecordingLauncher(), context => new LocalIssueTracker(new LocalIssueHost(context.Home), context.Home), RetrainingTriggerKind.DriftDetected)
        {
            Health = WatcherRig.Drifted(),
        };
        Assert.Equal(1, Assert.Single(await rig.Watcher.CheckOnceAsync()).Outcome!.Issue);

        rig.Restart();
        Assert.Empty(await rig.Watcher.ResumeAsync());
        var ledger = new RetrainingLedger(rig.Dir.Combine("home", "retraining", "watcher.db"));
        Assert.Equal((RetrainingLedger.Open, (int?)1), (ledger.List(WatcherRig.Model)[0].Status, ledger.List(WatcherRig.Model)[0].Issue));
        Assert.Equal(RetrainingLedger.Suppressed, (await DriftAgainAfterCooldownAsync(rig)).Status);

        // The flow the issue started has ended: locally that closes it, and the next check fires a new issue.
        await new LocalIssueHost(rig.Context.Home).SetStateLabelAsync(new IssueRef(LocalIssueHost.Repository, 1), IssueLabels.Deployed, CancellationToken.None);
        rig.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(2, Assert.Single(await rig.Watcher.CheckOnceAsync()).Outcome!.Issue);
    }

    [Fact]
    public async Task IsOpen_GitHubIssueDeleted_FalseSoItBlocksNothing()
    {
        using var github = new GitHubStub();
        github.Server.Given(Request.Create().WithPath("/api/v3/repos/acme/models/issues/9").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(404).WithHeader("Content-Type", "application/json").WithBody("""{"message": "Not Found"}"""));
        var tracker = new GitHubIssueTracker(OctokitIssueHost.CreateClient(github.Options()), "acme", "models");

        Assert.False(await tracker.IsOpenAsync(9, CancellationToken.None));
    }

    /// <summary>Past the cooldown the drift turns off and on again: a new trigger while the first issue is open.</summary>
    private static async Task<WatcherFiring> DriftAgainAfterCooldownAsync(WatcherRig rig)
    {
        rig.Time.Advance(TimeSpan.FromHours(2));
        rig.Health = null;
        Assert.Empty(await rig.Watcher.CheckOnceAsync());
        rig.Health = WatcherRig.Drifted();
        rig.Time.Advance(TimeSpan.FromMinutes(1));
        return Assert.Single(await rig.Watcher.CheckOnceAsync());
    }

    // The same mapping id replaces the earlier answer, as the issue changes on GitHub.
    private static void Issue(GitHubStub github, Guid mapping, string path, bool post, int number, string state) =>
        github.Server.Given(post ? Request.Create().WithPath(path).UsingPost() : Request.Create().WithPath(path).UsingGet())
            .WithGuid(mapping)
            .RespondWith(Response.Create().WithStatusCode(post ? 201 : 200).WithHeader("Content-Type", "application/json")
                .WithBody($$"""{"number": {{number}}, "title": "Retrain churn: drift_detected", "state": "{{state}}", "html_url": "https://github.com/acme/models/issues/{{number}}"}"""));
}
