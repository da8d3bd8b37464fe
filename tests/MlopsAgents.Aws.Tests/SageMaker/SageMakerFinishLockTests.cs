using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Aws.Tests.SageMaker;

public sealed class SageMakerFinishLockTests : IDisposable
{
    private readonly MlopsHome _home = new(Directory.CreateTempSubdirectory("mlops-finish-lock-").FullName);

    [Fact]
    public async Task AcquireAsync_RunAlreadyLocked_TimesOutNamingTheRunAndTheLockFile()
    {
        await using var held = await SageMakerFinishLock.AcquireAsync(_home, "train-a");

        var error = await Assert.ThrowsAsync<SageMakerFinishBusyException>(() => SageMakerFinishLock.AcquireAsync(_home, "train-a", TimeSpan.Zero));

        Assert.Contains("finishing run train-a", error.Message, StringComparison.Ordinal);
        Assert.Contains(SageMakerFinishLock.PathFor(_home, "train-a"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_OtherRunLocked_DoesNotWait()
    {
        await using var held = await SageMakerFinishLock.AcquireAsync(_home, "train-a");

        await using var other = await SageMakerFinishLock.AcquireAsync(_home, "train-b", TimeSpan.Zero);

        Assert.NotNull(other);
    }

    [Fact]
    public async Task AcquireAsync_AfterTheHolderReleased_Succeeds()
    {
        var first = await SageMakerFinishLock.AcquireAsync(_home, "train-a");
        await first.DisposeAsync();

        await using var second = await SageMakerFinishLock.AcquireAsync(_home, "train-a", TimeSpan.Zero);

        Assert.True(File.Exists(SageMakerFinishLock.PathFor(_home, "train-a")));
    }

    public void Dispose() => Directory.Delete(_home.Root, recursive: true);
}
