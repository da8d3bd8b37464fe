using System.ComponentModel;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Requests;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>Monitoring: data drift between a reference file and a current one.</summary>
[McpServerToolType]
public sealed class MonitoringTools(MlopsContext context)
{
    [McpServerTool(Name = "detect_drift", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Compares two CSV files under the data root column by column for data drift (KS or chi-square for references up to 1,000 rows, normalised Wasserstein or Jensen–Shannon above, as Evidently decides; PSI reported too) and gives the dataset verdict (drifted when at least half the columns drift). Writes nothing.")]
    public JsonObject DetectDrift(
        [Description("Reference CSV (e.g. the training data), relative to the data root.")] string reference_path,
        [Description("Current CSV (e.g. recent inputs), relative to the data root.")] string current_path,
        [Description("Columns to compare; omit for every column the two files share.")] string[]? columns = null) => ToolErrors.Run(() =>
    {
        string Resolve(string field, string path) =>
            DatasetPaths.Resolve(path, context.DataRoot) is ({ } resolved, _) ? resolved : throw ToolErrors.Invalid(field, path, DatasetPaths.Resolve(path, context.DataRoot).Error!);

        var result = DriftFileComparison.Compare(Resolve("reference_path", reference_path), Resolve("current_path", current_path), columns, new DriftOptions());
        return result.Report is { } report ? JsonNode.Parse(report.ToJson())!.AsObject() : throw new ModelContextProtocol.McpException(result.Error!);
    });
}
