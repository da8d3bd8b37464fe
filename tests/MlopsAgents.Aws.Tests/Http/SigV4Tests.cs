using System.Text;
using Amazon.Runtime;
using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.Tests.Support;

namespace MlopsAgents.Aws.Tests.Http;

/// <summary>The client's signer and the stub's verifier against cases of AWS's SigV4 test suite (TestData/SigV4/README.md).</summary>
public sealed class SigV4Tests
{
    private static readonly DateTime SignedAt = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);
    private static readonly ImmutableCredentials Credentials = new(AwsStub.AccessKey, AwsStub.SecretKey, null);

    [Theory]
    [InlineData("post-vanilla")]
    [InlineData("post-x-www-form-urlencoded")]
    [InlineData("get-vanilla-query-order-key")]
    public void Sign_AwsTestSuiteCase_ProducesDocumentedAuthorization(string name)
    {
        var request = ReadRequest(name);

        var signature = SigV4Signer.Sign(request, Credentials, "us-east-1", "service", SignedAt);

        Assert.Equal(Vector(name, "authz"), signature.Authorization);
    }

    [Theory]
    [InlineData("post-x-www-form-urlencoded")]
    [InlineData("get-vanilla-query-order-key")]
    public void Sign_AwsTestSuiteCase_BuildsDocumentedCanonicalRequest(string name)
    {
        var signature = SigV4Signer.Sign(ReadRequest(name), Credentials, "us-east-1", "service", SignedAt);

        Assert.Equal(Vector(name, "creq"), signature.CanonicalRequest);
    }

    [Theory]
    [InlineData("post-x-www-form-urlencoded")]
    [InlineData("get-vanilla-query-order-key")]
    public void Verifier_AwsTestSuiteCase_MatchesEveryDocumentedStep(string name)
    {
        var request = ReadRequest(name);
        var expectedAuthorization = SigV4Verifier.Parse(Vector(name, "authz"));

        var canonical = SigV4Verifier.CanonicalRequest(request.Method, request.Uri.AbsolutePath, request.Uri.Query, request.Headers, expectedAuthorization.SignedHeaders, request.Body, doubleEncodePath: true);
        var stringToSign = SigV4Verifier.StringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical);
        var signature = SigV4Verifier.Signature(AwsStub.SecretKey, "20150830", "us-east-1", "service", stringToSign);

        Assert.Equal(Vector(name, "creq"), canonical);
        Assert.Equal(Vector(name, "sts"), stringToSign);
        Assert.Equal(expectedAuthorization.Signature, signature);
    }

    [Fact]
    public void Sign_PathWithColon_DoubleEncodesSegmentsInCanonicalUri()
    {
        var request = new SigV4Request("POST", new Uri("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-v2%3A1/converse"),
            new Dictionary<string, string> { ["host"] = "bedrock-runtime.us-east-1.amazonaws.com", ["x-amz-date"] = "20150830T123600Z" }, []);

        var signature = SigV4Signer.Sign(request, Credentials, "us-east-1", "bedrock", SignedAt);

        Assert.StartsWith("POST\n/model/anthropic.claude-v2%253A1/converse\n", signature.CanonicalRequest, StringComparison.Ordinal);
    }

    /// <summary>Parses a suite .req file: request line, Name:value headers, a blank line, the body.</summary>
    private static SigV4Request ReadRequest(string name)
    {
        var text = Vector(name, "req");
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = (split < 0 ? text : text[..split]).Split('\n');
        var body = split < 0 ? string.Empty : text[(split + 2)..];
        var requestLine = head[0].Split(' ');
        var headers = head.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        return new SigV4Request(requestLine[0], new Uri("https://" + headers["Host"] + requestLine[1]), headers, Encoding.UTF8.GetBytes(body));
    }

    private static string Vector(string name, string extension) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "SigV4", $"{name}.{extension}"));
}
