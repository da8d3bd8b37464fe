using System.Text.RegularExpressions;

namespace MlopsAgents.Aws.Configuration;

/// <summary>Which engine runs a capability: the embedded default on this machine, or the AWS service.</summary>
public enum TrainingBackend
{
    Local,
    SageMaker,
}

public enum WorkflowBackend
{
    Local,
    StepFunctions,
}

public enum MetricsBackend
{
    Local,
    CloudWatch,
}

/// <summary>Where <c>mlops deploy</c> puts a model: nowhere but this machine, or a SageMaker endpoint with deployment guardrails.</summary>
public enum DeployBackend
{
    Local,
    SageMaker,
}

/// <summary>Where registered models are also recorded: only the local SQLite registry, or the SageMaker Model Registry too.</summary>
public enum ModelRegistryBackend
{
    Local,
    SageMaker,
}

/// <summary>
/// Backend selection by configuration. Every setting defaults to the embedded local backend, so nothing here needs an AWS
/// account until an operator opts in:
/// <list type="bullet">
/// <item><c>MLOPS_ARTIFACT_STORE</c>: <c>local</c> (default) or <c>s3://bucket/prefix</c>.</item>
/// <item><c>MLOPS_S3_KMS_KEY_ID</c>: write objects with SSE-KMS under this key.</item>
/// <item><c>MLOPS_S3_ENDPOINT</c>: an S3-compatible endpoint (path-style), e.g. a local s3rver.</item>
/// <item><c>MLOPS_TRAINING_BACKEND</c>: <c>local</c> or <c>sagemaker</c> (needs <c>MLOPS_SAGEMAKER_ROLE_ARN</c>).</item>
/// <item><c>MLOPS_WORKFLOW_BACKEND</c>: <c>local</c> or <c>stepfunctions</c> (needs <c>MLOPS_STATE_MACHINE_ARN</c>).</item>
/// <item><c>MLOPS_METRICS_BACKEND</c>: <c>local</c> or <c>cloudwatch</c>.</item>
/// <item><c>MLOPS_MODEL_REGISTRY</c>: <c>local</c> or <c>sagemaker</c> (a model package group per model, approval status from the Judge).</item>
/// <item><c>MLOPS_DEPLOY_BACKEND</c>: <c>local</c> or <c>sagemaker</c> (endpoints from SageMaker model packages; needs <c>MLOPS_MODEL_REGISTRY=sagemaker</c>).</item>
/// <item><c>MLOPS_ALARM_TOPIC_ARN</c>: SNS topic the endpoint's rollback alarms notify.</item>
/// <item><c>MLOPS_SAGEMAKER_POLL_SECONDS</c>: seconds between DescribeTrainingJob polls (default 30, 0 to 3600).</item>
/// <item><c>AWS_REGION</c> (or <c>AWS_DEFAULT_REGION</c>): required as soon as one backend is on AWS.</item>
/// <item><c>MLOPS_AWS_ENDPOINT</c>: one endpoint for the JSON services (a stub or a VPC endpoint).</item>
/// </list>
/// </summary>
public sealed partial record AwsBackendOptions
{
    public string? ArtifactBucket { get; init; }
    public string ArtifactPrefix { get; init; } = string.Empty;
    public string? KmsKeyId { get; init; }
    public Uri? S3Endpoint { get; init; }
    public TrainingBackend Training { get; init; } = TrainingBackend.Local;
    public WorkflowBackend Workflow { get; init; } = WorkflowBackend.Local;
    public MetricsBackend Metrics { get; init; } = MetricsBackend.Local;
    public ModelRegistryBackend ModelRegistry { get; init; } = ModelRegistryBackend.Local;
    public DeployBackend Deploy { get; init; } = DeployBackend.Local;
    public string? AlarmTopicArn { get; init; }

    /// <summary>The wait between DescribeTrainingJob polls while a SageMaker job runs.</summary>
    public TimeSpan SageMakerPollInterval { get; init; } = TimeSpan.FromSeconds(30);
    public string? Region { get; init; }
    public string? SageMakerRoleArn { get; init; }
    public string? StateMachineArn { get; init; }
    public Uri? ServiceEndpoint { get; init; }

