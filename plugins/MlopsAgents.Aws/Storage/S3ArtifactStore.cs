using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Aws.Storage;

/// <summary>Where the S3 store keeps objects and how it writes them.</summary>
public sealed record S3ArtifactStoreOptions
{
    public required string Bucket { get; init; }

    /// <summary>Key prefix inside the bucket ("" for the bucket root); keys look the same as in the local store below it.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>A KMS key id or ARN: objects are written with SSE-KMS under it. Null leaves the bucket's default encryption.</summary>
    public string? KmsKeyId { get; init; }
}

/// <summary>
/// The AWS backend of <see cref="IArtifactStore"/> on AWSSDK.S3. A PutObject is atomic in S3 (readers see the old object
/// or the new one), so the store only has to make sure a failing source stream never reaches S3: it spools the content to
/// a local temporary file while hashing it, then uploads the complete file with its SHA-256 as an S3 checksum, which S3
/// verifies server-side and refuses on mismatch. Chunked (streaming-signed) uploads are off, which keeps S3-compatible
/// servers such as s3rver working.
/// </summary>
public sealed class S3ArtifactStore : IArtifactStore
{
    private readonly IAmazonS3 _s3;
    private readonly S3ArtifactStoreOptions _options;
    private readonly string _prefix;

    public S3ArtifactStore(IAmazonS3 s3, S3ArtifactStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Bucket);
        _s3 = s3;
        _options = options;
        var prefix = options.Prefix.Trim('/');
        _prefix = prefix.Length == 0 ? string.Empty : prefix + "/";
    }

    public string Bucket => _options.Bucket;

    public async Task<ArtifactRef> PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var objectKey = ObjectKey(key);
        var spool = Path.Combine(Path.GetTempPath(), "mlops-s3-" + Guid.NewGuid().ToString("N"));
        try
        {
            byte[] hash;
            long size;
            await using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                size = file.Length;
                hash = sha.GetHashAndReset();
            }

            await using (var upload = new FileStream(spool, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous))
            {
                var request = new PutObjectRequest
                {
                    BucketName = _options.Bucket,
                    Key = objectKey,
                    InputStream = upload,
                    AutoCloseStream = false,
                    UseChunkEncoding = false,
                    ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
                    ChecksumSHA256 = Convert.ToBase64String(hash),
                };
                if (_options.KmsKeyId is { } kms)
                {
                    request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS;
                    request.ServerSideEncryptionKeyManagementServiceKeyId = kms;
                }

                await _s3.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
            }

            return new ArtifactRef(key, Convert.ToHexStringLower(hash), size, LocationOf(key));
        }
        finally
        {
            File.Delete(spool);
        }
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        try
        {
            var response = await _s3.GetObjectAsync(_options.Bucket, objectKey, cancellationToken).ConfigureAwait(false);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"No artifact '{key}' in s3://{_options.Bucket}/{_prefix}.", LocationOf(key), e);
        }
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        try
        {
            await _s3.GetObjectMetadataAsync(_options.Bucket, objectKey, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var normalized = ArtifactKeys.Normalize(prefix, allowEmpty: true);
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _prefix + normalized };
        ListObjectsV2Response response;
        do
        {
            response = await _s3.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            // AWSSDK v4 leaves empty collections null.
            keys.AddRange((response.S3Objects ?? []).Select(o => o.Key[_prefix.Length..]));
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        await _s3.DeleteObjectAsync(_options.Bucket, objectKey, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var keys = await ListAsync(prefix, cancellationToken).ConfigureAwait(false);
        foreach (var batch in keys.Chunk(1000))
        {
            var response = await _s3.DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = _options.Bucket,
                Objects = batch.Select(k => new KeyVersion { Key = _prefix + k }).ToList(),
                Quiet = true,
            }, cancellationToken).ConfigureAwait(false);
            if (response.DeleteErrors is { Count: > 0 } errors)
            {
                var first = errors[0];
                throw new IOException($"S3 refused to delete {errors.Count} object(s) under '{prefix}' in s3://{_options.Bucket}/{_prefix}; first: {first.Key}: {first.Code} {first.Message}");
            }
        }
    }

    public string LocationOf(string key) => $"s3://{_options.Bucket}/{_prefix}{ArtifactKeys.Normalize(key, allowEmpty: false)}";

    private string ObjectKey(string key) => _prefix + ArtifactKeys.Normalize(key, allowEmpty: false);

    /// <summary>The object's body; disposing it releases the HTTP response too.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => response.ContentLength;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
