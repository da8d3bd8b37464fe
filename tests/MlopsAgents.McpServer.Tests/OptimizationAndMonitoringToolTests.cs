using static MlopsAgents.McpServer.Tests.ToolResults;

namespace MlopsAgents.McpServer.Tests;

public sealed class OptimizationAndMonitoringToolTests(McpServerFixture server) : IClassFixture<McpServerFixture>
{
    private const string LoansRequest = "dataset_id: opt-loans\ntarget: default\ntask_type: classification\nalgorithm: xgboost\n";

    [Fact]
    public async Task OptimizationTools_ImbalancedLoans_ProposeAnalyseEstimateApplyAndTrack()
    {
        (await server.Writable.CallToolAsync("load_dataset", Args(("path", "loans.csv"), ("dataset_id", "opt-loans"), ("target", "default")))).Ok();

        var characteristics = (await server.ReadOnly.CallToolAsync("analyze_model_characteristics", Args(("request", LoansRequest)))).Ok();
        Assert.Equal("small", characteristics.GetProperty("size_class").GetString());
        Assert.InRange(characteristics.GetProperty("imbalance_ratio").GetDouble(), 5, 8);
        Assert.Contains(characteristics.GetProperty("sensitive_columns").EnumerateArray(), c => c.GetString() == "sex");

        var proposal = (await server.ReadOnly.CallToolAsync("generate_optimization_proposal", Args(("request", LoansRequest)))).Ok();
        Assert.Equal(7, proposal.GetProperty("phases").GetArrayLength());
        Assert.Contains("/approve", proposal.GetProperty("markdown").GetString(), StringComparison.Ordinal);
        var ids = proposal.GetProperty("phases").EnumerateArray().SelectMany(p => p.GetProperty("optimizations").EnumerateArray()).Select(o => o.GetProperty("id").GetString()!).ToList();
        Assert.Contains("class_imbalance", ids);

        var impact = (await server.ReadOnly.CallToolAsync("estimate_optimization_impact", Args(("request", LoansRequest), ("optimization_id", "class_imbalance")))).Ok();
        Assert.Contains("not enough history", impact.ToString(), StringComparison.Ordinal);

        var applied = (await server.ReadOnly.CallToolAsync("apply_optimization_to_config", Args(("request", LoansRequest), ("accepted_ids", new[] { "class_imbalance" })))).Ok();
        Assert.Equal("smote", applied.GetProperty("request").GetProperty("data_preprocessing").GetProperty("class_imbalance").GetString());

        Assert.Contains("--allow-write", (await server.ReadOnly.CallToolAsync("track_optimization_history", Args(("request", LoansRequest), ("decision", "approved")))).Error(), StringComparison.Ordinal);
        var tracked = (await server.Writable.CallToolAsync("track_optimization_history", Args(("request", LoansRequest), ("decision", "approved"), ("accepted_ids", new[] { "class_imbalance" })))).Ok();
        Assert.True(File.Exists(tracked.GetProperty("location").GetString()));
    }

    [Fact]
    public async Task EstimateOptimizationImpact_UnknownId_ListsTheProposalIds()
    {
        (await server.Writable.CallToolAsync("load_dataset", Args(("path", "loans.csv"), ("dataset_id", "opt-loans"), ("target", "default")))).Ok();

        var error = (await server.ReadOnly.CallToolAsync("estimate_optimization_impact", Args(("request", LoansRequest), ("optimization_id", "warp_drive")))).Error();

        Assert.Contains("optimization_id: 'warp_drive' → an id from the proposal:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DetectDrift_SameFileAndEscapingPath_NoDriftAndARefusal()
    {
        var same = (await server.ReadOnly.CallToolAsync("detect_drift", Args(("reference_path", "wine.csv"), ("current_path", "wine.csv")))).Ok();
        Assert.False(same.GetProperty("dataset_drifted").GetBoolean());
        Assert.Equal(0, same.GetProperty("drifted_count").GetInt32());

        var refused = (await server.ReadOnly.CallToolAsync("detect_drift", Args(("reference_path", "../../etc/passwd"), ("current_path", "wine.csv")))).Error();
        Assert.Contains("reference_path: '../../etc/passwd'", refused, StringComparison.Ordinal);
    }
}
