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
            if (backends.Workflow != WorkflowBackend.Local)
            {
                // mlops run is the in-process pipeline; the Step Functions workflow is started by `mlops workflow start`.
                return CliEnvironment.Fail(CliEnvironment.InvalidInput,
                    "MLOPS_WORKFLOW_BACKEND='stepfunctions' → `mlops workflow start ISSUE.md` starts the workflow on Step Functions; `mlops run` runs the phases in this process and needs MLOPS_WORKFLOW_BACKEND=local (or unset).");
            }

            if (backends.Training == TrainingBackend.SageMaker)
            {
                if (parse.GetValue(serve))
                {
                    return CliEnvironment.Fail(CliEnvironment.InvalidInput,
                        "--serve: MLOPS_TRAINING_BACKEND=sagemaker trains SageMaker XGBoost models, which the local prediction server cannot load; drop --serve.");
                }

                return await SageMakerRun.RunAsync(backends, parse.GetValue(issue)!, parse.GetValue(json), ct);
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
