namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// How one model's traffic is split: a relative weight per live version (e.g. 90 / 10), and optionally a shadow
/// version that receives a mirrored copy of every request whose response is discarded.
/// </summary>
public sealed record RoutingTable
{
    public RoutingTable(IReadOnlyDictionary<string, int> weights, string? shadowVersion = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0)
        {
            throw new ArgumentException("A routing table needs at least one version.", nameof(weights));
        }

        foreach (var (version, weight) in weights)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(version, nameof(weights));
            if (weight < 0)
            {
                throw new ArgumentException($"Version {version} has weight {weight}; weights must be 0 or more.", nameof(weights));
            }
        }

        if (weights.Values.Sum(w => (long)w) == 0)
        {
            throw new ArgumentException("At least one version needs a positive weight, or no request could be served.", nameof(weights));
        }

        if (shadowVersion is not null && weights.TryGetValue(shadowVersion, out var shadowWeight) && shadowWeight > 0)
        {
            throw new ArgumentException($"Version {shadowVersion} cannot both serve traffic (weight {shadowWeight}) and shadow it.", nameof(shadowVersion));
        }

        // Ordinal order makes every choice independent of the order the caller built the dictionary in.
        Weights = weights.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => new VersionWeight(w.Key, w.Value)).ToArray();
        ShadowVersion = shadowVersion;
    }

    /// <summary>The live versions and their weights, in ordinal order of version.</summary>
    public IReadOnlyList<VersionWeight> Weights { get; }

    /// <summary>The version that receives a mirrored copy of every request, or null for none.</summary>
    public string? ShadowVersion { get; }

    /// <summary>All traffic to one version.</summary>
    public static RoutingTable Single(string version) => new(new Dictionary<string, int>(StringComparer.Ordinal) { [version] = 100 });

    /// <summary>A primary serving all traffic and a shadow receiving a mirrored copy of it.</summary>
    public static RoutingTable Shadowed(string primary, string shadow) =>
        new(new Dictionary<string, int>(StringComparer.Ordinal) { [primary] = 100 }, shadow);

    /// <summary>Every version this table names, the shadow included.</summary>
    public IEnumerable<string> Versions =>
        ShadowVersion is null ? Weights.Select(w => w.Version) : Weights.Select(w => w.Version).Append(ShadowVersion);
}

/// <summary>One version's relative share of traffic.</summary>
public sealed record VersionWeight(string Version, int Weight);

/// <summary>The version that serves a request, and the version that receives its mirrored copy, if any.</summary>
public sealed record RouteDecision(string Version, string? ShadowVersion);
