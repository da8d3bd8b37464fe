using System.CommandLine;
using System.Text.Json;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Cli.Commands;

/// <summary><c>mlops validate ISSUE.md</c>: parse and validate a request without running anything.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var issue = new Argument<string>("ISSUE") { Description = "Markdown issue body with the training request." };
        var command = new Command("validate", "Check a training request and list every problem, without running it.") { issue };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(issue)!;
            if (!File.Exists(path))
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"ISSUE: '{path}' does not exist.");
            }

            var result = TrainingRequestParser.Parse(await File.ReadAllBytesAsync(path, ct), new RequestParseOptions { DataRoot = CliEnvironment.DataRoot });
            if (!result.IsValid)
            {
                foreach (var error in result.Errors)
                {
                    Console.Error.WriteLine("  - " + error);
                }

                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"the request has {result.Errors.Count} problem(s).");
            }

            Console.WriteLine(JsonSerializer.Serialize(result.Request, CliEnvironment.Json));
            return CliEnvironment.Ok;
        });
        return command;
    }
}
