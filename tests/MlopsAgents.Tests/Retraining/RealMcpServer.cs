using System.Diagnostics;
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

    private static string Dll()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "MlopsAgents.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var project = Path.Combine(root.FullName, "McpServer", "MlopsAgents.McpServer");
        var bin = Path.Combine(project, "bin", configuration);
        var dll = Directory.Exists(bin) ? Directory.GetFiles(bin, "mlops-mcp.dll", SearchOption.AllDirectories).FirstOrDefault() : null;
        if (dll is null)
        {
            using var build = Process.Start(new ProcessStartInfo("dotnet", ["build", project, "-c", configuration]) { RedirectStandardOutput = true })!;
            build.StandardOutput.ReadToEnd();
            build.WaitForExit();
            dll = Directory.GetFiles(bin, "mlops-mcp.dll", SearchOption.AllDirectories).First();
        }

        return dll;
    }
}
