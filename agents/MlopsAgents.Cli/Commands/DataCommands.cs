using System.CommandLine;
using System.Globalization;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Cli.Commands;

/// <summary><c>mlops data add|list</c>: register CSV files as versioned datasets.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "CSV file with a header row." };
        var id = new Option<string>("--id") { Description = "Dataset id, e.g. dataset-bc-001.", Required = true };
        var target = new Option<string?>("--target") { Description = "The label column, used when a request names no target." };
        var add = new Command("add", "Register a CSV as a new dataset version (identical content keeps the current version).") { file, id, target };
        add.SetAction(async (parse, ct) =>
        {
            var context = CliEnvironment.Context();
            var service = new DatasetService(context.Registry, context.Store);
            try
            {
                var result = await service.AddAsync(parse.GetValue(file)!, parse.GetValue(id)!, parse.GetValue(target), ct);
                var d = result.Dataset;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(result.Created ? "registered" : "unchanged")}: {d.DatasetId} v{d.Version} ({d.RowCount} rows, {d.Columns.Count} columns, target {d.Target ?? "(none)"}, sha256 {d.Sha256[..12]}…)"));
                return CliEnvironment.Ok;
            }
            catch (DataValidationException e)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }
        });

        var listId = new Argument<string>("ID") { Description = "Dataset id." };
        var list = new Command("list", "List the versions of a dataset.") { listId };
        list.SetAction(parse =>
        {
            var registry = new SqliteRegistry(CliEnvironment.Home.RegistryDatabase);
            var versions = registry.ListDatasetVersions(parse.GetValue(listId)!);
            if (versions.Count == 0)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"ID: no dataset '{parse.GetValue(listId)}' is registered.");
            }

            foreach (var d in versions)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"v{d.Version}\t{d.RowCount} rows\t{d.Sha256[..12]}\t{d.CreatedAt:yyyy-MM-dd HH:mm:ss}\t{d.SourcePath}"));
            }

            return CliEnvironment.Ok;
        });

        return new Command("data", "Versioned datasets.") { add, list };
    }
}
