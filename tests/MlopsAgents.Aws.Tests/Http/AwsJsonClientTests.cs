using System.Net;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.Tests.Support;

namespace MlopsAgents.Aws.Tests.Http;

public sealed class AwsJsonClientTests
{
    [Fact]
    public async Task InvokeAsync_Json11_SendsSignedRequestWithTargetAndContentType()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok("""{"TrainingJobName":"j","TrainingJobStatus":"InProgress"}"""));
        using var clients = new StubClients(stub);

        var response = await clients.Client.InvokeAsync(AwsService.SageMaker, "DescribeTrainingJob", new JsonObject { ["TrainingJobName"] = "j" });

        var request = Assert.Single(stub.Requests);
        Assert.Null(request.SignatureProblem);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.RawTarget);
        Assert.Equal("SageMaker.DescribeTrainingJob", request.Header("X-Amz-Target"));
        Assert.Equal("application/x-amz-json-1.1", request.Header("Content-Type"));
        Assert.Contains("/us-east-1/sagemaker/aws4_request", request.Header("Authorization"));
        Assert.Equal("InProgress", response["TrainingJobStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task InvokeAsync_ThrottledTwice_RetriesWithBackoffAndSucceeds()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(
            StubResponse.Error(400, "ThrottlingException", "Rate exceeded"),
            StubResponse.Error(400, "ThrottlingException", "Rate exceeded"),
            StubResponse.Ok("""{"executionArn":"arn:aws:states:us-east-1:1:execution:m:e","startDate":1.7E9}"""));
        using var clients = new StubClients(stub);

        var response = await clients.Client.InvokeAsync(AwsService.StepFunctions, "StartExecution", new JsonObject { ["stateMachineArn"] = "arn" });

        Assert.Equal(3, stub.Requests.Count);
        Assert.All(stub.Requests, r => Assert.Null(r.SignatureProblem));
        Assert.Equal(2, clients.Delays.Count);
        Assert.InRange(clients.Delays[0], TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
        Assert.InRange(clients.Delays[1], TimeSpan.Zero, TimeSpan.FromMilliseconds(400));
        Assert.StartsWith("arn:aws:states", response["executionArn"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_ThrottledOnEveryAttempt_ThrowsThrottlingAfterMaxAttempts()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(Enumerable.Repeat(StubResponse.Error(400, "ThrottlingException", "Rate exceeded"), 3).ToArray());
        using var clients = new StubClients(stub, maxAttempts: 3);

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => clients.Client.InvokeAsync(AwsService.CloudWatch, "PutMetricData", []));

        Assert.Equal(AwsErrorKind.Throttling, e.Kind);
        Assert.Equal(3, e.Attempts);
        Assert.Equal(3, stub.Requests.Count);
        Assert.Contains("after 3 attempts", e.Message);
    }

    [Fact]
    public async Task InvokeAsync_ValidationError_ThrowsAtOnceWithTheFieldMessage()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Error(400, "ValidationException",
            "1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"));
        using var clients = new StubClients(stub);

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => clients.Client.InvokeAsync(AwsService.SageMaker, "CreateTrainingJob", []));

        Assert.Single(stub.Requests);
        Assert.Empty(clients.Delays);
        Assert.Equal(AwsErrorKind.Validation, e.Kind);
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Contains("SageMaker CreateTrainingJob failed with ValidationException (HTTP 400)", e.Message);
        Assert.Contains("'trainingJobName'", e.Message);
        Assert.Equal("req-ValidationException", e.RequestId);
    }

    [Fact]
    public async Task InvokeAsync_AccessDenied_NamesTheMissingPermission()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Error(400, "AccessDeniedException", "User: arn:aws:sts::1:assumed-role/x is not authorized to perform: states:StartExecution"));
        using var clients = new StubClients(stub);

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => clients.Client.InvokeAsync(AwsService.StepFunctions, "StartExecution", []));

        Assert.Equal(AwsErrorKind.AccessDenied, e.Kind);
        Assert.Contains("must allow states:StartExecution", e.Message);
    }

    [Fact]
    public async Task InvokeAsync_ErrorTypeOnlyInBodyWithNamespace_IsNormalised()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(new StubResponse(400, """{"__type":"com.amazonaws.sagemaker#ResourceNotFound","Message":"Could not find model package"}"""));
        using var clients = new StubClients(stub);

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => clients.Client.InvokeAsync(AwsService.SageMaker, "UpdateModelPackage", []));

        Assert.Equal("ResourceNotFound", e.ErrorCode);
        Assert.Equal(AwsErrorKind.NotFound, e.Kind);
        Assert.Contains("Could not find model package", e.Message);
    }

    [Fact]
    public async Task InvokeAsync_ServerErrorThenSuccess_Retries()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Error(503, "ServiceUnavailable", "try later"), StubResponse.Ok("{}"));
        using var clients = new StubClients(stub);

        await clients.Client.InvokeAsync(AwsService.CloudWatch, "PutMetricData", []);

        Assert.Equal(2, stub.Requests.Count);
        Assert.Single(clients.Delays);
    }

    [Fact]
    public async Task InvokeAsync_TemporaryCredentials_SignsTheSecurityToken()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok("{}"));
        using var http = new HttpClient();
        var client = new AwsJsonClient(http, new AwsClientOptions { Region = "eu-west-1", EndpointOverride = stub.Endpoint },
            new StaticCredentialsSource(AwsStub.AccessKey, AwsStub.SecretKey, "session-token-value"));

        await client.InvokeAsync(AwsService.StepFunctions, "DescribeExecution", new JsonObject { ["executionArn"] = "a" });

        var request = Assert.Single(stub.Requests);
        Assert.Null(request.SignatureProblem);
        Assert.Equal("session-token-value", request.Header("x-amz-security-token"));
        Assert.Contains("x-amz-security-token", SigV4Verifier.Parse(request.Header("authorization")!).SignedHeaders);
    }

    [Fact]
    public async Task InvokeAsync_EndpointRefusesConnections_RetriesThenNamesServiceAndEndpoint()
    {
        var stub = await AwsStub.StartAsync();
        using var clients = new StubClients(stub, maxAttempts: 3);
        await stub.DisposeAsync();

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => clients.Client.InvokeAsync(AwsService.SageMaker, "DescribeTrainingJob", []));

        Assert.Equal(2, clients.Delays.Count);
        Assert.Contains("SageMaker DescribeTrainingJob: could not reach http://127.0.0.1:", e.Message);
        Assert.Contains("after 3 attempts", e.Message);
    }

    [Fact]
    public void Backoff_FullJitter_StaysUnderTheExponentialCeilingAndCap()
    {
        using var http = new HttpClient();
        var options = new AwsClientOptions { Region = "us-east-1", BaseBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(1) };
        var client = new AwsJsonClient(http, options, new StaticCredentialsSource("a", "b"), jitter: new Random(1));

        var waits = Enumerable.Range(1, 200).Select(i => (Attempt: 1 + (i % 8), Wait: client.Backoff(1 + (i % 8)))).ToList();

        Assert.All(waits, w => Assert.InRange(w.Wait.TotalMilliseconds, 0, Math.Min(1000, 100 * Math.Pow(2, w.Attempt - 1))));
        Assert.True(waits.Select(w => w.Wait).Distinct().Count() > 150, "full jitter should spread the waits");
    }

    [Theory]
    [InlineData("US-EAST-1", "Region")]
    [InlineData("", "Region")]
    public void Constructor_InvalidRegion_NamesFieldAndValue(string region, string field)
    {
        using var http = new HttpClient();

        var e = Assert.Throws<ArgumentException>(() => new AwsJsonClient(http, new AwsClientOptions { Region = region }, new StaticCredentialsSource("a", "b")));

        Assert.Contains($"AwsClientOptions.{field} '{region}'", e.Message);
        Assert.Contains("us-east-1", e.Message);
    }

    [Fact]
    public void Classify_TooManyRequestsWithoutCode_IsThrottling()
    {
        Assert.Equal(AwsErrorKind.Throttling, AwsServiceException.Classify("Http429", HttpStatusCode.TooManyRequests));
    }
}
