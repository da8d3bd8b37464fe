using System.Globalization;
using System.Text;
using System.Threading.Channels;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.Monitoring;

/// <summary>
/// Writes JSON lines (sampled predictions, posted feedback) to the artifact store in chunks: a bounded channel takes
/// lines from request threads without blocking them, and one background writer puts a chunk every
/// <c>chunkRows</c> lines and whatever is left on <see cref="FlushAsync"/> or dispose. Each chunk is a new key, so
/// no object is ever rewritten and every write is atomic in every store.
/// </summary>
public sealed class InferenceLog : IAsyncDisposable
{
    /// <summary>The store prefix of sampled predictions.</summary>
    public const string PredictionsPrefix = "monitoring/inference/";

    /// <summary>The store prefix of posted feedback.</summary>
    public const string FeedbackPrefix = "monitoring/feedback/";

    private readonly IArtifactStore _store;
    private readonly int _chunkRows;
    private readonly double _sampleRate;
    private readonly TimeProvider _time;
    private readonly Channel<(string Prefix, string Line, TaskCompletionSource? Flush)> _channel;
    private readonly Task _writer;
    private long _sequence;
    private long _dropped;

    public InferenceLog(IArtifactStore store, double sampleRate, int chunkRows, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _sampleRate = sampleRate;
        _chunkRows = chunkRows;
        _time = timeProvider ?? TimeProvider.System;

        // Bounded so that a slow store sheds log lines (counted in Dropped) instead of growing memory or slowing requests.
        _channel = Channel.CreateBounded<(string, string, TaskCompletionSource?)>(new BoundedChannelOptions(chunkRows * 16)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Lines dropped because the writer fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// True when the request belongs to the sample. The choice is a hash of the request id, so it is deterministic and
    /// the same request is sampled (or not) however many times it is looked at.
    /// </summary>
    public bool IsSampled(string requestId)
    {
        if (_sampleRate <= 0)
        {
            return false;
        }

        if (_sampleRate >= 1)
        {
            return true;
        }

        var hash = 2166136261u;
        foreach (var c in requestId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash / (double)uint.MaxValue < _sampleRate;
    }

    /// <summary>Queues one JSON line under <paramref name="prefix"/>; never blocks.</summary>
    public void Append(string prefix, string jsonLine)
    {
        if (!_channel.Writer.TryWrite((prefix, jsonLine, null)))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Writes every line queued so far to the store.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _channel.Writer.WriteAsync((string.Empty, string.Empty, done), cancellationToken).ConfigureAwait(false);
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var pending = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var (prefix, line, flush) in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (flush is not null)
            {
                await WriteAllAsync(pending, counts).ConfigureAwait(false);
                flush.TrySetResult();
                continue;
            }

            if (!pending.TryGetValue(prefix, out var text))
            {
                pending[prefix] = text = new StringBuilder();
            }

            text.Append(line).Append('\n');
            counts[prefix] = counts.GetValueOrDefault(prefix) + 1;
            if (counts[prefix] >= _chunkRows)
            {
                await WriteAsync(prefix, text).ConfigureAwait(false);
                counts[prefix] = 0;
            }
        }

        await WriteAllAsync(pending, counts).ConfigureAwait(false);
    }

    private async Task WriteAllAsync(Dictionary<string, StringBuilder> pending, Dictionary<string, int> counts)
    {
        foreach (var (prefix, text) in pending)
        {
            if (text.Length > 0)
            {
                await WriteAsync(prefix, text).ConfigureAwait(false);
                counts[prefix] = 0;
            }
        }
    }

    private async Task WriteAsync(string prefix, StringBuilder text)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var key = string.Create(CultureInfo.InvariantCulture, $"{prefix}{_time.GetUtcNow():yyyyMMdd'T'HHmmssfff}-{sequence:D6}.jsonl");
        await _store.PutTextAsync(key, text.ToString()).ConfigureAwait(false);
        text.Clear();
    }
}
