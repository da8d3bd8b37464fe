using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using MlopsAgents.Aws.Configuration;
using MlopsAgents.Aws.Storage;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Aws.Tests.Storage;

/// <summary>What the S3 store puts on the wire, seen by the recording stub (s3rver accepts but does not show these headers).</summary>
public sealed class S3ArtifactStoreWireTests
{
    [Fact]
    public async Task PutAsync_WithKmsKey_SendsSseKmsAndSha256ChecksumWithoutChunking()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(new StubResponse(200, string.Empty, new Dictionary<string, string> { ["ETag"] = "\"abc\"" }));
        using var s3 = AwsBackends.CreateS3Client("us-east-1", stub.Endpoint, new BasicAWSCredentials(AwsStub.AccessKey, AwsStub.SecretKey));
        var store = new S3ArtifactStore(s3, new S3ArtifactStoreOptions { Bucket = "mlops-dev-artifacts", Prefix = "mlops", KmsKeyId = "arn:aws:kms:us-east-1:1:key/k" });
        var bytes = Encoding.UTF8.GetBytes("model bytes");

        var stored = await store.PutBytesAsync("models/churn/1.0.0/model.zip", bytes);

        var request = Assert.Single(stub.Requests);
        Assert.Null(request.SignatureProblem);
        Assert.Equal("PUT", request.Method);
        Assert.Equal("/mlops-dev-artifacts/mlops/models/churn/1.0.0/model.zip", request.RawTarget);
        Assert.Equal("aws:kms", request.Header("x-amz-server-side-encryption"));
        Assert.Equal("arn:aws:kms:us-east-1:1:key/k", request.Header("x-amz-server-side-encryption-aws-kms-key-id"));
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(bytes)), request.Header("x-amz-checksum-sha256"));
        Assert.DoesNotContain("aws-chunked", request.Header("content-encoding") ?? string.Empty);
        Assert.DoesNotContain("STREAMING", request.Header("x-amz-content-sha256") ?? string.Empty);
        Assert.Equal("model bytes", request.Body);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Sha256);
    }
}
