using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.Resources;

namespace MlopsAgents.Aws.SageMaker;

/// <summary>One training run on SageMaker as the workflow asks for it: data already on S3, a size and a profile.</summary>
public sealed record SageMakerTrainingRequest
{
    public required string JobName { get; init; }
    public required TrainingAlgorithm Algorithm { get; init; }
    public required string RoleArn { get; init; }
    public required IReadOnlyList<TrainingChannel> Channels { get; init; }

    /// <summary>s3://bucket/prefix/ under which SageMaker writes {job}/output/model.tar.gz.</summary>
    public required string OutputS3Uri { get; init; }

    /// <summary>s3://bucket/prefix/ under which spot jobs keep {job}/ checkpoints.</summary>
    public required string CheckpointS3Uri { get; init; }

    public required long DatasetBytes { get; init; }
    public PerformanceProfile Profile { get; init; } = PerformanceProfile.Balanced;
    public IReadOnlyDictionary<string, string> HyperParameters { get; init; } = new Dictionary<string, string>();
    public ScriptModeSettings? Script { get; init; }
    public string? OutputKmsKeyId { get; init; }
}

/// <summary>How a SageMaker run ended, with the resources it used.</summary>
public sealed record SageMakerTrainingResult(string JobName, string Status, string? ModelArtifactS3Uri, string? FailureReason, long? BillableTimeInSeconds, ResourceSelection Resources, int Polls)
{
    public bool Succeeded => Status == "Completed";

    /// <summary>The job's FinalMetricDataList by metric name (e.g. validation:f1).</summary>
    public IReadOnlyDictionary<string, double> FinalMetrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The training image the job ran.</summary>
    public string? TrainingImage { get; init; }
}

/// <summary>A job CreateTrainingJob accepted: its name and ARN, the instances it runs on, its image and where spot checkpoints go.</summary>
public sealed record StartedTrainingJob(string JobName, string JobArn, ResourceSelection Resources, string TrainingImage, string? CheckpointS3Uri);

/// <summary>
/// Runs a training job end to end: picks instances with <see cref="ResourceSelector"/>, turns on spot with checkpoints
/// where the profile allows, starts the job and polls DescribeTrainingJob until it is Completed, Failed or Stopped. The
/// wait between polls is injected, so tests replay a job's states without sleeping.
/// </summary>
public sealed class SageMakerTrainingService(SageMakerClient sagemaker, RetryDelay wait, TimeSpan pollInterval)
{
    private static readonly HashSet<string> Terminal = new(StringComparer.Ordinal) { "Completed", "Failed", "Stopped" };

    /// <summary>
    /// Starts the job and returns at once: the instance choice, spot with checkpoints where the profile allows, and the
    /// job's ARN. Callers that must not block for the job's hours (MCP tools, Lambda tasks) poll with DescribeTrainingJob.
    /// </summary>
    public async Task<StartedTrainingJob> StartAsync(SageMakerTrainingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var resources = ResourceSelector.Select(request.DatasetBytes, request.Profile);
        var spec = new TrainingJobSpec
        {
            JobName = request.JobName,
            Algorithm = request.Algorithm,
            RoleArn = request.RoleArn,
            Channels = request.Channels,
            OutputS3Uri = request.OutputS3Uri,
            InstanceType = resources.TrainingInstanceType,
            InstanceCount = resources.TrainingInstanceCount,
            VolumeSizeInGb = resources.VolumeSizeInGb,
            MaxRuntimeInSeconds = resources.MaxRuntimeInSeconds,
            HyperParameters = request.HyperParameters,
            Script = request.Script,
            OutputKmsKeyId = request.OutputKmsKeyId,
            Spot = resources.UseSpot ? new SpotSettings($"{request.CheckpointS3Uri.TrimEnd('/')}/{request.JobName}/", resources.MaxWaitTimeInSeconds) : null,
            Tags = new Dictionary<string, string> { ["mlops:size-tier"] = resources.SizeTier },
        };
        var arn = await sagemaker.CreateTrainingJobAsync(spec, cancellationToken).ConfigureAwait(false);
        return new StartedTrainingJob(request.JobName, arn, resources, spec.Script?.ImageUri ?? BuiltInAlgorithmImages.TrainingImage(request.Algorithm, sagemaker.Region), spec.Spot?.CheckpointS3Uri);
    }

    /// <summary>Starts the job and waits for it to end (<see cref="StartAsync"/>, then <see cref="WaitAsync"/>).</summary>
    /// <param name="progress">Told of the job's start and of every status change while it runs.</param>
    public async Task<SageMakerTrainingResult> RunAsync(SageMakerTrainingRequest request, CancellationToken cancellationToken = default, IProgress<string>? progress = null)
    {
        var started = await StartAsync(request, cancellationToken).ConfigureAwait(false);
        return await WaitAsync(started, cancellationToken, progress).ConfigureAwait(false);
    }

    /// <summary>Polls a batch transform with DescribeTransformJob until it is Completed, Failed or Stopped.</summary>
    public async Task<TransformJobDescription> WaitForTransformAsync(string jobName, CancellationToken cancellationToken = default)
    {
        // A transform of a test split takes minutes; a day of polls only guards against a service that never ends it.
        var maxPolls = (int)Math.Ceiling(86400 / Math.Max(1, pollInterval.TotalSeconds));
        for (var polls = 1; ; polls++)
        {
            var job = await sagemaker.DescribeTransformJobAsync(jobName, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"SageMaker has no transform job {jobName}, though it accepted it.");
            if (Terminal.Contains(job.Status))
            {
                return job;
            }

            if (polls >= maxPolls)
            {
                throw new TimeoutException($"SageMaker transform job {jobName} is still {job.Status} after {polls} polls.");
            }

            await wait(pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Polls a started job with DescribeTrainingJob until it is Completed, Failed or Stopped.</summary>
    /// <param name="progress">Told of the job's start and of every status change while it runs.</param>
    public async Task<SageMakerTrainingResult> WaitAsync(StartedTrainingJob started, CancellationToken cancellationToken = default, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(started);
        var resources = started.Resources;
        progress?.Report($"started {started.JobArn}: {resources.TrainingInstanceCount.ToString(System.Globalization.CultureInfo.InvariantCulture)} x {resources.TrainingInstanceType}{(resources.UseSpot ? " on spot with checkpoints" : " on demand")}");
        string? lastStatus = null;

        // The job's own stopping condition ends it; the poll budget only guards against a service that never says so.
        var maxPolls = (int)Math.Ceiling((resources.MaxWaitTimeInSeconds + 3600) / Math.Max(1, pollInterval.TotalSeconds));
        for (var polls = 1; ; polls++)
        {
            var job = await sagemaker.DescribeTrainingJobAsync(started.JobName, cancellationToken).ConfigureAwait(false);
            var status = $"{job.Status} ({job.SecondaryStatus})";
            if (status != lastStatus)
            {
                progress?.Report($"{job.JobName}: {status}");
                lastStatus = status;
            }

            if (Terminal.Contains(job.Status))
            {
                return new SageMakerTrainingResult(job.JobName, job.Status, job.ModelArtifactS3Uri, job.FailureReason, job.BillableTimeInSeconds, resources, polls)
                {
                    FinalMetrics = job.FinalMetrics,
                    TrainingImage = started.TrainingImage,
                };
            }

            if (polls >= maxPolls)
            {
                throw new TimeoutException($"SageMaker training job {started.JobName} is still {job.Status} ({job.SecondaryStatus}) after {polls} polls, past its own time limit.");
            }

            await wait(pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}
