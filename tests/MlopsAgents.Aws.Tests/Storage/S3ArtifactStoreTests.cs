using Amazon.S3;
using Amazon.S3.Model;
using MlopsAgents.Aws.Storage;
using MlopsAgents.Aws.Tests.Support;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.Storage;

namespace MlopsAgents.Aws.Tests.Storage;

/// <summary>The artifact-store contract against S3 (npm s3rver on 127.0.0.1), plus what only the S3 backend promises.</summary>
public sealed class S3ArtifactStoreTests(S3rverFixture s3rver) : ArtifactStoreContractTests, IClassFixture<S3rverFixture>, IDisposable
{
    private readonly IAmazonS3 _client = s3rver.CreateClient();
    private int _buckets;

    public void Dispose() => _client.Dispose();

    /// <summary>Each store gets its own bucket, and a prefix, so tests cannot see each other's objects.</summary>
    protected override async Task<IArtifactStore> CreateStoreAsync()
    {
        var bucket = $"mlops-{Guid.NewGuid():N}"[..30] + "-" + Interlocked.Increment(ref _buckets);
        await _client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        return new S3ArtifactStore(_client, new S3ArtifactStoreOptions { Bucket = bucket, Prefix = "mlops/dev" });
    }

    [Fact]
    public async Task LocationOf_Key_IsS3UriUnderBucketAndPrefix()
    {
        var store = (S3ArtifactStore)await CreateStoreAsync();

        var stored = await store.PutTextAsync("models/m/1.0.0/model.json", "{}");

        Assert.Equal($"s3://{store.Bucket}/mlops/dev/models/m/1.0.0/model.json", stored.Location);
        var listed = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = store.Bucket });
        Assert.Equal(["mlops/dev/models/m/1.0.0/model.json"], listed.S3Objects.Select(o => o.Key));
    }

    [Fact]
    public async Task PutAsync_BucketMissing_FailsWithTheS3Error()
    {
        var store = new S3ArtifactStore(_client, new S3ArtifactStoreOptions { Bucket = "no-such-bucket-here" });

        var e = await Assert.ThrowsAsync<AmazonS3Exception>(() => store.PutTextAsync("a.txt", "x"));

        Assert.Equal("NoSuchBucket", e.ErrorCode);
    }
}
