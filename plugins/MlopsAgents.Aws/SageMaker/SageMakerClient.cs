using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsAgents.Aws.Http;

namespace MlopsAgents.Aws.SageMaker;

/// <summary>
/// The SageMaker operations the project uses, built as the SageMaker API reference documents them (awsJson1_1,
/// X-Amz-Target SageMaker.&lt;Operation&gt;): training jobs, the model registry and endpoints with deployment guardrails.
/// </summary>
public sealed partial class SageMakerClient(AwsJsonClient client)
{
    private static readonly AwsService Service = AwsService.SageMaker;

    /// <summary>The region the client signs for; it picks the built-in algorithms' image registry.</summary>
    public string Region => client.Options.Region;

    /// <summary>The shared JSON client, for services that go along with SageMaker (CloudWatch alarms of an endpoint).</summary>
    public AwsJsonClient JsonClient => client;

    /// <summary>CreateTrainingJob; returns the TrainingJobArn.</summary>
    public async Task<string> CreateTrainingJobAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default)
    {
        var request = BuildCreateTrainingJob(spec, client.Options.Region);
        var response = await client.InvokeAsync(Service, "CreateTrainingJob", request, cancellationToken).ConfigureAwait(false);
        return Required(response, "TrainingJobArn", "CreateTrainingJob");
    }

    /// <summary>The CreateTrainingJob body; public so that the CLI's dry runs can show it.</summary>
    public static JsonObject BuildCreateTrainingJob(TrainingJobSpec spec, string region)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ValidateName("TrainingJobName", spec.JobName);
        ValidateS3Uri("OutputDataConfig.S3OutputPath", spec.OutputS3Uri);
        if (spec.Channels.Count == 0)
        {
            throw new ArgumentException("TrainingJobSpec.Channels is empty; a training job needs at least a 'train' channel.", nameof(spec));
        }

        if (spec.Algorithm == TrainingAlgorithm.Script && spec.Script is null)
        {
            throw new ArgumentException("TrainingJobSpec.Script is required when Algorithm is Script (entry point and source tarball).", nameof(spec));
        }

        if (spec.InstanceCount < 1)
        {
            throw new ArgumentException($"TrainingJobSpec.InstanceCount {spec.InstanceCount} must be at least 1.", nameof(spec));
        }

        var hyperParameters = new JsonObject();
        foreach (var (name, value) in spec.HyperParameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            // Framework containers read hyperparameters as JSON values (the SageMaker Python SDK json-encodes them); built-ins take plain strings.
            hyperParameters[name] = spec.Algorithm == TrainingAlgorithm.Script ? JsonSerializer.Serialize(value) : value;
        }

        var image = spec.Script?.ImageUri ?? BuiltInAlgorithmImages.TrainingImage(spec.Algorithm, region);
        if (spec.Algorithm == TrainingAlgorithm.Script)
        {
            hyperParameters["sagemaker_program"] = JsonSerializer.Serialize(spec.Script!.EntryPoint);
            hyperParameters["sagemaker_submit_directory"] = JsonSerializer.Serialize(spec.Script.SourceTarballS3Uri);
            hyperParameters["sagemaker_region"] = JsonSerializer.Serialize(region);
        }

        var algorithmSpecification = new JsonObject { ["TrainingImage"] = image, ["TrainingInputMode"] = "File" };
        if (spec.Script is { MetricDefinitions.Count: > 0 } script)
        {
            algorithmSpecification["MetricDefinitions"] = MetricDefinitions(script.MetricDefinitions);
        }

        var stopping = new JsonObject { ["MaxRuntimeInSeconds"] = spec.MaxRuntimeInSeconds };
        var request = new JsonObject
        {
            ["TrainingJobName"] = spec.JobName,
            ["AlgorithmSpecification"] = algorithmSpecification,
            ["RoleArn"] = spec.RoleArn,
            ["InputDataConfig"] = new JsonArray(spec.Channels.Select(c =>
            {
                ValidateS3Uri($"InputDataConfig[{c.Name}].S3Uri", c.S3Uri);
                return (JsonNode)new JsonObject
                {
                    ["ChannelName"] = c.Name,
                    ["DataSource"] = new JsonObject
                    {
                        ["S3DataSource"] = new JsonObject { ["S3DataType"] = "S3Prefix", ["S3Uri"] = c.S3Uri, ["S3DataDistributionType"] = "FullyReplicated" },
                    },
                    ["ContentType"] = c.ContentType,
                };
            }).ToArray()),
            ["OutputDataConfig"] = spec.OutputKmsKeyId is null
                ? new JsonObject { ["S3OutputPath"] = spec.OutputS3Uri }
                : new JsonObject { ["S3OutputPath"] = spec.OutputS3Uri, ["KmsKeyId"] = spec.OutputKmsKeyId },
            ["ResourceConfig"] = new JsonObject { ["InstanceType"] = spec.InstanceType, ["InstanceCount"] = spec.InstanceCount, ["VolumeSizeInGB"] = spec.VolumeSizeInGb },
            ["StoppingCondition"] = stopping,
            ["HyperParameters"] = hyperParameters,
        };
        if (spec.Spot is { } spot)
        {
            if (spot.MaxWaitTimeInSeconds < spec.MaxRuntimeInSeconds)
            {
                throw new ArgumentException(
                    $"Spot MaxWaitTimeInSeconds {spot.MaxWaitTimeInSeconds} is below MaxRuntimeInSeconds {spec.MaxRuntimeInSeconds}; SageMaker requires wait >= runtime for managed spot training.",
                    nameof(spec));
            }

            ValidateS3Uri("CheckpointConfig.S3Uri", spot.CheckpointS3Uri);
            request["EnableManagedSpotTraining"] = true;
            stopping["MaxWaitTimeInSeconds"] = spot.MaxWaitTimeInSeconds;
            request["CheckpointConfig"] = new JsonObject { ["S3Uri"] = spot.CheckpointS3Uri, ["LocalPath"] = spot.CheckpointLocalPath };
        }

        if (spec.Tags.Count > 0)
        {
            request["Tags"] = Tags(spec.Tags);
        }

        return request;
    }

    public async Task<TrainingJobDescription> DescribeTrainingJobAsync(string jobName, CancellationToken cancellationToken = default)
    {
        ValidateName("TrainingJobName", jobName);
        var response = await client.InvokeAsync(Service, "DescribeTrainingJob", new JsonObject { ["TrainingJobName"] = jobName }, cancellationToken).ConfigureAwait(false);
        return new TrainingJobDescription(
            Required(response, "TrainingJobName", "DescribeTrainingJob"),
            Required(response, "TrainingJobStatus", "DescribeTrainingJob"),
            response["SecondaryStatus"]?.GetValue<string>(),
            response["FailureReason"]?.GetValue<string>(),
            response["ModelArtifacts"]?["S3ModelArtifacts"]?.GetValue<string>(),
            response["TrainingTimeInSeconds"]?.GetValue<long>(),
            response["BillableTimeInSeconds"]?.GetValue<long>())
        {
            FinalMetrics = FinalMetrics(response["FinalMetricDataList"] as JsonArray),
        };
    }

    /// <summary>FinalMetricDataList entries ({MetricName, Value, Timestamp}) by name; a repeated name keeps its last value.</summary>
    private static Dictionary<string, double> FinalMetrics(JsonArray? list)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var item in list ?? [])
        {
            if (item?["MetricName"]?.GetValue<string>() is { } name && item["Value"] is { } value)
            {
                metrics[name] = value.GetValue<double>();
            }
        }

        return metrics;
    }

    /// <summary>CreateModelPackageGroup: one group per registered model; returns the ModelPackageGroupArn.</summary>
    public async Task<string> CreateModelPackageGroupAsync(string groupName, string description, CancellationToken cancellationToken = default)
    {
        ValidateName("ModelPackageGroupName", groupName);
        var response = await client.InvokeAsync(Service, "CreateModelPackageGroup",
            new JsonObject { ["ModelPackageGroupName"] = groupName, ["ModelPackageGroupDescription"] = description }, cancellationToken).ConfigureAwait(false);
        return Required(response, "ModelPackageGroupArn", "CreateModelPackageGroup");
    }

    /// <summary>CreateModelPackage: a versioned package in the group, with its inference container and approval status.</summary>
    /// <param name="environment">The inference container's environment (a script-mode model names its entry point there).</param>
    public async Task<string> CreateModelPackageAsync(
        string groupName, string imageUri, string modelDataS3Uri, ModelApprovalStatus approval, string description,
        IReadOnlyDictionary<string, string>? metadata = null, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        ValidateName("ModelPackageGroupName", groupName);
        ValidateS3Uri("InferenceSpecification.Containers[0].ModelDataUrl", modelDataS3Uri);
        var container = new JsonObject { ["Image"] = imageUri, ["ModelDataUrl"] = modelDataS3Uri };
        if (environment is { Count: > 0 })
        {
            container["Environment"] = new JsonObject(environment.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        }

        var request = new JsonObject
        {
            ["ModelPackageGroupName"] = groupName,
            ["ModelPackageDescription"] = description,
            ["ModelApprovalStatus"] = approval.ToString(),
            ["InferenceSpecification"] = new JsonObject
            {
                ["Containers"] = new JsonArray(container),
                ["SupportedContentTypes"] = new JsonArray("text/csv", "application/json"),
                ["SupportedResponseMIMETypes"] = new JsonArray("text/csv", "application/json"),
            },
        };
        if (metadata is { Count: > 0 })
        {
            var properties = new JsonObject();
            foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                properties[key] = value;
            }

            request["CustomerMetadataProperties"] = properties;
        }

        var response = await client.InvokeAsync(Service, "CreateModelPackage", request, cancellationToken).ConfigureAwait(false);
        return Required(response, "ModelPackageArn", "CreateModelPackage");
    }

    /// <summary>UpdateModelPackage with a new ModelApprovalStatus (approve or reject a version).</summary>
    public async Task<string> UpdateModelPackageApprovalAsync(string modelPackageArn, ModelApprovalStatus approval, string? approvalDescription = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPackageArn);
        var request = new JsonObject { ["ModelPackageArn"] = modelPackageArn, ["ModelApprovalStatus"] = approval.ToString() };
        if (approvalDescription is not null)
        {
            request["ApprovalDescription"] = approvalDescription;
        }

        var response = await client.InvokeAsync(Service, "UpdateModelPackage", request, cancellationToken).ConfigureAwait(false);
        return Required(response, "ModelPackageArn", "UpdateModelPackage");
    }

    /// <summary>CreateModel from an approved model package; returns the ModelArn.</summary>
    public async Task<string> CreateModelAsync(string modelName, string modelPackageArn, string executionRoleArn, CancellationToken cancellationToken = default)
    {
        ValidateName("ModelName", modelName);
        var response = await client.InvokeAsync(Service, "CreateModel", new JsonObject
        {
            ["ModelName"] = modelName,
            ["ExecutionRoleArn"] = executionRoleArn,
            ["PrimaryContainer"] = new JsonObject { ["ModelPackageName"] = modelPackageArn },
        }, cancellationToken).ConfigureAwait(false);
        return Required(response, "ModelArn", "CreateModel");
    }

    /// <summary>CreateEndpointConfig with one production variant; returns the EndpointConfigArn.</summary>
    public async Task<string> CreateEndpointConfigAsync(string configName, string modelName, string instanceType, int instanceCount, string? kmsKeyId = null, CancellationToken cancellationToken = default)
    {
        ValidateName("EndpointConfigName", configName);
        if (instanceCount < 1)
        {
            throw new ArgumentException($"InitialInstanceCount {instanceCount} must be at least 1.", nameof(instanceCount));
        }

        var request = new JsonObject
        {
            ["EndpointConfigName"] = configName,
            ["ProductionVariants"] = new JsonArray(new JsonObject
            {
                ["VariantName"] = "AllTraffic",
                ["ModelName"] = modelName,
                ["InstanceType"] = instanceType,
                ["InitialInstanceCount"] = instanceCount,
                ["InitialVariantWeight"] = 1.0,
            }),
        };
        if (kmsKeyId is not null)
        {
            request["KmsKeyId"] = kmsKeyId;
        }

        var response = await client.InvokeAsync(Service, "CreateEndpointConfig", request, cancellationToken).ConfigureAwait(false);
        return Required(response, "EndpointConfigArn", "CreateEndpointConfig");
    }

    /// <summary>CreateEndpoint; returns the EndpointArn.</summary>
    public async Task<string> CreateEndpointAsync(string endpointName, string configName, CancellationToken cancellationToken = default)
    {
        ValidateName("EndpointName", endpointName);
        var response = await client.InvokeAsync(Service, "CreateEndpoint",
            new JsonObject { ["EndpointName"] = endpointName, ["EndpointConfigName"] = configName }, cancellationToken).ConfigureAwait(false);
        return Required(response, "EndpointArn", "CreateEndpoint");
    }

    /// <summary>DescribeEndpoint's status, or null when the endpoint does not exist (SageMaker answers "Could not find endpoint" as a ValidationException).</summary>
    public async Task<string?> DescribeEndpointStatusAsync(string endpointName, CancellationToken cancellationToken = default)
    {
        ValidateName("EndpointName", endpointName);
        try
        {
            var response = await client.InvokeAsync(Service, "DescribeEndpoint", new JsonObject { ["EndpointName"] = endpointName }, cancellationToken).ConfigureAwait(false);
            return Required(response, "EndpointStatus", "DescribeEndpoint");
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound || (e.Kind == AwsErrorKind.Validation && e.AwsMessage?.Contains("Could not find", StringComparison.OrdinalIgnoreCase) == true))
        {
            return null;
        }
    }

    /// <summary>DescribeEndpoint: status, current config and failure reason, or null when the endpoint does not exist.</summary>
    public async Task<EndpointDescription?> DescribeEndpointAsync(string endpointName, CancellationToken cancellationToken = default)
    {
        ValidateName("EndpointName", endpointName);
        try
        {
            var r = await client.InvokeAsync(Service, "DescribeEndpoint", new JsonObject { ["EndpointName"] = endpointName }, cancellationToken).ConfigureAwait(false);
            return new EndpointDescription(
                Required(r, "EndpointName", "DescribeEndpoint"), Required(r, "EndpointStatus", "DescribeEndpoint"),
                r["EndpointConfigName"]?.GetValue<string>(), r["FailureReason"]?.GetValue<string>());
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound || (e.Kind == AwsErrorKind.Validation && e.AwsMessage?.Contains("Could not find", StringComparison.OrdinalIgnoreCase) == true))
        {
            return null;
        }
    }

    /// <summary>UpdateEndpoint to a new config through a blue/green deployment with traffic shifting and alarm rollback.</summary>
    public async Task<string> UpdateEndpointAsync(string endpointName, string configName, DeploymentGuardrails guardrails, CancellationToken cancellationToken = default)
    {
        ValidateName("EndpointName", endpointName);
        var response = await client.InvokeAsync(Service, "UpdateEndpoint", new JsonObject
        {
            ["EndpointName"] = endpointName,
            ["EndpointConfigName"] = configName,
            ["DeploymentConfig"] = BuildDeploymentConfig(guardrails),
        }, cancellationToken).ConfigureAwait(false);
        return Required(response, "EndpointArn", "UpdateEndpoint");
    }

    /// <summary>DeploymentConfig: BlueGreenUpdatePolicy.TrafficRoutingConfiguration plus AutoRollbackConfiguration.Alarms.</summary>
    public static JsonObject BuildDeploymentConfig(DeploymentGuardrails guardrails)
    {
        ArgumentNullException.ThrowIfNull(guardrails);
        if (guardrails.Shift != TrafficShift.AllAtOnce && guardrails.StepPercent is < 1 or > 99)
        {
            throw new ArgumentException($"DeploymentGuardrails.StepPercent {guardrails.StepPercent} is out of range; canary and linear steps take 1 to 99 percent of capacity.", nameof(guardrails));
        }

        if (guardrails.WaitIntervalInSeconds is < 0 or > 3600)
        {
            throw new ArgumentException($"DeploymentGuardrails.WaitIntervalInSeconds {guardrails.WaitIntervalInSeconds} is out of range; SageMaker allows 0 to 3600.", nameof(guardrails));
        }

        var routing = new JsonObject
        {
            ["Type"] = guardrails.Shift switch { TrafficShift.Canary => "CANARY", TrafficShift.Linear => "LINEAR", _ => "ALL_AT_ONCE" },
            ["WaitIntervalInSeconds"] = guardrails.WaitIntervalInSeconds,
        };
        var step = new JsonObject { ["Type"] = "CAPACITY_PERCENT", ["Value"] = guardrails.StepPercent };
        if (guardrails.Shift == TrafficShift.Canary)
        {
            routing["CanarySize"] = step;
        }
        else if (guardrails.Shift == TrafficShift.Linear)
        {
            routing["LinearStepSize"] = step;
        }

        var policy = new JsonObject { ["TrafficRoutingConfiguration"] = routing, ["TerminationWaitInSeconds"] = guardrails.TerminationWaitInSeconds };
        if (guardrails.MaximumExecutionTimeoutInSeconds is { } timeout)
        {
            policy["MaximumExecutionTimeoutInSeconds"] = timeout;
        }

        var config = new JsonObject { ["BlueGreenUpdatePolicy"] = policy };
        if (guardrails.RollbackAlarmNames.Count > 0)
        {
            config["AutoRollbackConfiguration"] = new JsonObject
            {
                ["Alarms"] = new JsonArray(guardrails.RollbackAlarmNames.Select(a => (JsonNode)new JsonObject { ["AlarmName"] = a }).ToArray()),
            };
        }

        return config;
    }

    /// <summary>MetricDefinitions as the API reference gives them: Name 1–255 characters, Regex 1–500, at most 40 per job.</summary>
    private static JsonArray MetricDefinitions(IReadOnlyList<MetricDefinition> definitions)
    {
        if (definitions.Count > 40)
        {
            throw new ArgumentException($"AlgorithmSpecification.MetricDefinitions has {definitions.Count} entries; SageMaker allows at most 40.", nameof(definitions));
        }

        foreach (var d in definitions)
        {
            if (string.IsNullOrEmpty(d.Name) || d.Name.Length > 255 || string.IsNullOrEmpty(d.Regex) || d.Regex.Length > 500)
            {
                throw new ArgumentException($"MetricDefinition '{d.Name}' is not allowed: Name takes 1-255 characters and Regex 1-500 (it has {d.Regex?.Length ?? 0}).", nameof(definitions));
            }
        }

        return new(definitions.Select(d => (JsonNode)new JsonObject { ["Name"] = d.Name, ["Regex"] = d.Regex }).ToArray());
    }

    private static JsonArray Tags(IReadOnlyDictionary<string, string> tags) =>
        new(tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (JsonNode)new JsonObject { ["Key"] = t.Key, ["Value"] = t.Value }).ToArray());

    private static string Required(JsonObject response, string field, string operation) =>
        response[field]?.GetValue<string>() ?? throw new InvalidOperationException($"SageMaker {operation} answered without {field}.");

    /// <summary>SageMaker resource names: 1–63 characters, ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62} per the API reference.</summary>
    internal static void ValidateName(string field, string value)
    {
        if (value is null || !NamePattern().IsMatch(value))
        {
            throw new ArgumentException($"{field} '{value}' is not a valid SageMaker name; allowed: 1-63 letters, digits and single hyphens, starting and ending with a letter or digit.", field);
        }
    }

    internal static void ValidateS3Uri(string field, string value)
    {
        if (value is null || !value.StartsWith("s3://", StringComparison.Ordinal) || value.Length <= "s3://".Length)
        {
            throw new ArgumentException($"{field} '{value}' must be an s3://bucket/prefix URI.", field);
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
