using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using MlopsAgents.GitHub.Tests.Retraining;
using MlopsAgents.GitHub.Tests.Support;
using MlopsAgents.GitHub.Webhooks;
using MlopsAgents.Plugins.Retraining;

namespace MlopsAgents.GitHub.Tests.Webhooks;

/// <summary>Signed push deliveries to the receiver on 127.0.0.1: a push to the watched branch starts a retraining, others do not.</summary>
public sealed class PushWebhookTests : IAsyncLifetime
{
    private const string Secret = "It's a Secret to Everybody";

    private readonly GitHubStub _github = new();
    private readonly RecordingLauncher _launcher = new();
    private WatcherRig _rig = null!;
    private Harness _harness = null!;
    private RetrainOnPush _listener = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var options = _github.Options(Secret);
        _harness = Harness.Create(_ => _github.Host(), options);
        _rig = new WatcherRig(new RetrainingPolicy(RetrainingMode.Launch, new PromotionCriteria()), _launcher, _ => null, RetrainingTriggerKind.CodeChange);
        _listener = new RetrainOnPush(_rig.Watcher, "main");
        _app = WebhookEndpoint.Build(options, _harness.Workflow, _harness.Links, port: 0, codeChanges: _listener);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _harness.DisposeAsync();
        _rig.Dispose();
        _github.Dispose();
    }

    [Fact]
    public async Task Post_SignedPushToWatchedBranch_StartsOneRetrainingWithTheCommit()
    {
        var response = await PostAsync(Payloads.Load("push"), "push-1", sign: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var work = await ProcessedAsync();
        Assert.Equal(WebhookWorkKind.CodeChange, work.Kind);
        var trigger = Assert.Single(_launcher.Triggers);
        Assert.Equal(RetrainingTriggerKind.CodeChange, trigger.Kind);
        Assert.Equal(WatcherRig.Model, trigger.Model);
        Assert.Equal("code change: push to refs/heads/main at a10867b14bb7", trigger.Reason);
        Assert.Equal("failed", Assert.Single(_listener.LastFirings).Status);
        Assert.Empty(_harness.Executor.ListExecutions());
    }

    [Fact]
    public async Task Post_PushToOtherBranchThenWatchedOne_OnlyTheWatchedOneRetrains()
    {
        var feature = Payloads.Load("push");
        feature["ref"] = "refs/heads/feature/tweak";

        var other = await PostAsync(feature, "push-other", sign: true);
        var watched = await PostAsync(Payloads.Load("push"), "push-main", sign: true);

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, watched.StatusCode);

        // The queue runs in order and the other branch was never queued, so the first item done is the watched push.
        Assert.Equal("push-main", (await ProcessedAsync()).DeliveryId);
        Assert.Single(_launcher.Triggers);
        Assert.Equal(1, _harness.Links.DeliveryCount());
    }

    [Fact]
    public async Task Post_UnsignedPush_RejectedAndNothingRetrains()
    {
        var response = await PostAsync(Payloads.Load("push"), "push-unsigned", sign: false);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"got {(int)response.StatusCode}");
        Assert.Equal(0, _harness.Links.DeliveryCount());
        Assert.Empty(_launcher.Triggers);
    }

    [Fact]
    public void RetrainOnPush_RefInsteadOfBranch_ThrowsNamingTheValue()
    {
        var error = Assert.Throws<ArgumentException>(() => new RetrainOnPush(_rig.Watcher, "refs/heads/main"));

        Assert.Contains("branch: 'refs/heads/main' → a branch name such as main", error.Message, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> PostAsync(JsonObject payload, string delivery, bool sign)
    {
        var body = Encoding.UTF8.GetBytes(payload.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, WebhookEndpoint.DefaultPath) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add("X-GitHub-Delivery", delivery);
        if (sign)
        {
            request.Headers.Add("X-Hub-Signature-256", Payloads.Sign(Secret, body));
        }

        return await _http.SendAsync(request);
    }

    private Task<WebhookWork> ProcessedAsync() =>
        _app.Services.GetRequiredService<WebhookQueue>().Completed.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
}
