using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace MlopsAgents.GitHub.Tests.Support;

/// <summary>
/// A local stand-in for the GitHub REST endpoints the flow uses (WireMock.Net on 127.0.0.1), answering with the shapes
/// GitHub documents and logging every request so tests can check exactly what Octokit sent.
/// </summary>
internal sealed class GitHubStub : IDisposable
{
    public const long CreatedCommentId = 1001;

    public GitHubStub()
    {
        Server = WireMockServer.Start();
        Server.Given(Request.Create().WithPath(new WildcardMatcher("/api/v3/repos/*/*/issues/*/comments")).UsingPost())
            .RespondWith(Json(201, new { id = CreatedCommentId, body = "created" }));
        Server.Given(Request.Create().WithPath(new WildcardMatcher("/api/v3/repos/*/*/issues/comments/*")).UsingPatch())
            .RespondWith(Json(200, new { id = CreatedCommentId, body = "updated" }));
        Server.Given(Request.Create().WithPath(new WildcardMatcher("/api/v3/repos/*/*/issues/*/labels")).UsingGet())
            .RespondWith(Json(200, new object[] { new { name = "mlops:train" }, new { name = IssueLabels.Running } }));
        Server.Given(Request.Create().WithPath(new WildcardMatcher("/api/v3/repos/*/*/issues/*/labels")).UsingPost())
            .RespondWith(Json(200, new object[] { new { name = "added" } }));
        Server.Given(Request.Create().WithPath(new WildcardMatcher("/api/v3/repos/*/*/issues/*/labels/*")).UsingDelete())
            .RespondWith(Json(200, Array.Empty<object>()));
        Server.Given(Request.Create().WithPath(new WildcardMatcher("/api/v3/repos/*/*/contents/*")).UsingGet())
            .RespondWith(Json(404, new { message = "Not Found" }));
        Server.Given(Request.Create().WithPath(new WildcardMatcher("/api/v3/repos/*/*/contents/*")).UsingPut())
            .RespondWith(Json(201, new { content = new { name = "f", path = "p", sha = "abc" }, commit = new { sha = "def" } }));
        Server.Given(Request.Create().WithPath(new WildcardMatcher("/api/v3/orgs/*/teams/*/memberships/*")).UsingGet())
            .RespondWith(Json(404, new { message = "Not Found" }));
    }

    public WireMockServer Server { get; }

    /// <summary>The URL to give Octokit; it appends api/v3/ as for a GHES host.</summary>
    public string BaseUrl => Server.Url!;

    public GitHubOptions Options(string? secret = null) => new() { Token = "test-token", BaseUrl = BaseUrl, WebhookSecret = secret };

    public OctokitIssueHost Host() => new(OctokitIssueHost.CreateClient(Options()));

    /// <summary>Answers GET …/collaborators/{user}/permission with <paramref name="role"/>.</summary>
    public void Permission(string repository, string user, string role) =>
        Server.Given(Request.Create().WithPath($"/api/v3/repos/{repository}/collaborators/{user}/permission").UsingGet())
            .RespondWith(Json(200, new
            {
                permission = role is "maintain" ? "write" : role,
                role_name = role,
                user = new { login = user },
            }));

    public void TeamMember(string org, string team, string user) =>
        Server.Given(Request.Create().WithPath($"/api/v3/orgs/{org}/teams/{team}/memberships/{user}").UsingGet())
            .RespondWith(Json(200, new { state = "active", role = "member" }));

    /// <summary>Every request so far: method, path and body.</summary>
    public IReadOnlyList<(string Method, string Path, string? Body)> Requests =>
        [.. Server.LogEntries.OrderBy(e => e.RequestMessage.DateTime).Select(e => (e.RequestMessage.Method, e.RequestMessage.Path, e.RequestMessage.Body))];

    public IReadOnlyList<string> CommentBodies(string repository, int number) =>
        [.. Requests.Where(r => r.Method == "POST" && r.Path == $"/api/v3/repos/{repository}/issues/{number}/comments")
            .Select(r => System.Text.Json.Nodes.JsonNode.Parse(r.Body!)!["body"]!.GetValue<string>())];

    public void Dispose() => Server.Stop();

    // Octokit reads a body only when the response says it is JSON, as GitHub's always do.
    private static IResponseBuilder Json(int status, object body) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json; charset=utf-8").WithBodyAsJson(body);
}
