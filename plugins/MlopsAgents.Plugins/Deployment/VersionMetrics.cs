namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// Request counts by status code and a latency histogram for one model version. Lock-free: every update is an
/// <see cref="Interlocked"/> operation, so it can be recorded from any number of request threads.
/// </summary>
public sealed class VersionMetrics
{
    /// <summary>
    /// Upper bounds of the latency buckets, in seconds: Prometheus' default buckets with 0.5 ms, 1 ms and 2.5 ms added
    /// below them, because an in-process prediction takes well under the default's smallest bucket of 5 ms.
    /// </summary>
    public static readonly IReadOnlyList<double> BucketBounds =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private const int MaxStatus = 600;

    private readonly long[] _byStatus = new long[MaxStatus];
    private readonly long[] _buckets = new long[BucketBounds.Count + 1];
    private long _count;
    private long _sumTicks;

    public VersionMetrics(string model, string version)
    {
        Model = model;
        Version = version;
    }

    public string Model { get; }

    public string Version { get; }

    public long RequestCount => Interlocked.Read(ref _count);

    public long ClientErrorCount => CountStatuses(400, 500);

    public long ServerErrorCount => CountStatuses(500, MaxStatus);

    /// <summary>Total latency of all recorded requests, in seconds.</summary>
    public double LatencySumSeconds => Interlocked.Read(ref _sumTicks) / (double)TimeSpan.TicksPerSecond;

    /// <summary>Records one finished request.</summary>
    public void Record(int statusCode, TimeSpan elapsed)
    {
        if (statusCode is < 100 or >= MaxStatus)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "An HTTP status code is between 100 and 599.");
        }

        var ticks = Math.Max(0, elapsed.Ticks);
        Interlocked.Increment(ref _byStatus[statusCode]);
        Interlocked.Increment(ref _buckets[BucketIndex(ticks / (double)TimeSpan.TicksPerSecond)]);
        Interlocked.Add(ref _sumTicks, ticks);
        Interlocked.Increment(ref _count);
    }

    /// <summary>Request counts per status code that occurred, in ascending code order.</summary>
    public IReadOnlyList<(int Status, long Count)> StatusCounts()
    {
        var counts = new List<(int, long)>();
        for (var status = 100; status < MaxStatus; status++)
        {
            var n = Interlocked.Read(ref _byStatus[status]);
            if (n > 0)
            {
                counts.Add((status, n));
            }
        }

        return counts;
    }

    /// <summary>Cumulative counts per bucket (observations ≤ bound), the last one being +Inf.</summary>
    public IReadOnlyList<long> CumulativeBuckets()
    {
        var cumulative = new long[_buckets.Length];
        long running = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            running += Interlocked.Read(ref _buckets[i]);
            cumulative[i] = running;
        }

        return cumulative;
    }

    /// <summary>
    /// Estimates a latency quantile in seconds the way Prometheus' <c>histogram_quantile</c> does: linear
    /// interpolation inside the bucket that holds the rank. NaN when nothing was recorded; observations beyond the
    /// last finite bound are reported as that bound.
    /// </summary>
    public double Quantile(double q) => QuantileOf(CumulativeBuckets(), q);

    /// <summary>The <see cref="Quantile"/> estimate over any cumulative bucket counts laid out as <see cref="BucketBounds"/> (plus +Inf).</summary>
    public static double QuantileOf(IReadOnlyList<long> cumulative, double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1.0);
        var total = cumulative[^1];
        if (total == 0)
        {
            return double.NaN;
        }

        var rank = q * total;
        for (var i = 0; i < BucketBounds.Count; i++)
        {
            if (cumulative[i] >= rank)
            {
                var lower = i == 0 ? 0.0 : BucketBounds[i - 1];
                var below = i == 0 ? 0 : cumulative[i - 1];
                var inBucket = cumulative[i] - below;
                return inBucket == 0 ? lower : lower + ((BucketBounds[i] - lower) * (rank - below) / inBucket);
            }
        }

        return BucketBounds[^1];
    }

    public double P50 => Quantile(0.50);

    public double P95 => Quantile(0.95);

    public double P99 => Quantile(0.99);

    private static int BucketIndex(double seconds)
    {
        for (var i = 0; i < BucketBounds.Count; i++)
        {
            if (seconds <= BucketBounds[i])
            {
                return i;
            }
        }

        return BucketBounds.Count;
    }

    private long CountStatuses(int from, int to)
    {
        long n = 0;
        for (var status = from; status < to; status++)
        {
            n += Interlocked.Read(ref _byStatus[status]);
        }

        return n;
    }
}
