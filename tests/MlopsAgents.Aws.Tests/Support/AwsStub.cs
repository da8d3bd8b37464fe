using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MlopsAgents.Aws.Tests.Support;

/// <summary>One request as the stub received it, with the outcome of its signature check.</summary>
public sealed record RecordedRequest(string Method, string RawTarget, IReadOnlyDictionary<string, string> Headers, string Body, string? SignatureProblem)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
}

/// <summary>An answer the stub replays: status, JSON body and extra headers (x-amzn-ErrorType, say).</summary>
public sealed record StubResponse(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static StubResponse Ok(string json) => new(200, json);

    /// <summary>An awsJson error as AWS sends it: __type and message in the body, the type in x-amzn-ErrorType too.</summary>
    public static StubResponse Error(int status, string type, string message) =>
        new(status, $$"""{"__type":"{{type}}","message":"{{message}}"}""", new Dictionary<string, string> { ["x-amzn-ErrorType"] = type, ["x-amzn-RequestId"] = "req-" + type });
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 that plays an AWS endpoint: it records each request, recomputes its SigV4 signature
/// with <see cref="SigV4Verifier"/> and replays queued responses in order.
/// </summary>
public sealed class AwsStub : IAsyncDisposable
{
    public const string AccessKey = "AKIDEXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<StubResponse> _responses = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private Func<RecordedRequest, Task>? _onRequest;

    private AwsStub(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    public static async Task<AwsStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var stub = new AwsStub(app);
        app.Run(stub.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        stub.Endpoint = new Uri(address + "/");
        return stub;
    }

    public AwsStub Reply(params StubResponse[] responses)
    {
        foreach (var r in responses)
        {
            _responses.Enqueue(r);
        }

        return this;
    }

    /// <summary>Runs before each reply, for what AWS would do as a side effect (a transform job writing its output to S3).</summary>
    public AwsStub OnRequest(Func<RecordedRequest, Task> action)
    {
        _onRequest = action;
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var recorded = new RecordedRequest(context.Request.Method, rawTarget, headers, body, CheckSignature(context.Request.Method, rawTarget, headers, Encoding.UTF8.GetBytes(body)));
        _requests.Enqueue(recorded);
        if (_onRequest is { } onRequest)
        {
            await onRequest(recorded);
        }

        var response = _responses.TryDequeue(out var next) ? next : StubResponse.Error(500, "StubExhausted", "The test queued no response for this request.");
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.WriteAsync(response.Body);
    }

    private static string? CheckSignature(string method, string rawTarget, Dictionary<string, string> headers, byte[] body)
    {
        if (!headers.TryGetValue("authorization", out var authorization))
        {
            return "no Authorization header";
        }

        try
        {
            var auth = SigV4Verifier.Parse(authorization);
            if (auth.AccessKey != AccessKey)
            {
                return $"unexpected access key {auth.AccessKey}";
            }

            if (!auth.SignedHeaders.Contains("host") || !auth.SignedHeaders.Contains("x-amz-date"))
            {
                return "host and x-amz-date must be signed";
            }

            var query = rawTarget.Contains('?') ? rawTarget[rawTarget.IndexOf('?')..] : string.Empty;
            var path = rawTarget.Contains('?') ? rawTarget[..rawTarget.IndexOf('?')] : rawTarget;
            var canonical = SigV4Verifier.CanonicalRequest(method, path, query, headers, auth.SignedHeaders, body, doubleEncodePath: true);
            var amzDate = headers["x-amz-date"];
            if (!amzDate.StartsWith(auth.Date, StringComparison.Ordinal))
            {
                return $"x-amz-date {amzDate} does not match the credential date {auth.Date}";
            }

            var sts = SigV4Verifier.StringToSign(amzDate, $"{auth.Date}/{auth.Region}/{auth.Service}/aws4_request", canonical);
            var expected = SigV4Verifier.Signature(SecretKey, auth.Date, auth.Region, auth.Service, sts);
            return expected == auth.Signature ? null : $"signature mismatch: expected {expected}, got {auth.Signature}; canonical request was:\n{canonical}";
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return "malformed signature: " + e.Message;
        }
    }
}
