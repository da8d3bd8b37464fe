namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// A frozen copy of one version's <see cref="VersionMetrics"/> counters, so that the requests served during a window
/// (a canary step, say) can be judged on their own by subtracting the snapshot taken at the window's start.
/// </summary>
public sealed record VersionMetricsSnapshot
{
    private readonly long[] _cumulativeBuckets;

    public VersionMetricsSnapshot(long requestCount, long clientErrorCount, long serverErrorCount, IReadOnlyList<long> cumulativeBuckets)
    {
        ArgumentNullException.ThrowIfNull(cumulativeBuckets);
        ArgumentOutOfRangeException.ThrowIfNegative(requestCount);
        ArgumentOutOfRangeException.ThrowIfNegative(clientErrorCount);
        ArgumentOutOfRangeException.ThrowIfNegative(serverErrorCount);
        if (cumulativeBuckets.Count != VersionMetrics.BucketBounds.Count + 1)
        {
            throw new ArgumentException(
                $"Expected {VersionMetrics.BucketBounds.Count + 1} cumulative buckets (one per bound and +Inf), got {cumulativeBuckets.Count}.",
                nameof(cumulativeBuckets));
        }

        RequestCount = requestCount;
        ClientErrorCount = clientErrorCount;
        ServerErrorCount = serverErrorCount;
        _cumulativeBuckets = [.. cumulativeBuckets];
    }

    /// <summary>A snapshot with nothing recorded.</summary>
    public static VersionMetricsSnapshot Empty { get; } = new(0, 0, 0, new long[VersionMetrics.BucketBounds.Count + 1]);

    public long RequestCount { get; }

    public long ClientErrorCount { get; }

    public long ServerErrorCount { get; }

    /// <summary>Cumulative counts per latency bucket (observations ≤ bound), the last one being +Inf.</summary>
    public IReadOnlyList<long> CumulativeBuckets => _cumulativeBuckets;

    /// <summary>
    /// Share of requests that failed with a 5xx. A 4xx is the caller's bad input and would fail on any version, so it
    /// says nothing about the version being judged. Zero when nothing was recorded.
    /// </summary>
    public double ErrorRate => RequestCount == 0 ? 0.0 : ServerErrorCount / (double)RequestCount;

    public double P95 => Quantile(0.95);

    /// <summary>Copies the current counters of <paramref name="metrics"/>.</summary>
    public static VersionMetricsSnapshot Capture(VersionMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);

        // Buckets are read first: a request recorded meanwhile then shows in the count but not the histogram, never
        // the other way round, so a delta cannot hold more latencies than requests.
        var buckets = metrics.CumulativeBuckets();
        return new VersionMetricsSnapshot(metrics.RequestCount, metrics.ClientErrorCount, metrics.ServerErrorCount, buckets);
    }

    /// <summary>What was recorded after <paramref name="earlier"/> was taken.</summary>
    public VersionMetricsSnapshot Minus(VersionMetricsSnapshot earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        if (earlier.RequestCount > RequestCount)
        {
            throw new ArgumentException(
                $"The earlier snapshot holds {earlier.RequestCount} requests, more than this one's {RequestCount}; counters only grow.",
                nameof(earlier));
        }

        var buckets = new long[_cumulativeBuckets.Length];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = Math.Max(0, _cumulativeBuckets[i] - earlier._cumulativeBuckets[i]);
        }

        return new VersionMetricsSnapshot(
            RequestCount - earlier.RequestCount,
            Math.Max(0, ClientErrorCount - earlier.ClientErrorCount),
            Math.Max(0, ServerErrorCount - earlier.ServerErrorCount),
            buckets);
    }

    /// <summary>
    /// Estimates a latency quantile in seconds exactly as <see cref="VersionMetrics.Quantile"/> does, on this
    /// snapshot's buckets. NaN when nothing was recorded.
    /// </summary>
    public double Quantile(double q) => VersionMetrics.QuantileOf(_cumulativeBuckets, q);
}
