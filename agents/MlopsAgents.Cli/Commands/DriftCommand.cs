using System.CommandLine;
using MlopsAgents.Plugins.Monitoring;

namespace MlopsAgents.Cli.Commands;

/// <summary>
/// <c>mlops drift REFERENCE.csv CURRENT.csv [--json] [--columns a,b] [--threshold-share 0.5]</c>: per-feature data drift
/// and the dataset verdict. Exit codes: 0 no dataset drift, 2 invalid input, 4 the dataset drifted.
/// </summary>
internal static class DriftCommand
{
    /// <summary>The dataset drifted: distinct from failures so scripts and CI can branch on it.</summary>
    public const int DatasetDrifted = 4;

    public static Command Create()
    {
        var reference = new Argument<string>("REFERENCE") { Description = "CSV the model was trained on (the reference)." };
        var current = new Argument<string>("CURRENT") { Description = "CSV of current data to compare." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON, last on stdout." };
        var columns = new Option<string?>("--columns") { Description = "Comma-separated columns to compare (default: every column both files hold)." };
        var share = new Option<double>("--threshold-share") { Description = "Share of drifted features at which the dataset counts as drifted.", DefaultValueFactory = _ => 0.5 };
        var command = new Command("drift", "Compare two CSV files column by column for data drift (exit 4 when the dataset drifted).") { reference, current, json, columns, share };
        command.SetAction(parse =>
        {
            var selected = parse.GetValue(columns)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var options = new DriftOptions { DriftShareThreshold = parse.GetValue(share) };
            var result = DriftFileComparison.Compare(parse.GetValue(reference)!, parse.GetValue(current)!, selected, options);
            if (result.Report is not { } report)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, result.Error!);
            }

            Console.WriteLine(report.ToMarkdown());
            if (parse.GetValue(json))
            {
                Console.WriteLine(report.ToJson());
            }

            return report.DatasetDrifted ? DatasetDrifted : CliEnvironment.Ok;
        });
        return command;
    }
}
