using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Storage;

/// <summary>The artifact-store contract on the local file system, plus what only the local layout promises.</summary>
public sealed class LocalArtifactStoreTests : ArtifactStoreContractTests, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override Task<IArtifactStore> CreateStoreAsync() => Task.FromResult<IArtifactStore>(new LocalArtifactStore(_dir.Combine("store")));

    [Fact]
    public async Task PutAsync_NewKey_LocationIsThePathUnderTheRoot()
    {
        var store = new LocalArtifactStore(_dir.Path);

        var stored = await store.PutTextAsync("models/m/1.0.0/model.json", "x");

        Assert.Equal(_dir.Combine("models", "m", "1.0.0", "model.json"), stored.Location);
    }

    [Fact]
    public async Task PutAsync_StreamFailsMidWrite_LeavesNoTemporaryFile()
    {
        var store = new LocalArtifactStore(_dir.Path);
        await store.PutTextAsync("evaluations/t1/results.json", "old complete content");

        await Assert.ThrowsAsync<IOException>(() => store.PutAsync("evaluations/t1/new.json", new FailingStream(bytesBeforeFailure: 100_000)));

        Assert.Equal(["results.json"], Directory.GetFiles(_dir.Combine("evaluations", "t1")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task PutAsync_KeyEscapesRoot_WritesNothingOutside()
    {
        var store = new LocalArtifactStore(_dir.Combine("root"));

        await Assert.ThrowsAsync<ArgumentException>(() => store.PutTextAsync("models/../../outside.txt", "x"));

        Assert.False(File.Exists(_dir.Combine("outside.txt")));
    }

    [Fact]
    public async Task AtomicFile_WriteAllTextAsync_ReplacesContentWithoutTemporaryFiles()
    {
        var path = _dir.Combine("history", "t.md");
        await AtomicFile.WriteAllTextAsync(path, "first");
        await AtomicFile.WriteAllTextAsync(path, "second");

        Assert.Equal("second", await File.ReadAllTextAsync(path));
        Assert.Single(Directory.GetFiles(_dir.Combine("history")));
    }
}
