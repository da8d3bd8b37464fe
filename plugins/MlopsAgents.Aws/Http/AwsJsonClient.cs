using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlopsAgents.Aws.Http;

/// <summary>Waits between retries; the shipped one sleeps, tests record the waits instead.</summary>
public delegate Task RetryDelay(TimeSpan delay, CancellationToken cancellationToken);

/// <summary>
/// The one small SigV4 JSON-protocol client that SageMaker, Step Functions, CloudWatch and Bedrock go through, because
/// their service SDK packages are not served here. It signs with AWSSDK.Core, retries throttling, 5xx and dropped
/// connections with exponential backoff and full jitter, and turns AWS error answers into <see cref="AwsServiceException"/>.
/// </summary>
public sealed class AwsJsonClient
{
    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = false };
    private readonly HttpClient _http;
    private readonly AwsClientOptions _options;
    private readonly IAwsCredentialsSource _credentials;
    private readonly TimeProvider _time;
    private readonly RetryDelay _delay;
    private readonly Random _jitter;

    /// <param name="jitter">Random source of the backoff jitter; pass a seeded one for reproducible waits.</param>
    public AwsJsonClient(HttpClient http, AwsClientOptions options, IAwsCredentialsSource credentials, TimeProvider? time = null, RetryDelay? delay = null, Random? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        options.Validate();
        _http = http;
        _options = options;
        _credentials = credentials;
        _time = time ?? TimeProvider.System;
        _delay = delay ?? ((d, ct) => Task.Delay(d, ct));
        _jitter = jitter ?? Random.Shared;
    }

    public AwsClientOptions Options => _options;

    /// <summary>Calls an awsJson1.0/1.1 operation: POST / with X-Amz-Target {prefix}.{operation}.</summary>
    public Task<JsonObject> InvokeAsync(AwsService service, string operation, JsonObject request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.Protocol == AwsProtocol.RestJson)
        {
            throw new ArgumentException($"{service.DisplayName} speaks REST-JSON; call InvokeRestAsync with a method and path.", nameof(service));
        }

        var contentType = service.Protocol == AwsProtocol.Json10 ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
        return SendAsync(service, operation, HttpMethod.Post, "/", request, contentType, $"{service.TargetPrefix}.{operation}", cancellationToken);
    }

    /// <summary>Calls a REST-JSON operation; <paramref name="path"/> must already be URI-encoded segment by segment.</summary>
    public Task<JsonObject> InvokeRestAsync(AwsService service, string operation, HttpMethod method, string path, JsonObject? request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        return SendAsync(service, operation, method, path, request, "application/json", target: null, cancellationToken);
    }

    private async Task<JsonObject> SendAsync(AwsService service, string operation, HttpMethod method, string path, JsonObject? request, string contentType, string? target, CancellationToken cancellationToken)
    {
        var body = request is null ? [] : Encoding.UTF8.GetBytes(request.ToJsonString(WriteOptions));
        var endpoint = _options.EndpointOverride ?? service.DefaultEndpoint(_options.Region);
        var uri = new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + path);
        for (var attempt = 1; ; attempt++)
        {
            using var message = await BuildSignedRequestAsync(service, method, uri, body, contentType, target, cancellationToken).ConfigureAwait(false);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < _options.MaxAttempts)
            {
                // A dropped or refused connection is transient for AWS endpoints; the request is re-signed on the next attempt.
                await _delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw new HttpRequestException($"{service.DisplayName} {operation}: could not reach {endpoint} after {attempt} attempts: {e.Message}", e, e.StatusCode);
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return string.IsNullOrWhiteSpace(text) ? [] : JsonNode.Parse(text) as JsonObject ?? [];
                }

                var error = ParseError(service, operation, response, text, attempt);
                if (attempt < _options.MaxAttempts && error.Kind is AwsErrorKind.Throttling or AwsErrorKind.ServiceUnavailable)
                {
                    await _delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                throw error;
            }
        }
    }

    /// <summary>Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2^(attempt-1))].</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(_options.MaxBackoff.TotalMilliseconds, _options.BaseBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(_jitter.NextDouble() * ceiling);
    }

    private async Task<HttpRequestMessage> BuildSignedRequestAsync(AwsService service, HttpMethod method, Uri uri, byte[] body, string contentType, string? target, CancellationToken cancellationToken)
    {
        var credentials = await _credentials.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow().UtcDateTime;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["host"] = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            [SigV4Signer.DateHeader] = SigV4Signer.FormatDate(now),
            ["content-type"] = contentType,
        };
        if (target is not null)
        {
            headers["x-amz-target"] = target;
        }

        if (credentials.UseToken)
        {
            headers[SigV4Signer.SecurityTokenHeader] = credentials.Token;
        }

        var signature = SigV4Signer.Sign(new SigV4Request(method.Method, uri, headers, body), credentials, _options.Region, service.SigningName, now);
        var message = new HttpRequestMessage(method, uri);
        if (method != HttpMethod.Get || body.Length > 0)
        {
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        foreach (var (name, value) in headers)
        {
            if (name is "host" or "content-type")
            {
                continue;
            }

            message.Headers.TryAddWithoutValidation(name, value);
        }

        message.Headers.Host = headers["host"];
        message.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return message;
    }

    /// <summary>
    /// Reads the error type the way the AWS JSON protocols define it: the x-amzn-ErrorType header first, else the body's
    /// __type (or code); both may carry a namespace ("aws.protocoltests#Foo") or a suffix (":http://..."), which are cut.
    /// </summary>
    private static AwsServiceException ParseError(AwsService service, string operation, HttpResponseMessage response, string body, int attempt)
    {
        string? code = null;
        if (response.Headers.TryGetValues("x-amzn-ErrorType", out var types))
        {
            code = types.FirstOrDefault();
        }

        string? message = null;
        try
        {
            if (!string.IsNullOrWhiteSpace(body) && JsonNode.Parse(body) is JsonObject json)
            {
                code ??= (json["__type"] ?? json["code"] ?? json["Code"])?.GetValue<string>();
                message = (json["message"] ?? json["Message"] ?? json["errorMessage"])?.GetValue<string>();
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): keep the start of it as the message.
            message = body.Length > 300 ? body[..300] : body;
        }

        code = NormalizeCode(code) ?? (response.StatusCode == HttpStatusCode.TooManyRequests ? "TooManyRequestsException" : $"Http{(int)response.StatusCode}");
        string? requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
        return new AwsServiceException(service, operation, response.StatusCode, code, message, requestId, attempt);
    }

    private static string? NormalizeCode(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        var colon = code.IndexOf(':');
        if (colon >= 0)
        {
            code = code[..colon];
        }

        var hash = code.LastIndexOf('#');
        return (hash >= 0 ? code[(hash + 1)..] : code).Trim();
    }
}
