using System.CommandLine;
using System.Globalization;
using MlopsAgents.Aws.Configuration;
using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Cli.Commands;

/// <summary><c>mlops deploy MODEL</c>: a SageMaker-trained version onto a SageMaker endpoint with deployment guardrails (MLOPS_DEPLOY_BACKEND=sagemaker).</summary>
internal static class DeployCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "Registered model name." };
        var version = new Option<string?>("--version") { Description = "Registered version (default: the newest)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "Endpoint name (default: the model name)." };
        var strategy = new Option<string>("--strategy") { Description = "How an existing endpoint shifts traffic: canary, linear or all_at_once.", DefaultValueFactory = _ => "canary" };
        var step = new Option<int>("--step-percent") { Description = "Canary size or linear step, percent of capacity (1-99).", DefaultValueFactory = _ => 10 };
        var bake = new Option<int>("--wait-interval") { Description = "Seconds each step bakes before the next (0-3600).", DefaultValueFactory = _ => 600 };
        var command = new Command("deploy", "Deploy a SageMaker-trained model version to a SageMaker endpoint: canary or linear traffic shifting, rolled back by its 5xx and latency alarms (MLOPS_DEPLOY_BACKEND=sagemaker).")
        {
            model, version, endpoint, strategy, step, bake,
        };
        command.SetAction(async (parse, ct) =>
        {
            var shift = SageMakerModelDeployer.ParseShift(parse.GetValue(strategy));
            if (shift is null)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"--strategy: '{parse.GetValue(strategy)}' → canary, linear or all_at_once");
            }

            var percent = parse.GetValue(step);
            if (percent is < 1 or > 99)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, string.Create(CultureInfo.InvariantCulture, $"--step-percent: '{percent}' → 1 to 99"));
            }

            var seconds = parse.GetValue(bake);
            if (seconds is < 0 or > 3600)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, string.Create(CultureInfo.InvariantCulture, $"--wait-interval: '{seconds}' → 0 to 3600 seconds"));
            }

            var backends = AwsBackendOptions.FromEnvironment();
            var context = CliEnvironment.Context();
            using var http = new HttpClient();
            var deployer = AwsBackends.CreateSageMakerDeployer(backends, context, http);
            SageMakerDeploySummary s;
            try
            {
                s = await deployer.DeployAsync(new SageMakerDeployOptions
                {
                    ModelName = parse.GetValue(model)!,
                    Version = parse.GetValue(version),
                    EndpointName = parse.GetValue(endpoint),
                    Shift = shift.Value,
                    StepPercent = percent,
                    WaitIntervalInSeconds = seconds,
                }, ct);
            }
            catch (RequestValidationException e)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }
            catch (ArgumentException e)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }
            catch (AwsServiceException e)
            {
                return CliEnvironment.Fail(1, e.Message);
            }
            catch (HttpRequestException e)
            {
                return CliEnvironment.Fail(1, e.Message);
            }

            return Report(s);
        });
        return command;
    }

    /// <summary>Prints a deployment and turns how the endpoint settled into the exit code (a rollback or failure is 1).</summary>
    public static int Report(SageMakerDeploySummary s)
    {
        var how = s.Created ? "created" : $"updated ({s.Shift.ToString().ToLowerInvariant()}, {s.StepPercent.ToString(CultureInfo.InvariantCulture)}% steps every {s.WaitIntervalInSeconds.ToString(CultureInfo.InvariantCulture)} s)";
        Console.WriteLine($"{s.ModelName} {s.Version} → SageMaker endpoint {s.EndpointName}: {how} on {s.InstanceType}");
        Console.WriteLine($"  model package: {s.ModelPackageArn}");
        Console.WriteLine($"  rollback alarms: {string.Join(", ", s.RollbackAlarms)}");
        Console.WriteLine($"  record: {s.Record}");
        if (s.Outcome.Deployed)
        {
            Console.WriteLine($"  {s.EndpointName}: InService on {s.Outcome.Endpoint.EndpointConfigName}");
            return CliEnvironment.Ok;
        }

        return CliEnvironment.Fail(1, s.Outcome.RolledBack
            ? $"SageMaker rolled {s.EndpointName} back to {s.Outcome.Endpoint.EndpointConfigName}: a rollback alarm ({string.Join(", ", s.RollbackAlarms)}) fired during the traffic shift{(s.Outcome.Endpoint.FailureReason is { } why ? ": " + why : "")}"
            : $"SageMaker endpoint {s.EndpointName} ended {s.Outcome.Endpoint.Status}: {s.Outcome.Endpoint.FailureReason ?? "SageMaker gave no FailureReason"}");
    }
}
