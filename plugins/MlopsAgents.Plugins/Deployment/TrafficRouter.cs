using System.Collections.Concurrent;
using System.Text;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// Chooses the version that serves each request, per model, from its <see cref="RoutingTable"/>.
/// </summary>
/// <remarks>
/// A request with a routing key goes through weighted rendezvous hashing (highest random weight): every version
/// scores <c>-weight / ln(u)</c>, with <c>u</c> in (0, 1) a stable hash of (version, key), and the highest score
/// wins. The same key always lands on the same version while the weights stay the same, and a weight change moves
/// only the keys it must: going from 90/10 to 50/50 moves about 40% of keys, all from the old stable version to the
/// canary, and none the other way. Unlike ranges on a [0, 100) hash, this stays minimal with three or more versions.
/// A request without a key takes the next value of an atomic counter through a golden-ratio (Weyl) sequence, which
/// is lock-free, deterministic for a given seed, and matches the weights within a few requests rather than only on
/// average.
/// </remarks>
public sealed class TrafficRouter
{
    // 2^64 divided by the golden ratio: multiplying by it wraps to frac(n / phi) in exact integer arithmetic, so
    // the sequence keeps its spacing however large the counter grows.
    private const ulong GoldenRatioStep = 0x9E3779B97F4A7C15UL;

    private readonly ConcurrentDictionary<string, RoutingTable> _tables = new(StringComparer.Ordinal);
    private long _counter;

    /// <param name="seed">The counter's starting point, so that unkeyed splits are reproducible.</param>
    public TrafficRouter(long seed = 0)
    {
        _counter = seed;
    }

    /// <summary>The models that have a routing table.</summary>
    public IReadOnlyCollection<string> Models => [.. _tables.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The model's current table, or null when it has none.</summary>
    public RoutingTable? TableFor(string model) => _tables.TryGetValue(model, out var table) ? table : null;

    /// <summary>Replaces the model's table atomically; requests already routed keep their version.</summary>
    public void SetRouting(string model, RoutingTable table)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentNullException.ThrowIfNull(table);
        _tables[model] = table;
    }

    /// <summary>Chooses the serving version (and the shadow, if any) for one request to <paramref name="model"/>.</summary>
    public RouteDecision Choose(string model, string? routingKey)
    {
        if (!_tables.TryGetValue(model, out var table))
        {
            throw new InvalidOperationException($"Model '{model}' has no routing table; set one with SetRouting first.");
        }

        var version = string.IsNullOrEmpty(routingKey)
            ? ByCounter(table, Interlocked.Increment(ref _counter))
            : ByKey(table, routingKey);
        return new RouteDecision(version, table.ShadowVersion);
    }

    /// <summary>The version a routing key maps to under <paramref name="table"/> (weighted rendezvous hashing).</summary>
    public static string ByKey(RoutingTable table, string routingKey)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(routingKey);
        string? best = null;
        var bestScore = double.NegativeInfinity;
        foreach (var (version, weight) in table.Weights)
        {
            if (weight == 0)
            {
                continue;
            }

            // u in (0, 1): the top 53 bits of the hash, offset by half a step so that ln(u) is never 0 or -inf.
            var u = ((StableHash(version, routingKey) >> 11) + 0.5) / (1UL << 53);
            var score = -weight / Math.Log(u);
            if (score > bestScore)
            {
                bestScore = score;
                best = version;
            }
        }

        return best!;
    }

    private static string ByCounter(RoutingTable table, long n)
    {
        var point = (((ulong)n * GoldenRatioStep) >> 11) / (double)(1UL << 53) * TotalWeight(table);
        var cumulative = 0.0;
        foreach (var (version, weight) in table.Weights)
        {
            cumulative += weight;
            if (point < cumulative)
            {
                return version;
            }
        }

        return table.Weights.Last(w => w.Weight > 0).Version;
    }

    private static long TotalWeight(RoutingTable table) => table.Weights.Sum(w => (long)w.Weight);

    /// <summary>FNV-1a over the UTF-8 of version, a separator and key, finished with SplitMix64 to spread the bits.</summary>
    private static ulong StableHash(string version, string key)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(version + "\u0000" + key))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        hash += 0x9E3779B97F4A7C15UL;
        hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9UL;
        hash = (hash ^ (hash >> 27)) * 0x94D049BB133111EBUL;
        return hash ^ (hash >> 31);
    }
}
