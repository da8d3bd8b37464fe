using System.Collections.Concurrent;
using MlopsAgents.Plugins.Deployment;

namespace MlopsAgents.Tests.Deployment;

/// <summary>Hand-written fake behind the server's interceptor seam: per-version failures, latency and health.</summary>
public sealed class FaultInjector : IPredictionInterceptor
{
    private readonly ConcurrentDictionary<string, int> _statuses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> _latency = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _unhealthy = new(StringComparer.Ordinal);
    private int _running;
    private int _maxRunning;

    /// <summary>The most predictions of one version seen running at once.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxRunning);

    public void FailWith(string version, int status) => _statuses[version] = status;

    public void SlowDown(string version, TimeSpan latency) => _latency[version] = latency;

    public void MarkUnhealthy(string version) => _unhealthy[version] = true;

    public async ValueTask<int?> BeforePredictAsync(string model, string version, CancellationToken cancellationToken)
    {
        var running = Interlocked.Increment(ref _running);
        InterlockedMax(ref _maxRunning, running);
        try
        {
            // Simulated slowness of the model itself, not synchronisation: the test reads the measured latency.
            if (_latency.TryGetValue(version, out var delay))
            {
                await Task.Delay(delay, cancellationToken);
            }

            return _statuses.TryGetValue(version, out var status) ? status : null;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    public bool IsHealthy(string model, string version) => !_unhealthy.ContainsKey(version);

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
