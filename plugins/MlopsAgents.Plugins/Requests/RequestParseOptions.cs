namespace MlopsAgents.Plugins.Requests;

/// <summary>Limits and locations the request parser works within.</summary>
public sealed record RequestParseOptions
{
    /// <summary>Absolute directory that every <c>dataset_uri</c> must resolve inside.</summary>
    public required string DataRoot { get; init; }

    /// <summary>Largest issue body, in UTF-8 bytes, the parser reads; GitHub caps bodies at 65536 characters.</summary>
    public int MaxBodyBytes { get; init; } = 65536;

    /// <summary>Most YAML nodes the request may hold once aliases are expanded, so an alias bomb cannot exhaust memory or time.</summary>
    public int MaxYamlNodes { get; init; } = 10000;

    /// <summary>Deepest nesting of YAML mappings and lists the parser accepts; a request needs three levels.</summary>
    public int MaxYamlDepth { get; init; } = 64;
}
