using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using MlopsAgents.GitHub.Tests.Support;
using MlopsAgents.GitHub.Webhooks;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.GitHub.Tests.Webhooks;

/// <summary>Real signed deliveries, GitHub's example payloads, posted to the receiver on 127.0.0.1.</summary>
public sealed class WebhookReceiverTests : IAsyncLifetime
{
    private const string Secret = "It's a Secret to Everybody";
    private const string Repository = "Codertocat/Hello-World";

    private readonly GitHubStub _github = new();
    private Harness _harness = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var options = _github.Options(Secret) with { HistoryBranch = "mlops-history" };
        _harness = Harness.Create(_ => _github.Host(), options);
        _app = WebhookEndpoint.Build(options, _harness.Workflow, _harness.Links, port: 0);
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
        _github.Dispose();
    }

    [Fact]
    public async Task Post_SignedLabeledIssueFromAdmin_AnswersOkAndStartsOneExecution()
    {
        _github.Permission(Repository, "Codertocat", "admin");

        var response = await PostAsync("issues", TrainLabeled(), "delivery-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await ProcessedAsync();
        var link = Assert.Single(_harness.Links.FindByIssue(new IssueRef(Repository, 1)));
        var execution = await _harness.IdleAsync(link.ExecutionId);
        Assert.Equal(ExecutionStatus.Waiting, execution.Summary.Status);
        Assert.Equal("WaitForOptimizationApproval", execution.Summary.CurrentState);
        Assert.Equal("wine-demo", execution.Input!["request"]!["dataset_id"]!.GetValue<string>());
        Assert.Contains(_github.CommentBodies(Repository, 1), b => b.Contains("Proposed training plan", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_SignedOpenedIssueWithTrainLabel_StartsOneExecution()
    {
        _github.Permission(Repository, "Codertocat", "write");
        var payload = Payloads.Load("issues.opened");
        payload["issue"]!["labels"]![0]!["name"] = IssueLabels.Train;
        payload["issue"]!["body"] = Harness.RequestBody;

        var response = await PostAsync("issues", payload, "delivery-opened-train");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await ProcessedAsync();
        Assert.Single(_harness.Executor.ListExecutions());
    }

    [Fact]
    public async Task Post_SignedOpenedIssueWithoutTrainLabel_StartsNothing()
    {
        _github.Permission(Repository, "Codertocat", "admin");
        var payload = Payloads.Load("issues.opened");

        var response = await PostAsync("issues", payload, "delivery-opened");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(_harness.Executor.ListExecutions());
        Assert.Equal(0, _harness.Links.DeliveryCount());
    }

    [Theory]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("")]
    public async Task Post_BadOrMissingSignature_Rejected4xxAndNothingStarts(string signature)
    {
        _github.Permission(Repository, "Codertocat", "admin");

        var response = await PostAsync("issues", TrainLabeled(), "delivery-bad", signature);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"got {(int)response.StatusCode}");
        Assert.Equal(0, _harness.Links.DeliveryCount());
        Assert.Empty(_harness.Executor.ListExecutions());
        Assert.Empty(_github.Requests);
    }

    [Fact]
    public async Task Post_SignedWithAnotherSecret_Rejected()
    {
        var body = Encoding.UTF8.GetBytes(TrainLabeled().ToJsonString());

        var response = await PostRawAsync("issues", body, "delivery-other", Payloads.Sign("not the secret", body));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"got {(int)response.StatusCode}");
        Assert.Empty(_harness.Executor.ListExecutions());
    }

    [Fact]
    public async Task Post_SameDeliveryTwice_OneExecution()
    {
        _github.Permission(Repository, "Codertocat", "admin");
        var payload = TrainLabeled();

        var first = await PostAsync("issues", payload, "delivery-dup");
        var second = await PostAsync("issues", payload, "delivery-dup");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        await ProcessedAsync();
        Assert.Single(_harness.Executor.ListExecutions());
        Assert.Equal(1, _harness.Links.DeliveryCount());
    }

    [Fact]
    public async Task Post_ApproveFromNonCollaborator_RefusedWithPoliteCommentAndExecutionKeepsWaiting()
    {
        _github.Permission(Repository, "maintainer-amy", "maintain");
        _github.Permission(Repository, "Codertocat", "read");
        var id = await _harness.Workflow.StartAsync(new IssueRef(Repository, 1), "maintainer-amy", Harness.RequestBody);
        Assert.NotNull(id);
        Assert.Equal(ExecutionStatus.Waiting, (await _harness.IdleAsync(id)).Summary.Status);

        var response = await PostAsync("issue_comment", Comment("/approve"), "delivery-approve");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await ProcessedAsync();
        Assert.Contains(_github.CommentBodies(Repository, 1), b => b.StartsWith("Thanks @Codertocat! Only people with write, maintain or admin permission", StringComparison.Ordinal));
        Assert.Equal(ExecutionStatus.Waiting, (await _harness.IdleAsync(id)).Summary.Status);
        Assert.Contains(_github.Requests, r => r.Method == "GET" && r.Path == $"/api/v3/repos/{Repository}/collaborators/Codertocat/permission");
    }

    [Fact]
    public async Task Post_ApproveFromWriter_ExecutionContinuesPastApproval()
    {
        _github.Permission(Repository, "Codertocat", "write");
        var id = await _harness.Workflow.StartAsync(new IssueRef(Repository, 1), "Codertocat", Harness.RequestBody);
        await _harness.IdleAsync(id!);

        await PostAsync("issue_comment", Comment("/approve"), "delivery-approve-ok");
        await ProcessedAsync();
        var result = await _harness.IdleAsync(id!);

        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.Contains("preprocess_supervised", _harness.Inner.Steps);

        // What the run told GitHub: the progress comment edited in place, the state label, the history commit on the branch.
        var requests = _github.Requests;
        Assert.Contains(requests, r => r.Method == "PATCH" && r.Path == $"/api/v3/repos/{Repository}/issues/comments/{GitHubStub.CreatedCommentId}");
        Assert.Contains(requests, r => r.Method == "POST" && r.Path == $"/api/v3/repos/{Repository}/issues/1/labels" && r.Body!.Contains(IssueLabels.Deployed, StringComparison.Ordinal));
        var commit = Assert.Single(requests, r => r.Method == "PUT");
        Assert.Equal($"/api/v3/repos/{Repository}/contents/training_history/run.json", commit.Path);
        Assert.Equal("mlops-history", JsonNode.Parse(commit.Body!)!["branch"]!.GetValue<string>());
        Assert.Contains(_github.CommentBodies(Repository, 1), b => b.StartsWith("### ✅ Training complete", StringComparison.Ordinal));
    }

    private static JsonObject TrainLabeled()
    {
        var payload = Payloads.Load("issues.labeled");
        payload["label"]!["name"] = IssueLabels.Train;
        payload["issue"]!["body"] = Harness.RequestBody;
        return payload;
    }

    private static JsonObject Comment(string body)
    {
        var payload = Payloads.Load("issue_comment.created");
        payload["comment"]!["body"] = body;
        return payload;
    }

    private Task<HttpResponseMessage> PostAsync(string eventName, JsonObject payload, string delivery, string? signature = null)
    {
        var body = Encoding.UTF8.GetBytes(payload.ToJsonString());
        return PostRawAsync(eventName, body, delivery, signature ?? Payloads.Sign(Secret, body));
    }

    private async Task<HttpResponseMessage> PostRawAsync(string eventName, byte[] body, string delivery, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, WebhookEndpoint.DefaultPath) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", delivery);
        if (signature.Length > 0)
        {
            request.Headers.Add("X-Hub-Signature-256", signature);
        }

        return await _http.SendAsync(request);
    }

    private async Task ProcessedAsync()
    {
        var queue = _app.Services.GetRequiredService<WebhookQueue>();
        await queue.Completed.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
    }
}
