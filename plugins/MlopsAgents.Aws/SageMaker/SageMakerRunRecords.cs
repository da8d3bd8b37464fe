using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.Resources;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Aws.SageMaker;

/// <summary>Where a SageMaker-backed run keeps its data and who SageMaker acts as.</summary>
public sealed record SageMakerRunSettings
{
    /// <summary>The artifact store's bucket: the channels, checkpoints and model output go under its prefix.</summary>
    public required string Bucket { get; init; }

    public string Prefix { get; init; } = string.Empty;
    public required string RoleArn { get; init; }

    /// <summary>Also record a passing model as a package in the SageMaker Model Registry (MLOPS_MODEL_REGISTRY=sagemaker).</summary>
    public bool RegisterModelPackage { get; init; }

    public string? KmsKeyId { get; init; }

    /// <summary>s3://bucket/prefix/key for a key of the artifact store.</summary>
    public string S3Uri(string key) => $"s3://{Bucket}/{(Prefix.Length == 0 ? "" : Prefix.Trim('/') + "/")}{key}";

    /// <summary>The store key of an s3:// URI under the store's bucket and prefix, or null when it lies elsewhere.</summary>
    public string? KeyOf(string s3Uri)
    {
        var root = S3Uri(string.Empty);
        return s3Uri.StartsWith(root, StringComparison.Ordinal) && s3Uri.Length > root.Length ? s3Uri[root.Length..] : null;
    }
}

/// <summary>What a SageMaker-backed run did: the job, the model artifact, the Judge's verdict and what was registered.</summary>
public sealed record SageMakerRunSummary(
    string TrainingId,
    string Decision,
    string Reason,
    IReadOnlyDictionary<string, double> Metrics,
    string JobName,
    string JobStatus,
    string TrainingImage,
    ResourceSelection Resources,
    long? BillableTimeInSeconds,
    string ModelArtifact,
    string ModelArtifactSha256,
    long ModelArtifactBytes,
    string? ModelName,
    string? ModelVersion,
    string? ModelPackageArn,
    string? ModelPackageStatus,
    string Results,
    string History,
    IReadOnlyList<string> NotDone)
{
    /// <summary>The request's deployment_strategy, for a deployment that follows the run.</summary>
    public string DeploymentStrategy { get; init; } = DeploymentStrategies.Direct;

    public bool Passed => Decision == JudgeDecisions.Pass;
}

/// <summary>A SageMaker job started without waiting: the run it belongs to, where its data and model go, and what the Judge will read.</summary>
public sealed record SageMakerJobStart(
    string TrainingId,
    string JobName,
    string JobArn,
    string TrainingImage,
    ResourceSelection Resources,
    string TrainChannel,
    string ValidationChannel,
    string OutputS3Uri,
    string? CheckpointS3Uri,
    string PrimaryMetric,
    string JudgedMetric,
    double Threshold,
    IReadOnlyDictionary<string, string> HyperParameters);

/// <summary>A SageMaker training job ended Failed or Stopped; the message carries SageMaker's FailureReason.</summary>
public sealed class SageMakerJobFailedException(string jobName, string status, string? failureReason)
    : Exception($"SageMaker training job {jobName} ended {status}: {failureReason ?? "SageMaker gave no FailureReason"}")
{
    public string JobName { get; } = jobName;
    public string Status { get; } = status;
    public string? FailureReason { get; } = failureReason;
}

/// <summary>A run's SageMaker job has not ended yet, so it cannot be judged; finishing does not wait for it.</summary>
public sealed class SageMakerJobNotFinishedException(string trainingId, string jobName, string status, string? secondaryStatus, string kind = "training job")
    : Exception(kind == "training job"
        ? $"SageMaker training job {jobName} of run {trainingId} is still {status}{(secondaryStatus is null ? "" : $" ({secondaryStatus})")}: it can be judged and registered once it has ended Completed, Failed or Stopped; follow it with DescribeTrainingJob (describe_training_job) and finish it then"
        : $"SageMaker {kind} {jobName} of run {trainingId} is still {status}{(secondaryStatus is null ? "" : $" ({secondaryStatus})")}: the run is judged once it has ended; finish it again then")
{
    public string TrainingId { get; } = trainingId;
    public string JobName { get; } = jobName;
    public string Status { get; } = status;
}

/// <summary>
/// What finishing a run needs beyond phase 1's own artifacts (the manifest, feature definitions and splits), stored by the
/// start as logs/{training_id}/sagemaker_job.json, so a later process (an MCP call, a Lambda task) can finish a job it
/// did not start.
/// </summary>
public sealed record SageMakerJobFacts
{
    public required string TrainingId { get; init; }
    public required string JobName { get; init; }

    /// <summary>Where the request came from (the issue file, or the tool that started it), for the training history.</summary>
    public required string RequestSource { get; init; }

    public required string LearningType { get; init; }
    public required string TaskType { get; init; }
    public required string Algorithm { get; init; }

    /// <summary>The name a passing model is registered under: the request's model_name or the default for its dataset and algorithm.</summary>
    public required string ModelName { get; init; }

    public required string DeploymentStrategy { get; init; }
    public required int MaxRetry { get; init; }

    /// <summary>The request's metric the Judge decides on.</summary>
    public required string PrimaryMetric { get; init; }

    /// <summary>The FinalMetricDataList entry it is read from, e.g. validation:f1.</summary>
    public required string JudgedMetric { get; init; }

    public required double Threshold { get; init; }
    public required IReadOnlyDictionary<string, string> HyperParameters { get; init; }
    public required string TrainChannel { get; init; }
    public required string ValidationChannel { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The instances the job runs on; set when the job starts.</summary>
    public ResourceSelection Resources { get; init; } = null!;

    public string TrainingImage { get; init; } = string.Empty;

    /// <summary>K-Means only: the test rows' mean squared distance to the training mean, the baseline of variance_explained.</summary>
    public double? BaselineMeanSquaredDistance { get; init; }

    /// <summary>PCA only: s3://…/test/, the test rows a batch transform projects to measure explained_variance_total.</summary>
    public string? TransformInput { get; init; }
}
