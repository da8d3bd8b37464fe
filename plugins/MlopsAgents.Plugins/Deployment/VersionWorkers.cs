using System.Text.Json;
using System.Threading.Channels;
using MlopsAgents.Plugins.Packaging;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>What one queued request got: its predictions or row errors, or the status a test seam injected.</summary>
internal sealed record WorkResult(IReadOnlyList<RowPrediction>? Predictions, IReadOnlyList<RowError> Errors, int? InjectedStatus);

/// <summary>
/// The worker instances of one loaded version: at most <c>workers</c> predictions of this version run at once. When
/// nothing is queued and a worker slot is free, the request's own thread predicts in that slot (no hand-off between
/// threads, which for a compiled model costs more than the prediction). Otherwise the request queues on a channel;
/// each worker, once it holds a slot, takes whatever has queued (up to <c>maxBatchRows</c> rows) and predicts it in
/// one call, then hands every request its own slice. A call through ML.NET costs far more per call than per row (one
/// row: about a millisecond; 32 rows: about 2.5), so under load this dynamic batching multiplies throughput, and at
/// low load a lone request is served at once with no waiting window.
/// </summary>
internal sealed class VersionWorkers : IAsyncDisposable
{
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] _workers;
    private readonly int _maxBatchRows;
    private readonly IPredictionInterceptor? _interceptor;
    private readonly SemaphoreSlim _slots;
    private volatile bool _closed;

    public VersionWorkers(ModelPackage package, int workers, int maxBatchRows, IPredictionInterceptor? interceptor)
    {
        Package = package;
        _maxBatchRows = maxBatchRows;
        _interceptor = interceptor;
        _slots = new SemaphoreSlim(workers, workers);
        _workers = [.. Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync))];
    }

    public ModelPackage Package { get; }

    /// <summary>Queues rows and waits for their predictions; the rows must stay valid until the task completes.</summary>
    public Task<WorkResult> PredictAsync(JsonElement[] rows, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            throw Retired();
        }

        if (_queue.Reader.Count == 0 && _slots.Wait(0))
        {
            return PredictInlineAsync(rows, cancellationToken);
        }

        var item = new WorkItem(rows, new TaskCompletionSource<WorkResult>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
        if (!_queue.Writer.TryWrite(item))
        {
            throw Retired();
        }

        return item.Done.Task;
    }

    /// <summary>Stops taking requests; the workers finish what is queued.</summary>
    public async ValueTask DisposeAsync()
    {
        _closed = true;
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(false);
    }

    private async Task WorkAsync()
    {
        var batch = new List<WorkItem>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await _slots.WaitAsync().ConfigureAwait(false);
            try
            {
                batch.Clear();
                var rows = 0;
                while (rows < _maxBatchRows && _queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                    rows += item.Rows.Length;
                }

                if (batch.Count > 0)
                {
                    await ServeAsync(batch).ConfigureAwait(false);
                }
            }
            finally
            {
                _slots.Release();
            }
        }
    }

    private async Task<WorkResult> PredictInlineAsync(JsonElement[] rows, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var injected = _interceptor is null ? null : await _interceptor.BeforePredictAsync(Package.Metadata.ModelName, Package.Metadata.Version, cancellationToken).ConfigureAwait(false);
            if (injected is { } status)
            {
                return new WorkResult(null, [], status);
            }

            var (predictions, errors) = Package.Predict(rows);
            return new WorkResult(predictions, errors, null);
        }
        finally
        {
            _slots.Release();
        }
    }

    private InvalidOperationException Retired() =>
        new($"{Package.Metadata.ModelName} {Package.Metadata.Version} was retired while the request was routed to it.");

    private async Task ServeAsync(List<WorkItem> batch)
    {
        var ready = new List<WorkItem>(batch.Count);
        foreach (var item in batch)
        {
            if (item.Cancellation.IsCancellationRequested)
            {
                item.Done.TrySetCanceled(item.Cancellation);
                continue;
            }

            var injected = _interceptor is null ? null : await _interceptor.BeforePredictAsync(Package.Metadata.ModelName, Package.Metadata.Version, item.Cancellation).ConfigureAwait(false);
            if (injected is { } status)
            {
                item.Done.TrySetResult(new WorkResult(null, [], status));
            }
            else
            {
                ready.Add(item);
            }
        }

        try
        {
            if (ready.Count == 1)
            {
                Complete(ready[0]);
                return;
            }

            if (ready.Count == 0)
            {
                return;
            }

            var (predictions, _) = Package.Predict([.. ready.SelectMany(i => i.Rows)]);
            if (predictions is null)
            {
                // One bad row fails a whole batch call, but it must fail only its own request: serve them one by one.
                foreach (var item in ready)
                {
                    Complete(item);
                }

                return;
            }

            var offset = 0;
            foreach (var item in ready)
            {
                item.Done.TrySetResult(new WorkResult([.. predictions.Skip(offset).Take(item.Rows.Length)], [], null));
                offset += item.Rows.Length;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The model broke (not the input): every waiting request gets the exception, which the server turns into a 500.
            foreach (var item in ready)
            {
                item.Done.TrySetException(e);
            }
        }
    }

    private void Complete(WorkItem item)
    {
        var (predictions, errors) = Package.Predict(item.Rows);
        item.Done.TrySetResult(new WorkResult(predictions, errors, null));
    }

    private sealed record WorkItem(JsonElement[] Rows, TaskCompletionSource<WorkResult> Done, CancellationToken Cancellation);
}
