using MlopsAgents.Tests.Support;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.Tests.Retraining;

/// <summary>
/// The real <c>mlops-mcp</c> over stdio with writes allowed, as <c>mlops workflow start</c> runs it: the build of the
/// same configuration in the source tree, built on demand.
/// </summary>
internal static class RealMcpServer
{
    public static Task<McpTaskInvoker> StartAsync(string home, string dataRoot) =>
        McpTaskInvoker.StartStdioAsync(
            "dotnet",
            [Dll(), "--transport", "stdio", "--allow-write"],
            new Dictionary<string, string?> { ["MLOPS_HOME"] = home, ["MLOPS_DATA_ROOT"] = dataRoot, ["MLOPS_ARTIFACT_STORE"] = null, ["MLOPS_TRAINING_BACKEND"] = null });

    private static string Dll() => MlopsCli.BuiltDll(Path.Combine("McpServer", "MlopsAgents.McpServer"), "mlops-mcp.dll");
}
