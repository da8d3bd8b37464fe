using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MlopsAgents.Aws.Configuration;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Workflow.Pipeline;

namespace MlopsAgents.Cli.Commands;

/// <summary><c>mlops run ISSUE.md</c>: phases 1–5 on the embedded default.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var issue = new Argument<string>("ISSUE") { Description = "Markdown issue body with the training request (a ```yaml block or plain YAML)." };
        var json = new Option<bool>("--json") { Description = "Print the run summary as JSON, last on stdout." };
        var serve = new Option<bool>("--serve") { Description = "Keep serving the deployed models after the run (Ctrl+C stops)." };
        var port = new Option<int>("--port") { Description = "Port for --serve on 127.0.0.1.", DefaultValueFactory = _ => 8080 };
        var command = new Command("run", "Run data preparation, training, evaluation, the Judge, packaging and local deployment for an issue.") { issue, json, serve, port };
        command.SetAction(async (parse, ct) =>
        {
            var backends = AwsBackendOptions.FromEnvironment();
            if (backends.Training != TrainingBackend.Local || backends.Workflow != WorkflowBackend.Local)
            {
                // Said out loud rather than silently training in process: the SageMaker and Step Functions clients exist
                // (plugins/MlopsAgents.Aws) but this command drives the in-process pipeline only.
                return CliEnvironment.Fail(CliEnvironment.InvalidInput,
                    "mlops run trains in process and runs its own workflow; MLOPS_TRAINING_BACKEND and MLOPS_WORKFLOW_BACKEND must be 'local' (or unset) for it. Artifacts can still go to S3 with MLOPS_ARTIFACT_STORE.");
            }

            var context = CliEnvironment.Context();
            var home = context.Home;
            var pipeline = new LocalPipeline(context, CliEnvironment.Progress);
            PipelineSummary summary;
            try
            {
                summary = await pipeline.RunIssueFileAsync(parse.GetValue(issue)!, ct);
            }
            catch (RequestValidationException e)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }

            PrintSummary(summary, parse.GetValue(json));
            if (parse.GetValue(serve) && summary.Passed)
            {
                var deployer = new LocalDeployer(pipeline.Registry, pipeline.Store, Path.Combine(home.Root, "cache"));
                await using var server = await ModelServer.StartAsync(await deployer.LoadActiveAsync(ct), parse.GetValue(port), cancellationToken: ct);
                Console.Error.WriteLine($"serving on {server.BaseAddress} (POST /predict, GET /health, GET /openapi.json); Ctrl+C stops");
                await server.WaitForShutdownAsync(ct);
            }

            return summary.Passed ? CliEnvironment.Ok : CliEnvironment.NotPassed;
        });
        return command;
    }

    private static void PrintSummary(PipelineSummary s, bool json)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"training {s.TrainingId}: {s.Decision.ToUpperInvariant()}");
        Console.WriteLine($"  {s.Reason}");
        foreach (var (name, value) in s.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            Console.WriteLine(string.Create(inv, $"  {name,-20} {value:0.0000}"));
        }

        if (s.Model is not null)
        {
            Console.WriteLine(s.Deployment is null
                ? $"  model: {s.Model.Name} {s.Model.Version} (registered; the prediction server serves supervised models only)"
                : $"  model: {s.Model.Name} {s.Model.Version}, deployed {s.Deployment}; `mlops serve` serves it");
        }

        Console.WriteLine($"  results: {s.Artifacts.Results}");
        Console.WriteLine($"  history: {s.Artifacts.History}");
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(s, CliEnvironment.Json));
        }
    }
}
