using MlopsAgents.McpServer.Hosting;
using ModelContextProtocol.Protocol;

namespace MlopsAgents.McpServer.Tests;

/// <summary>
/// The run-once table behind the idempotency filter, driven by hand: each run's end is a TaskCompletionSource the test
/// completes, so "still running" is a fact of the test, not a matter of timing.
/// </summary>
public sealed class IdempotentRunsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlops-idem-").FullName;
    private readonly IdempotentRuns _runs;

    public IdempotentRunsTests() => _runs = new IdempotentRuns(new IdempotencyStore(Path.Combine(_folder, "idempotency.db")));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task RunAsync_SecondCallWhileTheFirstRuns_JoinsItWithoutStartingAgain()
    {
        var work = new Work();

        var first = _runs.RunAsync("k1", "train", work.Start, CancellationToken.None);
        await work.Started;
        var second = _runs.RunAsync("k1", "train", work.Start, CancellationToken.None);
        Assert.False(second.IsCompleted);
        work.Finish(Ok("run-1"));

        Assert.Equal("run-1", Text(await first));
        Assert.Equal("run-1", Text(await second));
        Assert.Equal(1, work.Starts);
        Assert.Equal(0, _runs.InFlight);
    }

    [Fact]
    public async Task RunAsync_CallerCancelsWhileItRuns_RunGoesOnAndTheSameKeyGetsItsStoredResult()
    {
        var work = new Work();
        using var caller = new CancellationTokenSource();

        var abandoned = _runs.RunAsync("k2", "train", work.Start, caller.Token);
        await work.Started;
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        work.Finish(Ok("run-2"));
        await work.Completed;

        var later = await _runs.RunAsync("k2", "train", work.Start, CancellationToken.None);

        Assert.Equal("run-2", Text(later));
        Assert.Equal(1, work.Starts);
        Assert.Equal(0, _runs.InFlight);
    }

    [Fact]
    public async Task RunAsync_ErrorWithACallerWaiting_IsNotStoredSoTheNextCallRunsAgain()
    {
        var failing = new Work();
        var call = _runs.RunAsync("k3", "train", failing.Start, CancellationToken.None);
        await failing.Started;
        failing.Finish(Error("out of memory"));
        Assert.True((await call).IsError);

        var retry = new Work();
        var again = _runs.RunAsync("k3", "train", retry.Start, CancellationToken.None);
        await retry.Started;
        retry.Finish(Ok("run-3"));

        Assert.Equal("run-3", Text(await again));
        Assert.Equal(1, retry.Starts);
    }

    [Fact]
    public async Task RunAsync_ErrorAfterEveryCallerLeft_GoesToTheNextCallerAndTheCallAfterRunsAgain()
    {
        var failing = new Work();
        using var caller = new CancellationTokenSource();
        var abandoned = _runs.RunAsync("k4", "train", failing.Start, caller.Token);
        await failing.Started;
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        failing.Finish(Error("diverged"));
        await failing.Completed;

        // The retry that comes for the run's answer gets its error instead of starting the tool again unseen.
        var unused = new Work();
        var delivered = await _runs.RunAsync("k4", "train", unused.Start, CancellationToken.None);
        Assert.Equal("diverged", Text(delivered));
        Assert.Equal(0, unused.Starts);

        var retry = new Work();
        var again = _runs.RunAsync("k4", "train", retry.Start, CancellationToken.None);
        await retry.Started;
        retry.Finish(Ok("run-4"));
        Assert.Equal("run-4", Text(await again));
    }

    [Fact]
    public async Task RunAsync_RunThrows_EveryWaitingCallerGetsTheExceptionAndTheNextCallRunsAgain()
    {
        var broken = new Work();
        var first = _runs.RunAsync("k5", "train", broken.Start, CancellationToken.None);
        await broken.Started;
        var second = _runs.RunAsync("k5", "train", broken.Start, CancellationToken.None);
        broken.Fail(new IOException("disk full"));

        Assert.Equal("disk full", (await Assert.ThrowsAsync<IOException>(() => first)).Message);
        Assert.Equal("disk full", (await Assert.ThrowsAsync<IOException>(() => second)).Message);
        Assert.Equal(1, broken.Starts);

        var retry = new Work();
        var again = _runs.RunAsync("k5", "train", retry.Start, CancellationToken.None);
        await retry.Started;
        retry.Finish(Ok("run-5"));
        Assert.Equal("run-5", Text(await again));
    }

    [Fact]
    public async Task RunAsync_KeyInFlightForAnotherTool_RefusedNamingBothTools()
    {
        var work = new Work();
        var first = _runs.RunAsync("k6", "train", work.Start, CancellationToken.None);
        await work.Started;

        var other = await _runs.RunAsync("k6", "deploy", work.Start, CancellationToken.None);

        Assert.True(other.IsError);
        Assert.Contains("idempotency_key: 'k6'", Text(other), StringComparison.Ordinal);
        Assert.Contains("'train', not 'deploy'", Text(other), StringComparison.Ordinal);
        work.Finish(Ok("run-6"));
        Assert.Equal("run-6", Text(await first));
        Assert.Equal(1, work.Starts);
    }

    private static CallToolResult Ok(string text) => new() { Content = [new TextContentBlock { Text = text }] };

    private static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };

    private static string Text(CallToolResult result) => ToolResults.Text(result);

    /// <summary>A tool run that starts when asked and ends when the test says.</summary>
    private sealed class Work
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<CallToolResult> _end = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _starts;

        public int Starts => Volatile.Read(ref _starts);

        public Task Started => _started.Task;

        /// <summary>Set when the run's result (or failure) has gone back to the table.</summary>
        public Task Completed => _completed.Task;

        public async Task<CallToolResult> Start()
        {
            Interlocked.Increment(ref _starts);
            _started.TrySetResult();
            try
            {
                return await _end.Task;
            }
            finally
            {
                _completed.TrySetResult();
            }
        }

        public void Finish(CallToolResult result) => _end.SetResult(result);

        public void Fail(Exception error) => _end.SetException(error);
    }
}
