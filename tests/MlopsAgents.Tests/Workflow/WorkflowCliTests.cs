using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Workflow;

/// <summary>The workflow commands through the real <c>mlops</c> process: start → WAITING → approve → SUCCEEDED, and a clear error without an MCP server.</summary>
public sealed class WorkflowCliTests
{
    [Fact]
    public void StartThenApprove_BundledExample_SucceedsOnTheLocalIssue()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);

        Assert.Equal(0, MlopsCli.Run(env, TimeSpan.FromMinutes(2), "data", "add", Examples.Dataset("breast_cancer.csv"), "--id", "dataset-bc-001", "--target", "diagnosis").Code);
        var (started, startOut, startErr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "workflow", "start", Examples.Issue("breast-cancer.md"));
        Assert.True(started == 0, startErr);
        var line = startOut.Split('\n').First(l => l.StartsWith("issue-1-", StringComparison.Ordinal));
        Assert.Contains("WAITING\tWaitForOptimizationApproval", line, StringComparison.Ordinal);

        var id = line.Split('\t')[0];
        var (approved, approveOut, approveErr) = MlopsCli.Run(env, TimeSpan.FromMinutes(3), "approve", id);

        Assert.True(approved == 0, approveErr);
        Assert.Contains($"{id}\tSUCCEEDED\tTrainingSucceeded", approveOut, StringComparison.Ordinal);
        Assert.Contains("mlops:deployed", File.ReadAllText(dir.Combine("home", "issues", "1", "labels.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_McpServerCannotStart_ExitsOneNamingTheSetting()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        env["MLOPS_MCP_COMMAND"] = dir.Combine("no-such-mlops-mcp");

        var (code, _, stderr) = MlopsCli.Run(env, TimeSpan.FromMinutes(1), "workflow", "start", Examples.Issue("breast-cancer.md"));

        Assert.Equal(1, code);
        Assert.Contains("could not start the MCP server", stderr, StringComparison.Ordinal);
        Assert.Contains("MLOPS_MCP_COMMAND", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Environment(TempDirectory dir) => new()
    {
        ["MLOPS_HOME"] = dir.Combine("home"),
        ["MLOPS_DATA_ROOT"] = System.IO.Path.GetDirectoryName(Examples.Dataset("breast_cancer.csv")),
        ["MLOPS_MCP_COMMAND"] = null,
        ["GITHUB_TOKEN"] = null,
        ["MLOPS_LLM_PROVIDER"] = null,
    };
}
