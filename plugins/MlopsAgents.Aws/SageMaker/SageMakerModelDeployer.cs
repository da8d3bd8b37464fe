using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.Http;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Aws.SageMaker;

/// <summary>Which registered model goes to which endpoint, and how traffic moves to it.</summary>
public sealed record SageMakerDeployOptions
{
    public required string ModelName { get; init; }

    /// <summary>The registered version; null deploys the newest.</summary>
    public string? Version { get; init; }

    /// <summary>The endpoint; null uses the model name (underscores become hyphens, as SageMaker names require).</summary>
    public string? EndpointName { get; init; }

    public TrafficShift Shift { get; init; } = TrafficShift.Canary;
    public int StepPercent { get; init; } = 10;
    public int WaitIntervalInSeconds { get; init; } = 600;
}

/// <summary>A deployment SageMaker accepted and is carrying out: the version, its package, the endpoint and config, not yet settled.</summary>
public sealed record SageMakerDeployStart(
    string ModelName, string Version, string EndpointName, string ModelPackageArn, string InstanceType, SageMakerDeploymentResult Deployment,
    TrafficShift Shift, int StepPercent, int WaitIntervalInSeconds)
{
    /// <summary>Where the registry keeps the version's artifacts (the deployment record goes there).</summary>
    public required string ArtifactPrefix { get; init; }

    /// <summary>The deployment record as written at the start (models/{name}/{version}/sagemaker_deployment.json), not yet settled.</summary>
    public string Record { get; init; } = string.Empty;
}

/// <summary>What a deployment did and how the endpoint settled.</summary>
public sealed record SageMakerDeploySummary(
    string ModelName, string Version, string EndpointName, string ModelPackageArn, string InstanceType, bool Created,
    TrafficShift Shift, IReadOnlyList<string> RollbackAlarms, EndpointOutcome Outcome, string Record)
{
    public int StepPercent { get; init; }
    public int WaitIntervalInSeconds { get; init; }
}

