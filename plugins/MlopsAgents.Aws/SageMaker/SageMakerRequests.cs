namespace MlopsAgents.Aws.SageMaker;

/// <summary>SageMaker's built-in algorithms that the project trains with, and script mode for everything else.</summary>
public enum TrainingAlgorithm
{
    XGBoost,
    KMeans,
    Pca,

    /// <summary>A framework container (scikit-learn by default) running the caller's entry-point script.</summary>
    Script,
}

/// <summary>One input channel of a training job: a name (train, validation, …) and the S3 prefix it reads.</summary>
public sealed record TrainingChannel(string Name, string S3Uri, string ContentType = "text/csv");

/// <summary>Script-mode settings: the entry point inside the uploaded source tarball.</summary>
public sealed record ScriptModeSettings(string EntryPoint, string SourceTarballS3Uri, string? ImageUri = null)
{
    /// <summary>
    /// AlgorithmSpecification.MetricDefinitions: how SageMaker finds the script's metrics in its log, so that
    /// FinalMetricDataList carries them. Script mode only: SageMaker refuses metric definitions for its built-in algorithms.
    /// </summary>
    public IReadOnlyList<MetricDefinition> MetricDefinitions { get; init; } = [];
}

/// <summary>A metric a training container prints (SageMaker MetricDefinition): its name and the regex whose first group is the value.</summary>
public sealed record MetricDefinition(string Name, string Regex);

/// <summary>Spot training: SageMaker may interrupt the job; it resumes from the checkpoints under <see cref="CheckpointS3Uri"/>.</summary>
public sealed record SpotSettings(string CheckpointS3Uri, int MaxWaitTimeInSeconds, string CheckpointLocalPath = "/opt/ml/checkpoints");

/// <summary>Everything CreateTrainingJob needs from the project, in its own words.</summary>
public sealed record TrainingJobSpec
{
    public required string JobName { get; init; }
    public required TrainingAlgorithm Algorithm { get; init; }
    public required string RoleArn { get; init; }
    public required IReadOnlyList<TrainingChannel> Channels { get; init; }
    public required string OutputS3Uri { get; init; }
    public required string InstanceType { get; init; }
    public int InstanceCount { get; init; } = 1;
    public int VolumeSizeInGb { get; init; } = 30;
    public int MaxRuntimeInSeconds { get; init; } = 3600;
    public IReadOnlyDictionary<string, string> HyperParameters { get; init; } = new Dictionary<string, string>();
    public ScriptModeSettings? Script { get; init; }
    public SpotSettings? Spot { get; init; }
    public string? OutputKmsKeyId { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>What DescribeTrainingJob says about a job.</summary>
public sealed record TrainingJobDescription(
    string JobName,
    string Status,
    string? SecondaryStatus,
    string? FailureReason,
    string? ModelArtifactS3Uri,
    long? TrainingTimeInSeconds,
    long? BillableTimeInSeconds)
{
    /// <summary>FinalMetricDataList: the last value of each metric the algorithm reported, e.g. validation:f1.</summary>
    public IReadOnlyDictionary<string, double> FinalMetrics { get; init; } = new Dictionary<string, double>();
}

/// <summary>Model package approval states, spelled as the SageMaker API spells them.</summary>
public enum ModelApprovalStatus
{
    PendingManualApproval,
    Approved,
    Rejected,
}

/// <summary>How an endpoint update shifts traffic to the new fleet (SageMaker deployment guardrails).</summary>
public enum TrafficShift
{
    AllAtOnce,

    /// <summary>A canary share first, the rest after the wait interval.</summary>
    Canary,

    /// <summary>Equal steps, one per wait interval.</summary>
    Linear,
}

/// <summary>
/// A blue/green deployment policy: how traffic moves, how long each step bakes, and the CloudWatch alarms whose
/// ALARM state rolls the endpoint back.
/// </summary>
public sealed record DeploymentGuardrails(
    TrafficShift Shift,
    int StepPercent,
    int WaitIntervalInSeconds,
    IReadOnlyList<string> RollbackAlarmNames,
    int TerminationWaitInSeconds = 0,
    int? MaximumExecutionTimeoutInSeconds = null);

/// <summary>What DescribeEndpoint says about an endpoint.</summary>
public sealed record EndpointDescription(string EndpointName, string Status, string? EndpointConfigName, string? FailureReason);
