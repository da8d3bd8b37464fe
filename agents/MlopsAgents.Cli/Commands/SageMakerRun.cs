using System.Globalization;
using System.Text.Json;
using MlopsAgents.Aws.Configuration;
using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Cli.Commands;

/// <summary><c>mlops run ISSUE.md</c> with MLOPS_TRAINING_BACKEND=sagemaker: phase 1 here, training on SageMaker, the Judge on SageMaker's metric.</summary>
internal static class SageMakerRun
{
    public static async Task<int> RunAsync(AwsBackendOptions backends, string issuePath, bool json, CancellationToken ct)
    {
        if (!File.Exists(issuePath))
        {
            return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"ISSUE: '{issuePath}' → an existing Markdown file");
        }

        var context = CliEnvironment.Context();
        using var http = new HttpClient();
        var pipeline = AwsBackends.CreateSageMakerPipeline(backends, context, http, CliEnvironment.Progress);
        SageMakerRunSummary summary;
        try
        {
            var parsed = TrainingRequestParser.Parse(await File.ReadAllBytesAsync(issuePath, ct), new RequestParseOptions { DataRoot = context.DataRoot });
            if (!parsed.IsValid)
            {
                throw new RequestValidationException(parsed.Errors);
            }

            summary = await pipeline.RunAsync(parsed.Request!, Path.GetFileName(issuePath), ct);
        }
        catch (RequestValidationException e)
        {
            return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
        }
        catch (SageMakerJobFailedException e)
        {
            return CliEnvironment.Fail(1, e.Message);
        }
        catch (AwsServiceException e)
        {
            return CliEnvironment.Fail(1, e.Message);
        }
        catch (HttpRequestException e)
        {
            return CliEnvironment.Fail(1, e.Message);
        }

        Print(summary, json);
        if (!summary.Passed)
        {
            return CliEnvironment.NotPassed;
        }

        return backends.Deploy == DeployBackend.SageMaker ? await DeployAsync(backends, context, http, summary, ct) : CliEnvironment.Ok;
    }

    /// <summary>Phase 5's deployment on SageMaker: the passing version onto its endpoint, as `mlops deploy` would with the request's strategy.</summary>
    private static async Task<int> DeployAsync(AwsBackendOptions backends, Plugins.MlopsContext context, HttpClient http, SageMakerRunSummary summary, CancellationToken ct)
    {
        if (SageMakerModelDeployer.ShiftFor(summary.DeploymentStrategy) is not { } shift)
        {
            Console.WriteLine($"  not deployed: deployment_strategy {summary.DeploymentStrategy} has no SageMaker guardrail equivalent; `mlops deploy {summary.ModelName} --strategy canary|linear|all_at_once` deploys it");
            return CliEnvironment.Ok;
        }

        var deployer = AwsBackends.CreateSageMakerDeployer(backends, context, http);
        try
        {
            var d = await deployer.DeployAsync(new SageMakerDeployOptions { ModelName = summary.ModelName!, Version = summary.ModelVersion, Shift = shift }, ct);
            return DeployCommand.Report(d);
        }
        catch (AwsServiceException e)
        {
            return CliEnvironment.Fail(1, e.Message);
        }
        catch (HttpRequestException e)
        {
            return CliEnvironment.Fail(1, e.Message);
        }
    }

    private static void Print(SageMakerRunSummary s, bool json)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"training {s.TrainingId}: {s.Decision.ToUpperInvariant()} (trained on SageMaker)");
        Console.WriteLine($"  {s.Reason}");
        foreach (var (name, value) in s.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            Console.WriteLine(string.Create(inv, $"  {name,-20} {value:0.0000}"));
        }

        var r = s.Resources;
        Console.WriteLine(string.Create(inv, $"  sagemaker job: {s.JobName} {s.JobStatus}, {r.TrainingInstanceCount} x {r.TrainingInstanceType}{(r.UseSpot ? " spot with checkpoints" : " on demand")}, billable {(s.BillableTimeInSeconds is { } b ? b.ToString(inv) + " s" : "not reported")}"));
        Console.WriteLine(string.Create(inv, $"  model artifact: {s.ModelArtifact} ({s.ModelArtifactBytes} bytes, sha256 {s.ModelArtifactSha256})"));
        if (s.ModelName is not null)
        {
            Console.WriteLine(s.ModelPackageArn is null
                ? $"  model: {s.ModelName} {s.ModelVersion} (registered locally; MLOPS_MODEL_REGISTRY=sagemaker also records a SageMaker model package)"
                : $"  model: {s.ModelName} {s.ModelVersion}, SageMaker model package {s.ModelPackageArn} {s.ModelPackageStatus}");
        }

        Console.WriteLine($"  results: {s.Results}");
        Console.WriteLine($"  history: {s.History}");
        Console.WriteLine("  not done on SageMaker runs:");
        foreach (var line in s.NotDone)
        {
            Console.WriteLine("    - " + line);
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(s, CliEnvironment.Json));
        }
    }
}
