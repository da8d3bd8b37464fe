namespace MlopsAgents.Plugins;

/// <summary>The MCP protocol revision every client of mlops-mcp in this repository asks for (agents, Task invoker, tests).</summary>
public static class McpProtocol
{
    /// <summary>
    /// Pinned because the SDK's default probes with server/discover for 5 s and then falls back to initialize; a
    /// server still starting (dotnet on a busy machine) answers the late probe, switches to 2026-07-28 and then
    /// rejects the initialize, so the connection fails now and then.
    /// </summary>
    public const string Version = "2025-11-25";
}