    public bool UsesS3 => ArtifactBucket is not null;

    public bool UsesAws => UsesS3 || Training != TrainingBackend.Local || Workflow != WorkflowBackend.Local || Metrics != MetricsBackend.Local || ModelRegistry != ModelRegistryBackend.Local || Deploy != DeployBackend.Local;

    public static AwsBackendOptions FromEnvironment() =>
        FromVariables(name => Environment.GetEnvironmentVariable(name));

    /// <summary>Reads and validates the settings; every problem is reported at once, each naming the variable, the value and what is allowed.</summary>
    public static AwsBackendOptions FromVariables(Func<string, string?> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        var errors = new List<string>();
        string? Value(string name) => get(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        string? bucket = null;
        var prefix = string.Empty;
        var store = Value("MLOPS_ARTIFACT_STORE");
        if (store is not null && !store.Equals("local", StringComparison.OrdinalIgnoreCase))
        {
            var match = S3UriPattern().Match(store);
            if (!match.Success)
            {
                errors.Add($"MLOPS_ARTIFACT_STORE='{store}' is not allowed; use 'local' or 's3://bucket/prefix' with a bucket name of 3-63 lower-case letters, digits, dots and hyphens.");
            }
            else
            {
                bucket = match.Groups["bucket"].Value;
                prefix = match.Groups["prefix"].Value.Trim('/');
            }
        }

        var options = new AwsBackendOptions
        {
            ArtifactBucket = bucket,
            ArtifactPrefix = prefix,
            KmsKeyId = Value("MLOPS_S3_KMS_KEY_ID"),
            S3Endpoint = ParseUri("MLOPS_S3_ENDPOINT", Value("MLOPS_S3_ENDPOINT"), errors),
            Training = ParseEnum("MLOPS_TRAINING_BACKEND", Value("MLOPS_TRAINING_BACKEND"), TrainingBackend.Local, errors, ("local", TrainingBackend.Local), ("sagemaker", TrainingBackend.SageMaker)),
            Workflow = ParseEnum("MLOPS_WORKFLOW_BACKEND", Value("MLOPS_WORKFLOW_BACKEND"), WorkflowBackend.Local, errors, ("local", WorkflowBackend.Local), ("stepfunctions", WorkflowBackend.StepFunctions)),
            Metrics = ParseEnum("MLOPS_METRICS_BACKEND", Value("MLOPS_METRICS_BACKEND"), MetricsBackend.Local, errors, ("local", MetricsBackend.Local), ("cloudwatch", MetricsBackend.CloudWatch)),
            ModelRegistry = ParseEnum("MLOPS_MODEL_REGISTRY", Value("MLOPS_MODEL_REGISTRY"), ModelRegistryBackend.Local, errors, ("local", ModelRegistryBackend.Local), ("sagemaker", ModelRegistryBackend.SageMaker)),
            Deploy = ParseEnum("MLOPS_DEPLOY_BACKEND", Value("MLOPS_DEPLOY_BACKEND"), DeployBackend.Local, errors, ("local", DeployBackend.Local), ("sagemaker", DeployBackend.SageMaker)),
            AlarmTopicArn = Value("MLOPS_ALARM_TOPIC_ARN"),
            SageMakerPollInterval = ParseSeconds("MLOPS_SAGEMAKER_POLL_SECONDS", Value("MLOPS_SAGEMAKER_POLL_SECONDS"), TimeSpan.FromSeconds(30), 0, 3600, errors),
            Region = Value("AWS_REGION") ?? Value("AWS_DEFAULT_REGION"),
            SageMakerRoleArn = Value("MLOPS_SAGEMAKER_ROLE_ARN"),
            StateMachineArn = Value("MLOPS_STATE_MACHINE_ARN"),
            ServiceEndpoint = ParseUri("MLOPS_AWS_ENDPOINT", Value("MLOPS_AWS_ENDPOINT"), errors),
        };

        if (options.UsesAws && options.Region is null)
        {
            errors.Add("AWS_REGION is not set; it is required once any backend is on AWS (MLOPS_ARTIFACT_STORE=s3://…, MLOPS_TRAINING_BACKEND=sagemaker, …). Example: AWS_REGION=us-east-1.");
        }
        else if (options.Region is not null && !RegionPattern().IsMatch(options.Region))
        {
            errors.Add($"AWS_REGION='{options.Region}' is not an AWS region name; expected something like us-east-1.");
        }

        if (options.Training == TrainingBackend.SageMaker && (options.SageMakerRoleArn is null || !options.SageMakerRoleArn.StartsWith("arn:aws", StringComparison.Ordinal)))
        {
            errors.Add($"MLOPS_SAGEMAKER_ROLE_ARN='{options.SageMakerRoleArn}' must be the training role's ARN (arn:aws:iam::ACCOUNT:role/NAME; the mlops-iam stack outputs it) when MLOPS_TRAINING_BACKEND=sagemaker.");
        }

        if (options.Workflow == WorkflowBackend.StepFunctions && (options.StateMachineArn is null || !options.StateMachineArn.StartsWith("arn:aws", StringComparison.Ordinal)))
        {
            errors.Add($"MLOPS_STATE_MACHINE_ARN='{options.StateMachineArn}' must be the state machine's ARN (the mlops-workflow stack outputs it) when MLOPS_WORKFLOW_BACKEND=stepfunctions.");
        }

        if (options.Training == TrainingBackend.SageMaker && !options.UsesS3)
        {
            errors.Add("MLOPS_TRAINING_BACKEND=sagemaker needs MLOPS_ARTIFACT_STORE=s3://bucket/prefix: SageMaker reads training data from S3 and writes models there.");
        }

        if (options.ModelRegistry == ModelRegistryBackend.SageMaker && options.Training != TrainingBackend.SageMaker)
        {
            errors.Add("MLOPS_MODEL_REGISTRY=sagemaker records SageMaker-trained models (their container image and model.tar.gz); it needs MLOPS_TRAINING_BACKEND=sagemaker.");
        }

        if (options.Deploy == DeployBackend.SageMaker && options.ModelRegistry != ModelRegistryBackend.SageMaker)
        {
            errors.Add("MLOPS_DEPLOY_BACKEND=sagemaker deploys SageMaker model packages; it needs MLOPS_MODEL_REGISTRY=sagemaker (and so MLOPS_TRAINING_BACKEND=sagemaker).");
        }

        if (options.AlarmTopicArn is { } topic && !topic.StartsWith("arn:aws", StringComparison.Ordinal))
        {
            errors.Add($"MLOPS_ALARM_TOPIC_ARN='{topic}' must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME).");
        }

        if (errors.Count > 0)
        {
            throw new AwsConfigurationException(errors);
        }

        return options;
    }

    private static TimeSpan ParseSeconds(string name, string? value, TimeSpan fallback, int min, int max, List<string> errors)
    {
        if (value is null)
        {
            return fallback;
        }

        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= min && seconds <= max)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        errors.Add($"{name}='{value}' is not allowed; use whole seconds from {min.ToString(System.Globalization.CultureInfo.InvariantCulture)} to {max.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        return fallback;
    }

    private static Uri? ParseUri(string name, string? value, List<string> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }

        errors.Add($"{name}='{value}' is not an absolute http:// or https:// URL.");
        return null;
    }

    private static T ParseEnum<T>(string name, string? value, T fallback, List<string> errors, params (string Name, T Value)[] allowed)
    {
        if (value is null)
        {
            return fallback;
        }

        foreach (var (candidate, result) in allowed)
        {
            if (candidate.Equals(value, StringComparison.OrdinalIgnoreCase))
            {
                return result;
            }
        }

        errors.Add($"{name}='{value}' is not allowed; use one of: {string.Join(", ", allowed.Select(a => a.Name))}.");
        return fallback;
    }

    [GeneratedRegex("^s3://(?<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?<prefix>/.*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex S3UriPattern();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}

/// <summary>The backend settings are wrong; the message lists every problem with the variable to fix.</summary>
public sealed class AwsConfigurationException(IReadOnlyList<string> problems)
    : Exception("AWS backend configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "- " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
