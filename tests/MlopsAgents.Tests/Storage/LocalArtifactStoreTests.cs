using System.Security.Cryptography;
using System.Text;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Storage;

public sealed class LocalArtifactStoreTests
{
    [Fact]
    public async Task PutAsync_NewKey_WritesContentAndReturnsSha256()
    {
        using var dir = new TempDirectory();
        var store = new LocalArtifactStore(dir.Path);
        var bytes = Encoding.UTF8.GetBytes("hello, bucket");

        var stored = await store.PutBytesAsync("models/m/1.0.0/model.json", bytes);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Sha256);
        Assert.Equal(bytes.Length, stored.Size);
        Assert.Equal(dir.Combine("models", "m", "1.0.0", "model.json"), stored.Location);
        Assert.Equal("hello, bucket", await store.ReadTextAsync("models/m/1.0.0/model.json"));
    }

    [Fact]
    public async Task PutAsync_StreamFailsMidWrite_LeavesNoPartialOrTemporaryFile()
    {
        using var dir = new TempDirectory();
        var store = new LocalArtifactStore(dir.Path);
        await store.PutTextAsync("evaluations/t1/results.json", "old complete content");

        await Assert.ThrowsAsync<IOException>(() => store.PutAsync("evaluations/t1/results.json", new FailingStream(bytesBeforeFailure: 100_000)));
        await Assert.ThrowsAsync<IOException>(() => store.PutAsync("evaluations/t1/new.json", new FailingStream(bytesBeforeFailure: 100_000)));

        Assert.Equal("old complete content", await store.ReadTextAsync("evaluations/t1/results.json"));
        Assert.False(await store.ExistsAsync("evaluations/t1/new.json"));
        Assert.Equal(["results.json"], Directory.GetFiles(dir.Combine("evaluations", "t1")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsKeysInOrdinalOrder()
    {
        using var dir = new TempDirectory();
        var store = new LocalArtifactStore(dir.Path);
        await store.PutTextAsync("models/b/1.0.0/x", "1");
        await store.PutTextAsync("models/a/1.1.0/y", "2");
        await store.PutTextAsync("models/a/1.0.0/x", "3");
        await store.PutTextAsync("datasets/d/raw/data.csv", "4");

        Assert.Equal(["models/a/1.0.0/x", "models/a/1.1.0/y"], await store.ListAsync("models/a/"));

        await store.DeletePrefixAsync("models/a/1.0.0/");
        Assert.Equal(["models/a/1.1.0/y", "models/b/1.0.0/x"], await store.ListAsync("models/"));
    }

    [Theory]
    [InlineData("../outside.txt")]
    [InlineData("models/../../outside.txt")]
    public async Task PutAsync_KeyEscapesRoot_IsRejected(string key)
    {
        using var dir = new TempDirectory();
        var store = new LocalArtifactStore(dir.Combine("root"));

        var e = await Assert.ThrowsAsync<ArgumentException>(() => store.PutTextAsync(key, "x"));
        Assert.Contains("..", e.Message);
        Assert.False(File.Exists(dir.Combine("outside.txt")));
    }

    [Fact]
    public async Task OpenReadAsync_MissingKey_NamesTheKey()
    {
        using var dir = new TempDirectory();
        var store = new LocalArtifactStore(dir.Path);

        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync("logs/none.txt"));
        Assert.Contains("logs/none.txt", e.Message);
    }

    [Fact]
    public async Task AtomicFile_WriteAllTextAsync_ReplacesContentWithoutTemporaryFiles()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("history", "t.md");
        await AtomicFile.WriteAllTextAsync(path, "first");
        await AtomicFile.WriteAllTextAsync(path, "second");

        Assert.Equal("second", await File.ReadAllTextAsync(path));
        Assert.Single(Directory.GetFiles(dir.Combine("history")));
    }

    /// <summary>Yields zeros, then throws, as a network stream that drops does.</summary>
    private sealed class FailingStream(int bytesBeforeFailure) : Stream
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
