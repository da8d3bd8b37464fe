using System.Security.Cryptography;
using System.Text;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Tests.Storage;

/// <summary>
/// What every <see cref="IArtifactStore"/> must do, whatever keeps the bytes. Each backend's test class derives from this
/// one and supplies a fresh, empty store: LocalArtifactStoreTests here, S3ArtifactStoreTests (against s3rver) in
/// MlopsAgents.Aws.Tests, which compiles this same file.
/// </summary>
public abstract class ArtifactStoreContractTests
{
    /// <summary>A new, empty store for one test.</summary>
    protected abstract Task<IArtifactStore> CreateStoreAsync();

    [Fact]
    public async Task PutAsync_NewKey_StoresContentAndReturnsSha256AndSize()
    {
        var store = await CreateStoreAsync();
        var bytes = Encoding.UTF8.GetBytes("hello, bucket");

        var stored = await store.PutBytesAsync("models/m/1.0.0/model.json", bytes);

        Assert.Equal("models/m/1.0.0/model.json", stored.Key);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Sha256);
        Assert.Equal(bytes.Length, stored.Size);
        Assert.Equal(store.LocationOf("models/m/1.0.0/model.json"), stored.Location);
        Assert.Equal("hello, bucket", await store.ReadTextAsync("models/m/1.0.0/model.json"));
        Assert.True(await store.ExistsAsync("models/m/1.0.0/model.json"));
    }

    [Fact]
    public async Task PutAsync_ExistingKey_ReplacesContent()
    {
        var store = await CreateStoreAsync();
        await store.PutTextAsync("logs/t1/run.log", "first");

        await store.PutTextAsync("logs/t1/run.log", "second, longer");

        Assert.Equal("second, longer", await store.ReadTextAsync("logs/t1/run.log"));
    }

    [Fact]
    public async Task PutAsync_LargeBinaryObject_RoundTripsByteForByte()
    {
        var store = await CreateStoreAsync();
        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(42).NextBytes(bytes);

        var stored = await store.PutBytesAsync("models/big/1.0.0/model.zip", bytes);
        await using var read = await store.OpenReadAsync("models/big/1.0.0/model.zip");
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);

        Assert.Equal(bytes.Length, stored.Size);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task PutAsync_SourceStreamFailsMidWrite_KeepsOldObjectAndCreatesNoNewOne()
    {
        var store = await CreateStoreAsync();
        await store.PutTextAsync("evaluations/t1/results.json", "old complete content");

        await Assert.ThrowsAsync<IOException>(() => store.PutAsync("evaluations/t1/results.json", new FailingStream(bytesBeforeFailure: 100_000)));
        await Assert.ThrowsAsync<IOException>(() => store.PutAsync("evaluations/t1/new.json", new FailingStream(bytesBeforeFailure: 100_000)));

        Assert.Equal("old complete content", await store.ReadTextAsync("evaluations/t1/results.json"));
        Assert.False(await store.ExistsAsync("evaluations/t1/new.json"));
        Assert.Equal(["evaluations/t1/results.json"], await store.ListAsync("evaluations/"));
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsKeysUnderItInOrdinalOrder()
    {
        var store = await CreateStoreAsync();
        await store.PutTextAsync("models/b/1.0.0/x", "1");
        await store.PutTextAsync("models/a/1.1.0/y", "2");
        await store.PutTextAsync("models/a/1.0.0/x", "3");
        await store.PutTextAsync("models/a/1.0.0/X", "3b");
        await store.PutTextAsync("datasets/d/raw/data.csv", "4");

        Assert.Equal(["models/a/1.0.0/X", "models/a/1.0.0/x", "models/a/1.1.0/y"], await store.ListAsync("models/a/"));
        Assert.Empty(await store.ListAsync("nothing/"));
    }

    [Fact]
    public async Task DeletePrefixAsync_VersionFolder_RemovesOnlyThatFolder()
    {
        var store = await CreateStoreAsync();
        await store.PutTextAsync("models/a/1.0.0/x", "1");
        await store.PutTextAsync("models/a/1.0.0/sub/y", "2");
        await store.PutTextAsync("models/a/1.1.0/y", "3");
        await store.PutTextAsync("models/b/1.0.0/x", "4");

        await store.DeletePrefixAsync("models/a/1.0.0/");

        Assert.Equal(["models/a/1.1.0/y", "models/b/1.0.0/x"], await store.ListAsync("models/"));
    }

    [Fact]
    public async Task DeleteAsync_ExistingAndMissingKeys_RemovesWithoutError()
    {
        var store = await CreateStoreAsync();
        await store.PutTextAsync("logs/a.txt", "x");

        await store.DeleteAsync("logs/a.txt");
        await store.DeleteAsync("logs/never-there.txt");

        Assert.False(await store.ExistsAsync("logs/a.txt"));
    }

    [Theory]
    [InlineData("../outside.txt")]
    [InlineData("models/../../outside.txt")]
    public async Task PutAsync_KeyWithParentSegment_IsRejected(string key)
    {
        var store = await CreateStoreAsync();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => store.PutTextAsync(key, "x"));

        Assert.Contains("..", e.Message);
        Assert.Empty(await store.ListAsync(string.Empty));
    }

    [Fact]
    public async Task OpenReadAsync_MissingKey_ThrowsFileNotFoundNamingTheKey()
    {
        var store = await CreateStoreAsync();

        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync("logs/none.txt"));

        Assert.Contains("logs/none.txt", e.Message);
        Assert.False(await store.ExistsAsync("logs/none.txt"));
    }

    /// <summary>Yields zeros, then throws, as a network stream that drops does.</summary>
    protected sealed class FailingStream(int bytesBeforeFailure) : Stream
    {
        private int _served;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _served; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_served >= bytesBeforeFailure)
            {
                throw new IOException("connection reset");
            }

            var n = Math.Min(count, bytesBeforeFailure - _served);
            Array.Clear(buffer, offset, n);
            _served += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
