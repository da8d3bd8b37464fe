using MlopsAgents.Aws.CloudWatch;
using MlopsAgents.Aws.Http;

namespace MlopsAgents.Aws.SageMaker;

/// <summary>What to deploy: a registered, approved model package onto an endpoint, and how carefully.</summary>
public sealed record SageMakerDeploymentRequest
{
    public required string EndpointName { get; init; }
    public required string ModelPackageArn { get; init; }

    /// <summary>The project's semantic version; it names the model and endpoint config (dots become hyphens).</summary>
    public required string Version { get; init; }

    public required string ExecutionRoleArn { get; init; }
    public required string InstanceType { get; init; }
    public int InstanceCount { get; init; } = 1;
    public TrafficShift Shift { get; init; } = TrafficShift.Canary;
    public int StepPercent { get; init; } = 10;
    public int WaitIntervalInSeconds { get; init; } = 600;

    /// <summary>SNS topic the rollback alarms notify (the workflow stack's alarm topic).</summary>
    public IReadOnlyList<string> AlarmActions { get; init; } = [];
}

/// <summary>How an endpoint settled after a deployment: on the new config, rolled back to the old one, or failed.</summary>
public sealed record EndpointOutcome(EndpointDescription Endpoint, bool Deployed, bool RolledBack, int Polls);

/// <summary>The resources a deployment created or changed.</summary>
public sealed record SageMakerDeploymentResult(string EndpointName, string ModelName, string EndpointConfigName, bool Created, IReadOnlyList<string> RollbackAlarms);

/// <summary>
/// The registry and endpoint flows on SageMaker: register a version as a model package (creating its group on first
/// use), approve or reject it, and deploy an approved package with deployment guardrails: canary or linear traffic
/// shifting on an existing endpoint, rolled back automatically when the endpoint's 5xx or latency alarm fires.
/// </summary>
public sealed class SageMakerDeploymentService(SageMakerClient sagemaker, CloudWatchClient cloudWatch)
{
    /// <summary>Creates the group if needed, then a package version pending manual approval; returns the package ARN.</summary>
    /// <param name="environment">The inference container's environment, e.g. <see cref="ScriptModeJob.InferenceEnvironment"/> for a script-mode model.</param>
    public async Task<string> RegisterAsync(string groupName, string description, string imageUri, string modelDataS3Uri, IReadOnlyDictionary<string, string> metadata,
        IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        try
        {
            await sagemaker.CreateModelPackageGroupAsync(groupName, description, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.Conflict || e.AwsMessage?.Contains("already exists", StringComparison.OrdinalIgnoreCase) == true)
        {
            // Every version after the first lands in the existing group.
        }

        return await sagemaker.CreateModelPackageAsync(groupName, imageUri, modelDataS3Uri, ModelApprovalStatus.PendingManualApproval, description, metadata, environment, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records the Judge's or a person's decision on a package.</summary>
    public Task<string> DecideAsync(string modelPackageArn, bool approved, string reason, CancellationToken cancellationToken = default) =>
        sagemaker.UpdateModelPackageApprovalAsync(modelPackageArn, approved ? ModelApprovalStatus.Approved : ModelApprovalStatus.Rejected, reason, cancellationToken);

    /// <summary>Deploys a package: a new endpoint is created at once; an existing one shifts traffic under the guardrails.</summary>
    public async Task<SageMakerDeploymentResult> DeployAsync(SageMakerDeploymentRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var suffix = request.Version.Replace('.', '-').Replace('+', '-');
        var modelName = $"{request.EndpointName}-{suffix}";
        await sagemaker.CreateModelAsync(modelName, request.ModelPackageArn, request.ExecutionRoleArn, cancellationToken).ConfigureAwait(false);
        await sagemaker.CreateEndpointConfigAsync(modelName, modelName, request.InstanceType, request.InstanceCount, cancellationToken: cancellationToken).ConfigureAwait(false);

        var alarms = RollbackAlarms(request);
        foreach (var alarm in alarms)
        {
            await cloudWatch.PutMetricAlarmAsync(alarm, cancellationToken).ConfigureAwait(false);
        }

        var alarmNames = alarms.Select(a => a.AlarmName).ToList();
        if (await sagemaker.DescribeEndpointStatusAsync(request.EndpointName, cancellationToken).ConfigureAwait(false) is null)
        {
            await sagemaker.CreateEndpointAsync(request.EndpointName, modelName, cancellationToken).ConfigureAwait(false);
            return new SageMakerDeploymentResult(request.EndpointName, modelName, modelName, Created: true, alarmNames);
        }

        var guardrails = new DeploymentGuardrails(request.Shift, request.StepPercent, request.WaitIntervalInSeconds, alarmNames, TerminationWaitInSeconds: 300);
        await sagemaker.UpdateEndpointAsync(request.EndpointName, modelName, guardrails, cancellationToken).ConfigureAwait(false);
        return new SageMakerDeploymentResult(request.EndpointName, modelName, modelName, Created: false, alarmNames);
    }

    /// <summary>
    /// Polls DescribeEndpoint until the endpoint settles (neither Creating, Updating, SystemUpdating nor RollingBack).
    /// It settled on the deployment when it is InService on <paramref name="configName"/>; InService on another config
    /// means the guardrails rolled the update back (a rollback alarm fired); Failed carries SageMaker's FailureReason.
    /// </summary>
    public async Task<EndpointOutcome> WaitAsync(string endpointName, string configName, RetryDelay wait, TimeSpan pollInterval, int maxPolls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wait);
        for (var polls = 1; ; polls++)
        {
            var endpoint = await sagemaker.DescribeEndpointAsync(endpointName, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"SageMaker endpoint {endpointName} disappeared while its deployment was in progress.");
            if (endpoint.Status is not ("Creating" or "Updating" or "SystemUpdating" or "RollingBack"))
            {
                var deployed = endpoint.Status == "InService" && endpoint.EndpointConfigName == configName;
                var rolledBack = endpoint.Status == "InService" && !deployed;
                return new EndpointOutcome(endpoint, deployed, rolledBack, polls);
            }

            if (polls >= maxPolls)
            {
                throw new TimeoutException($"SageMaker endpoint {endpointName} is still {endpoint.Status} after {polls} polls.");
            }

            await wait(pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The alarms whose ALARM state rolls a deployment back: invocation 5xx errors and p99 model latency on the endpoint.</summary>
    private static IReadOnlyList<MetricAlarm> RollbackAlarms(SageMakerDeploymentRequest request)
    {
        var dimensions = new Dictionary<string, string> { ["EndpointName"] = request.EndpointName, ["VariantName"] = "AllTraffic" };
        return
        [
            new MetricAlarm($"mlops-{request.EndpointName}-5xx", $"Invocation 5xx errors on {request.EndpointName}; rolls a deployment back.",
                "AWS/SageMaker", "Invocation5XXErrors", dimensions, "Sum", 60, 2, 1, "GreaterThanOrEqualToThreshold", request.AlarmActions),
            new MetricAlarm($"mlops-{request.EndpointName}-latency", $"Average model latency on {request.EndpointName} above 1 s; rolls a deployment back.",
                "AWS/SageMaker", "ModelLatency", dimensions, "Average", 60, 3, 1_000_000, "GreaterThanThreshold", request.AlarmActions),
        ];
    }
}