/// <summary>
/// <c>mlops deploy</c> on SageMaker: takes a version that a SageMaker run registered as a model package and puts it on an
/// endpoint through <see cref="SageMakerDeploymentService"/>: a new endpoint is created; an existing one is updated
/// blue/green with canary or linear traffic shifting and rolled back by SageMaker when its 5xx or latency alarm fires.
/// It waits until the endpoint settles and says which way it went.
/// </summary>
public sealed class SageMakerModelDeployer(
    MlopsContext context, SageMakerDeploymentService deployment, string executionRoleArn, IReadOnlyList<string> alarmActions, RetryDelay wait, TimeSpan pollInterval)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>
    /// How a request's deployment_strategy maps onto SageMaker's guardrails: canary → canary, direct and blue_green →
    /// all at once (blue/green with one shift); ab_test and shadow have no guardrail equivalent, so null (not deployed).
    /// </summary>
    public static TrafficShift? ShiftFor(string deploymentStrategy) => deploymentStrategy switch
    {
        DeploymentStrategies.Canary => TrafficShift.Canary,
        DeploymentStrategies.Direct or DeploymentStrategies.BlueGreen => TrafficShift.AllAtOnce,
        _ => null,
    };

    /// <summary>A deployment strategy as `mlops deploy --strategy` and deploy_to_endpoint take it: canary, linear or all_at_once; null for anything else.</summary>
    public static TrafficShift? ParseShift(string? strategy) => strategy?.Trim().ToLowerInvariant() switch
    {
        "canary" => TrafficShift.Canary,
        "linear" => TrafficShift.Linear,
        "all_at_once" or "all-at-once" => TrafficShift.AllAtOnce,
        _ => null,
    };

    public async Task<SageMakerDeploySummary> DeployAsync(SageMakerDeployOptions options, CancellationToken cancellationToken = default)
    {
        var started = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        var (version, endpointName, packageArn, instanceType, result) = (started.Version, started.EndpointName, started.ModelPackageArn, started.InstanceType, started.Deployment);

        // A guardrail deployment takes its bake steps plus the termination wait; six hours covers the largest allowed.
        var maxPolls = (int)Math.Ceiling(TimeSpan.FromHours(6) / TimeSpan.FromSeconds(Math.Max(1, pollInterval.TotalSeconds)));
        var outcome = await deployment.WaitAsync(endpointName, result.EndpointConfigName, wait, pollInterval, maxPolls, cancellationToken).ConfigureAwait(false);

        var recordRef = await RecordAsync(started, outcome, cancellationToken).ConfigureAwait(false);
        return new SageMakerDeploySummary(options.ModelName, version, endpointName, packageArn, instanceType, result.Created, options.Shift, result.RollbackAlarms, outcome, recordRef.Location)
        {
            StepPercent = options.StepPercent,
            WaitIntervalInSeconds = options.WaitIntervalInSeconds,
        };
    }

    /// <summary>
    /// Checks the version is a SageMaker model package and starts its deployment (CreateModel, CreateEndpointConfig, the
    /// rollback alarms, then CreateEndpoint or UpdateEndpoint), returning without waiting for the endpoint to settle.
    /// </summary>
    public async Task<SageMakerDeployStart> StartAsync(SageMakerDeployOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var versions = context.Registry.ListModelVersions(options.ModelName);
        if (versions.Count == 0)
        {
            throw new RequestValidationException("MODEL", options.ModelName, "a model registered by `mlops run` (none of that name is in the registry)");
        }

        var version = options.Version ?? versions[0].Version;
        var record = versions.FirstOrDefault(v => v.Version == version)
            ?? throw new RequestValidationException("--version", version, $"a registered version of {options.ModelName}: {string.Join(", ", versions.Select(v => v.Version))}");
        var metadataKey = record.ArtifactPrefix + "sagemaker_model.json";
        if (!await context.Store.ExistsAsync(metadataKey, cancellationToken).ConfigureAwait(false))
        {
            throw new RequestValidationException("MODEL", $"{options.ModelName} {version}",
                "a version trained on SageMaker (MLOPS_TRAINING_BACKEND=sagemaker); this one was trained locally, and `mlops serve` serves it");
        }

        var metadata = JsonNode.Parse(await context.Store.ReadTextAsync(metadataKey, cancellationToken).ConfigureAwait(false))!;
        var packageArn = metadata["model_package_arn"]?.GetValue<string>()
            ?? throw new RequestValidationException("MODEL", $"{options.ModelName} {version}",
                "a version registered as a SageMaker model package (MLOPS_MODEL_REGISTRY=sagemaker when it was trained)");
        var instanceType = metadata["inference_instance_type"]?.GetValue<string>() ?? "ml.m5.large";
        var endpointName = options.EndpointName ?? options.ModelName.Replace('_', '-');
        SageMakerClient.ValidateName("--endpoint", endpointName);

        var result = await deployment.DeployAsync(new SageMakerDeploymentRequest
        {
            EndpointName = endpointName,
            ModelPackageArn = packageArn,
            Version = version,
            ExecutionRoleArn = executionRoleArn,
            InstanceType = instanceType,
            Shift = options.Shift,
            StepPercent = options.StepPercent,
            WaitIntervalInSeconds = options.WaitIntervalInSeconds,
            AlarmActions = alarmActions,
        }, cancellationToken).ConfigureAwait(false);

        var started = new SageMakerDeployStart(options.ModelName, version, endpointName, packageArn, instanceType, result, options.Shift, options.StepPercent, options.WaitIntervalInSeconds)
        {
            ArtifactPrefix = record.ArtifactPrefix,
        };

        // Recorded as soon as SageMaker accepted it, so a deployment whose caller does not wait (deploy_to_endpoint) is on record too.
        var recordRef = await RecordAsync(started, null, cancellationToken).ConfigureAwait(false);
        return started with { Record = recordRef.Location };
    }

    /// <summary>
    /// Writes the version's deployment record, models/{name}/{version}/sagemaker_deployment.json: when the deployment
    /// starts (settled false, the endpoint Creating or Updating) and again with how the endpoint settled.
    /// </summary>
    public async Task<ArtifactRef> RecordAsync(SageMakerDeployStart started, EndpointOutcome? outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(started);
        var result = started.Deployment;
        var recordJson = new JsonObject
        {
            ["model"] = started.ModelName,
            ["version"] = started.Version,
            ["endpoint"] = started.EndpointName,
            ["endpoint_config"] = result.EndpointConfigName,
            ["model_package_arn"] = started.ModelPackageArn,
            ["instance_type"] = started.InstanceType,
            ["created"] = result.Created,
            ["shift"] = started.Shift.ToString(),
            ["step_percent"] = started.StepPercent,
            ["wait_interval_seconds"] = started.WaitIntervalInSeconds,
            ["rollback_alarms"] = new JsonArray([.. result.RollbackAlarms.Select(a => (JsonNode?)a)]),
            ["status"] = outcome?.Endpoint.Status ?? (result.Created ? "Creating" : "Updating"),
            ["settled"] = outcome is not null,
            ["deployed"] = outcome?.Deployed,
            ["rolled_back"] = outcome?.RolledBack,
            ["failure_reason"] = outcome?.Endpoint.FailureReason,
            ["at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        return await context.Store.PutTextAsync(started.ArtifactPrefix + "sagemaker_deployment.json", recordJson.ToJsonString(JsonOptions), cancellationToken).ConfigureAwait(false);
    }
}
