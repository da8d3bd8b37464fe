using System.Diagnostics;
using System.Globalization;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Aws.SageMaker;

/// <summary>
/// Serialises finishing one SageMaker run across every process that shares MLOPS_HOME (two MCP clients, the MCP tool and
/// a Lambda retry), so a run is judged and registered once.
/// </summary>
/// <remarks>
/// A file opened with <see cref="FileShare.None"/> is an exclusive lock in every process on the machine (flock on Linux,
/// a sharing violation on Windows), and the operating system drops it when the holder exits, so a crashed finish leaves
/// no stale lock. A registry transaction or unique constraint could not do this: a finish spans S3 downloads and
/// SageMaker calls (the model package) that no SQLite transaction can hold, and a constraint would only refuse the
/// duplicate version after the second SageMaker model package was already created.
/// </remarks>
public sealed class SageMakerFinishLock : IAsyncDisposable
{
    /// <summary>How long a second finish waits for the first: longer than a finish takes (a model download and a few calls).</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    private readonly FileStream _file;

    private SageMakerFinishLock(FileStream file) => _file = file;

    /// <summary>The lock file of a run: under MLOPS_HOME, since that is what the processes finishing it share.</summary>
    public static string PathFor(MlopsHome home, string trainingId)
    {
        ArgumentNullException.ThrowIfNull(home);
        ArgumentException.ThrowIfNullOrWhiteSpace(trainingId);
        return Path.Combine(home.Root, "locks", $"sagemaker-finish-{trainingId}.lock");
    }

    /// <summary>Waits up to <paramref name="wait"/> for the run's lock; a holder past that is reported, not waited on forever.</summary>
    public static async Task<SageMakerFinishLock> AcquireAsync(MlopsHome home, string trainingId, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        var path = PathFor(home, trainingId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var limit = wait ?? DefaultWait;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // The file is never deleted: deleting it while another process waits on the same path would let a third
                // process lock a new file of that name beside the waiter's, and both would finish.
                return new SageMakerFinishLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (clock.Elapsed < limit)
            {
                await Task.Delay(RetryInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException held)
            {
                throw new SageMakerFinishBusyException(
                    $"Another process has been finishing run {trainingId} for more than {limit.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s (it holds {path}); call finish_training_job again once it is done.",
                    held);
            }
        }
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}

/// <summary>Another process held a run's finish lock past the wait; the caller tries again later rather than finishing twice.</summary>
public sealed class SageMakerFinishBusyException(string message, Exception innerException) : TimeoutException(message, innerException);
