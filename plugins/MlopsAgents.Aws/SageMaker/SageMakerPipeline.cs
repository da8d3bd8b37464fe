using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.CloudWatch;
using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.Resources;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Unsupervised;

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

/// <summary>
/// <c>mlops run</c> with MLOPS_TRAINING_BACKEND=sagemaker: phase 1 runs here exactly as on the embedded default (its
/// artifacts on the configured store, normally S3); the model trains as a SageMaker built-in XGBoost job, or a
/// scikit-learn script-mode job for the other supervised algorithms (<see cref="ScriptModeJob"/>), on spot with
/// checkpoints where the profile allows; the Judge reads the metric SageMaker computed on the held-out test split
/// (passed as the job's validation channel, with no early stopping, so it never steers training); a passing model is
/// registered locally and, when asked, as a SageMaker model package approved by the Judge.
/// What it does not do is listed in <see cref="NotDone"/> and printed with every run: the model binary is XGBoost's
/// or a scikit-learn joblib, which this process cannot load, so there is no local evaluation, explanation, drift baseline or local serving.
/// </summary>
public sealed class SageMakerPipeline(MlopsContext context, SageMakerTrainingService training, SageMakerClient sagemaker, SageMakerRunSettings settings, IProgress<string>? progress = null)
{
    /// <summary>What a SageMaker run leaves out compared with the embedded default, said with every run.</summary>
    public static readonly IReadOnlyList<string> NotDone =
    [
        "no local evaluation of the model binary (predictions, confusion matrix, plots, SHAP/LIME, fairness, drift baseline): it is SageMaker XGBoost's format or, in script mode, a scikit-learn joblib, neither of which this process loads",
        "no automatic retrain when the Judge says no (max_retry applies to the embedded default only)",
        "no local deployment: `mlops serve` serves locally trained models only (MLOPS_DEPLOY_BACKEND=sagemaker deploys to a SageMaker endpoint instead)",
    ];

    /// <summary>What a SageMaker run of this algorithm leaves out: K-Means' and PCA's models are MXNet's format, so their rows get no clusters or embedding here.</summary>
    public static IReadOnlyList<string> NotDoneFor(string algorithm) => algorithm == UnsupervisedAlgorithms.KMeans
        ?
        [
            "no local evaluation of the model binary (per-row cluster assignments, silhouette, Davies-Bouldin, plots, drift baseline): it is SageMaker K-Means' MXNet format, which this process does not load; the Judge reads variance_explained from SageMaker's test:msd",
            .. NotDone.Skip(1),
        ]
        : algorithm == UnsupervisedAlgorithms.Pca
            ?
            [
                "no local evaluation of the model binary (embedding file, trustworthiness, plots): it is SageMaker PCA's MXNet format, which this process does not load; the Judge reads explained_variance_total from a SageMaker batch transform of the test split",
                .. NotDone.Skip(1),
            ]
            : NotDone;

    /// <summary>Request metrics the built-in XGBoost container reports on a channel, by the eval_metric that makes it report them.</summary>
    private static readonly IReadOnlyDictionary<string, string> EvalMetrics = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["accuracy"] = "accuracy",
        ["f1_score"] = "f1",
        ["auc_roc"] = "auc",
        ["rmse"] = "rmse",
        ["mae"] = "mae",
    };

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>The stored job facts and outcome: snake_case, like the project's other JSON artifacts.</summary>
    private static readonly JsonSerializerOptions FactsJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Job names are mlops-{training_id}, so a job name leads back to its run.</summary>
    public const string JobNamePrefix = "mlops-";

    /// <summary>The built-in algorithm for a request, or a <see cref="RequestValidationException"/> naming what is allowed.</summary>
    public static TrainingAlgorithm AlgorithmFor(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.LearningType == LearningTypes.Unsupervised && request.Algorithm == UnsupervisedAlgorithms.KMeans)
        {
            return SageMakerKMeans.Check(request);
        }

        if (request.LearningType == LearningTypes.Unsupervised && request.Algorithm == UnsupervisedAlgorithms.Pca)
        {
            return SageMakerPca.Check(request);
        }

        var script = request.LearningType == LearningTypes.Supervised && ScriptModeJob.Covers(request.Algorithm);
        if (!script && (request.LearningType != LearningTypes.Supervised || request.Algorithm != AlgorithmCatalog.XgBoost))
        {
            throw new RequestValidationException("algorithm", request.Algorithm,
                $"MLOPS_TRAINING_BACKEND=sagemaker trains supervised xgboost requests (SageMaker built-in XGBoost {BuiltInAlgorithmImages.XGBoostVersion}) " +
                $"and supervised {string.Join(", ", ScriptModeJob.Algorithms)} (scikit-learn script mode), and unsupervised kmeans and pca (built-in K-Means and PCA); " +
                $"'{request.Algorithm}' ({request.LearningType}) trains on the embedded default: unset MLOPS_TRAINING_BACKEND or set it to local");
        }

        if (request.Hpo is not null)
        {
            throw new RequestValidationException("hpo", "set", "the hyperparameter search runs on the embedded default only; remove the hpo block or unset MLOPS_TRAINING_BACKEND");
        }

        return script ? TrainingAlgorithm.Script : TrainingAlgorithm.XGBoost;
    }

    /// <summary>The request's performance profile as the instance table reads it: cost → cost, speed → performance, accuracy and balanced → balanced.</summary>
    public static PerformanceProfile ProfileFor(TrainingRequest request) => request.WorkflowOptimization.PerformanceProfile switch
    {
        "cost" => PerformanceProfile.Cost,
        "speed" => PerformanceProfile.Performance,
        _ => PerformanceProfile.Balanced,
    };

    /// <summary>
    /// Phase 1 and the start of the job, without waiting for it: what an MCP tool or a Lambda task does, since a job runs
    /// for hours. The run is recorded as "running" with its job name and what finishing it needs
    /// (logs/{training_id}/sagemaker_job.json); describe_training_job follows the job and <see cref="FinishAsync(string, CancellationToken)"/>
    /// judges and registers it once it has ended.
    /// </summary>
    public Task<SageMakerJobStart> StartAsync(TrainingRequest request, CancellationToken cancellationToken = default) =>
        StartAsync(request, "start_training_job", cancellationToken);

    /// <param name="requestSource">Where the request came from (an issue, a tool), for the training history.</param>
    public async Task<SageMakerJobStart> StartAsync(TrainingRequest request, string requestSource, CancellationToken cancellationToken = default)
    {
        var p = await PrepareJobAsync(request, requestSource, cancellationToken).ConfigureAwait(false);
        var started = await training.StartAsync(p.Job, cancellationToken).ConfigureAwait(false);
        Report($"[2/5] started {started.JobArn}; not waiting for it");
        await RecordStartAsync(p, started.Resources, started.TrainingImage, cancellationToken).ConfigureAwait(false);
        return new SageMakerJobStart(p.TrainingId, started.JobName, started.JobArn, started.TrainingImage, started.Resources,
            // PCA trains on one channel; its test rows wait under TransformInput for the batch transform.
            p.Job.Channels[0].S3Uri, p.Job.Channels.Count > 1 ? p.Job.Channels[1].S3Uri : p.Facts.TransformInput!, p.Job.OutputS3Uri, started.CheckpointS3Uri, p.Metric, p.Facts.JudgedMetric, p.Threshold, p.Job.HyperParameters);
    }

    /// <summary>Phase 1, the job, waiting for it to end, then <see cref="FinishAsync(string, CancellationToken)"/>'s work on what it left.</summary>
    public async Task<SageMakerRunSummary> RunAsync(TrainingRequest request, string requestSource, CancellationToken cancellationToken = default)
    {
        var p = await PrepareJobAsync(request, requestSource, cancellationToken).ConfigureAwait(false);
        var started = await training.StartAsync(p.Job, cancellationToken).ConfigureAwait(false);
        var facts = await RecordStartAsync(p, started.Resources, started.TrainingImage, cancellationToken).ConfigureAwait(false);
        var job = await training.WaitAsync(started, cancellationToken, new InlineProgress(m => Report("      " + m))).ConfigureAwait(false);

        // The run is recorded as running while this waits, so finish_training_job may have finished it meanwhile.
        return await FinishOnceAsync(p.TrainingId, () => CompleteAsync(facts, new PreparedRun(p.Data.Manifest, p.Data.Preprocessor), job, wait: true, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The training id of a job this pipeline named (mlops-{training_id}), or null for any other name.</summary>
    public static string? TrainingIdOf(string jobName) =>
        jobName.StartsWith(JobNamePrefix, StringComparison.Ordinal) && jobName.Length > JobNamePrefix.Length ? jobName[JobNamePrefix.Length..] : null;

    /// <summary>
    /// Finishes a run whose job was started without waiting: reads the job (DescribeTrainingJob), and once it has ended
    /// downloads and checksums the model, judges SageMaker's final metric, registers a passing model, and writes
    /// results.json, the history and the run, from what <see cref="StartAsync"/> stored. A job still running is an error
    /// (<see cref="SageMakerJobNotFinishedException"/>; this does not wait); a Failed or Stopped job marks the run failed and
    /// throws <see cref="SageMakerJobFailedException"/>. A run already finished returns its recorded outcome, so a second
    /// call registers nothing.
    /// </summary>
    public async Task<SageMakerRunSummary> FinishAsync(string trainingId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(trainingId);
        var run = context.Registry.GetRun(trainingId)
            ?? throw new RequestValidationException("training_id", trainingId, "the training_id of a run start_training_job started (the registry has no run of that id)");
        if (!run.Artifacts.TryGetValue("sagemaker_job_facts", out var factsKey))
        {
            throw new RequestValidationException("training_id", trainingId, "a run started on SageMaker by start_training_job; this run has no SageMaker job to finish");
        }

        return await FinishOnceAsync(trainingId, () => DescribeAndCompleteAsync(trainingId, factsKey, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="complete"/> unless the run already has an outcome, holding the run's
    /// <see cref="SageMakerFinishLock"/> so that two finishes at the same moment judge and register once: the second
    /// waits, then reads the first one's recorded outcome.
    /// </summary>
    private async Task<SageMakerRunSummary> FinishOnceAsync(string trainingId, Func<Task<SageMakerRunSummary>> complete, CancellationToken cancellationToken)
    {
        await using var finishing = await SageMakerFinishLock.AcquireAsync(context.Home, trainingId, cancellationToken: cancellationToken).ConfigureAwait(false);

        // Read under the lock: a finish that held it before this one has stored its outcome by now.
        if (context.Registry.GetRun(trainingId) is { Status: "finished" } run && run.Artifacts.TryGetValue("sagemaker_outcome", out var outcomeKey))
        {
            Report($"[{trainingId}] already finished: the recorded outcome, nothing registered again");
            return JsonSerializer.Deserialize<SageMakerRunSummary>(await context.Store.ReadTextAsync(outcomeKey, cancellationToken).ConfigureAwait(false), FactsJson)
                ?? throw new InvalidOperationException($"{outcomeKey} is empty.");
        }

        return await complete().ConfigureAwait(false);
    }

    /// <summary>The job as SageMaker describes it now, judged and registered from what <see cref="StartAsync"/> stored once it has ended.</summary>
    private async Task<SageMakerRunSummary> DescribeAndCompleteAsync(string trainingId, string factsKey, CancellationToken cancellationToken)
    {
        var facts = JsonSerializer.Deserialize<SageMakerJobFacts>(await context.Store.ReadTextAsync(factsKey, cancellationToken).ConfigureAwait(false), FactsJson)
            ?? throw new InvalidOperationException($"{factsKey} is empty.");
        var description = await sagemaker.DescribeTrainingJobAsync(facts.JobName, cancellationToken).ConfigureAwait(false);
        if (description.Status is not ("Completed" or "Failed" or "Stopped"))
        {
            throw new SageMakerJobNotFinishedException(trainingId, facts.JobName, description.Status, description.SecondaryStatus);
        }

        Report($"[{trainingId}] {facts.JobName}: {description.Status} ({description.SecondaryStatus})");
        var manifest = JsonSerializer.Deserialize<PreparationManifest>(await context.Store.ReadTextAsync(PreparationManifest.Key(trainingId), cancellationToken).ConfigureAwait(false))
            ?? throw new InvalidOperationException($"{PreparationManifest.Key(trainingId)} is empty.");
        var preprocessor = FeaturePreprocessor.FromJson(await context.Store.ReadTextAsync(manifest.Artifacts["feature_definitions"], cancellationToken).ConfigureAwait(false));
        var data = new PreparedRun(manifest, preprocessor);
        var job = new SageMakerTrainingResult(description.JobName, description.Status, description.ModelArtifactS3Uri, description.FailureReason, description.BillableTimeInSeconds, facts.Resources, 1)
        {
            FinalMetrics = description.FinalMetrics,
            TrainingImage = facts.TrainingImage,
        };
        return await CompleteAsync(facts, data, job, wait: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores what finishing the run needs and records the run as running, before the job can end.</summary>
    private async Task<SageMakerJobFacts> RecordStartAsync(PreparedJob p, ResourceSelection resources, string trainingImage, CancellationToken ct)
    {
        var facts = p.Facts with { Resources = resources, TrainingImage = trainingImage };
        var factsRef = await context.PutTextAsync(p.TrainingId, "sagemaker_job_facts", ArtifactKeys.Log(p.TrainingId, "sagemaker_job.json"), JsonSerializer.Serialize(facts, FactsJson), ct).ConfigureAwait(false);
        context.Registry.SaveRun(new RunRecord(p.TrainingId, p.Dataset.DatasetId, p.Dataset.Version, facts.Algorithm, facts.TaskType, "running", null, p.Parameters,
            new Dictionary<string, double>(), new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["sagemaker_job"] = p.Job.JobName,
                ["sagemaker_job_facts"] = factsRef.Key,
                ["train_channel"] = facts.TrainChannel,
                ["validation_channel"] = facts.ValidationChannel,
            },
            new Dictionary<string, double>(), p.StartedAt, null, null));
        return facts;
    }

    /// <summary>Everything after the job ended, the same whether this process waited for it or not.</summary>
    /// <param name="wait">Whether to wait for follow-up work on SageMaker (PCA's batch transform) or stop with <see cref="SageMakerJobNotFinishedException"/>.</param>
    private async Task<SageMakerRunSummary> CompleteAsync(SageMakerJobFacts facts, PreparedRun data, SageMakerTrainingResult job, bool wait, CancellationToken cancellationToken)
    {
        var (trainingId, jobName, metric, threshold) = (facts.TrainingId, facts.JobName, facts.PrimaryMetric, facts.Threshold);
        var manifest = data.Manifest;
        var parameters = facts.HyperParameters.ToDictionary(p => p.Key, p => (object)p.Value, StringComparer.Ordinal);
        var baseArtifacts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["sagemaker_job"] = jobName,
            ["sagemaker_job_facts"] = ArtifactKeys.Log(trainingId, "sagemaker_job.json"),
            ["train_channel"] = facts.TrainChannel,
            ["validation_channel"] = facts.ValidationChannel,
        };
        void SaveFailed() => context.Registry.SaveRun(new RunRecord(trainingId, manifest.DatasetId, manifest.DatasetVersion, facts.Algorithm, facts.TaskType, "failed", null, parameters,
            new Dictionary<string, double>(), baseArtifacts, new Dictionary<string, double>(), facts.StartedAt, DateTimeOffset.UtcNow, null));
        if (!job.Succeeded)
        {
            SaveFailed();
            throw new SageMakerJobFailedException(jobName, job.Status, job.FailureReason);
        }

        // ---- The model artifact: downloaded next to MLOPS_HOME and checksummed ----
        var artifactUri = job.ModelArtifactS3Uri ?? throw new InvalidOperationException($"SageMaker reported {jobName} Completed without ModelArtifacts.S3ModelArtifacts.");
        var artifactKey = settings.KeyOf(artifactUri)
            ?? throw new InvalidOperationException($"SageMaker wrote the model to {artifactUri}, outside the artifact store {settings.S3Uri(string.Empty)} the job was given.");
        var localModel = Path.Combine(context.CacheDirectory, "sagemaker", jobName, "model.tar.gz");
        var (sha256, bytes) = await DownloadAsync(artifactKey, localModel, cancellationToken).ConfigureAwait(false);
        Report($"      model artifact {artifactUri}: {bytes.ToString(CultureInfo.InvariantCulture)} bytes, sha256 {sha256}, saved to {localModel}");

        // ---- Phases 3–4: the Judge on SageMaker's metric over the held-out split ----
        Report($"[3/5] evaluation: SageMaker's {facts.JudgedMetric} on the {manifest.TestRows} held-out rows (no local evaluation of the model binary)");
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var judged = facts.TransformInput is null
            ? JudgedValue(facts, job.FinalMetrics)
            : await ProjectTestSplitAsync(facts, data.Manifest, job, artifactUri, wait, () => SaveFailed(), cancellationToken).ConfigureAwait(false);
        if (judged is { } value)
        {
            metrics[metric] = value;
        }

        var verdict = Judge.Decide(metrics, metric, threshold, 0, 0);
        var reason = judged is null
            ? $"SageMaker reported no {facts.JudgedMetric} for {jobName} (its FinalMetricDataList: {string.Join(", ", job.FinalMetrics.Keys.DefaultIfEmpty("empty"))}), so the model cannot be judged; nothing is registered."
            : verdict.Decision == JudgeDecisions.Pass || facts.MaxRetry == 0
                ? verdict.Reason
                : verdict.Reason + $" SageMaker runs do not retrain automatically, so max_retry {facts.MaxRetry.ToString(CultureInfo.InvariantCulture)} was not used.";

        Report($"[4/5] judge: {verdict.Decision}: {reason}");
        foreach (var (name, final) in job.FinalMetrics)
        {
            metrics.TryAdd(name, final);
        }

        // ---- Phase 5: register (no deployment) ----
        string? modelName = null, version = null, packageArn = null, packageStatus = null;
        if (verdict.Decision == JudgeDecisions.Pass)
        {
            modelName = facts.ModelName;
            (version, packageArn, packageStatus) = await RegisterAsync(modelName, facts, data, job, artifactUri, sha256, metrics, reason, cancellationToken).ConfigureAwait(false);
            Report($"[5/5] registered {modelName} {version}" + (packageArn is null ? " in the local registry" : $"; SageMaker model package {packageArn} {packageStatus}") + "; not deployed (SageMaker runs deploy nothing locally)");
        }
        else
        {
            Report("[5/5] skipped: the Judge did not pass the model, so nothing is registered");
        }

        var artifacts = new Dictionary<string, string>(baseArtifacts, StringComparer.Ordinal) { ["model_artifact"] = artifactUri };
        var notDone = NotDoneFor(facts.Algorithm);
        var results = new JsonObject
        {
            ["training_id"] = trainingId,
            ["backend"] = "sagemaker",
            ["learning_type"] = facts.LearningType,
            ["task_type"] = facts.TaskType,
            ["algorithm"] = facts.Algorithm,
            ["dataset"] = new JsonObject { ["dataset_id"] = manifest.DatasetId, ["version"] = manifest.DatasetVersion, ["sha256"] = manifest.DatasetSha256, ["target"] = manifest.Target },
            ["split"] = new JsonObject { ["train"] = manifest.TrainRows, ["validation"] = manifest.ValidationRows, ["test"] = manifest.TestRows },
            ["hyperparameters"] = JsonSerializer.SerializeToNode(facts.HyperParameters),
            ["metrics"] = JsonSerializer.SerializeToNode(metrics),
            ["primary_metric"] = metric,
            ["judged_metric"] = facts.JudgedMetric,
            ["judge"] = JsonSerializer.SerializeToNode(verdict with { Reason = reason }),
            ["sagemaker"] = new JsonObject
            {
                ["job_name"] = jobName,
                ["status"] = job.Status,
                ["training_image"] = job.TrainingImage,
                ["instance_type"] = job.Resources.TrainingInstanceType,
                ["instance_count"] = job.Resources.TrainingInstanceCount,
                ["spot"] = job.Resources.UseSpot,
                ["billable_seconds"] = job.BillableTimeInSeconds,
                ["model_artifact"] = artifactUri,
                ["model_artifact_sha256"] = sha256,
                ["model_package_arn"] = packageArn,
                ["model_package_status"] = packageStatus,
            },
            ["model"] = modelName is null ? null : new JsonObject { ["name"] = modelName, ["version"] = version },
            ["not_done"] = new JsonArray([.. notDone.Select(n => (JsonNode?)n)]),
        };
        var resultsRef = await context.PutTextAsync(trainingId, "results", ArtifactKeys.Evaluation(trainingId, "results.json"), results.ToJsonString(JsonOptions), cancellationToken).ConfigureAwait(false);
        artifacts["results"] = resultsRef.Key;

        var elapsed = DateTimeOffset.UtcNow - facts.StartedAt;
        var history = HistoryWriter.Render(new TrainingHistoryEntry(
            trainingId, facts.StartedAt, elapsed, facts.RequestSource, manifest.DatasetId, manifest.DatasetVersion, manifest.DatasetSha256,
            manifest.Rows, manifest.TrainRows, manifest.ValidationRows, manifest.TestRows, manifest.FeatureNames, manifest.Target,
            facts.LearningType, facts.TaskType, facts.Algorithm, parameters, metrics, metric, threshold,
            verdict.Decision, reason, 1, modelName, version, null)
        {
            ExtraSections = [SageMakerSection(job, artifactUri, sha256, packageArn, packageStatus, notDone)],
        });
        var historyPath = Path.Combine(context.Home.TrainingHistoryDirectory, trainingId + ".md");
        await AtomicFile.WriteAllTextAsync(historyPath, history, cancellationToken).ConfigureAwait(false);
        await context.PutTextAsync(trainingId, "history", ArtifactKeys.Log(trainingId, "training_history.md"), history, cancellationToken).ConfigureAwait(false);

        var summary = new SageMakerRunSummary(trainingId, verdict.Decision, reason, metrics, jobName, job.Status, job.TrainingImage ?? "", job.Resources, job.BillableTimeInSeconds,
            artifactUri, sha256, bytes, modelName, version, packageArn, packageStatus, resultsRef.Location, historyPath, notDone)
        {
            DeploymentStrategy = facts.DeploymentStrategy,
        };

        // The outcome is stored before the run says finished, so a second finish finds it and registers nothing.
        artifacts["sagemaker_outcome"] = (await context.PutTextAsync(trainingId, "sagemaker_outcome", ArtifactKeys.Log(trainingId, "sagemaker_outcome.json"), JsonSerializer.Serialize(summary, FactsJson), cancellationToken).ConfigureAwait(false)).Key;
        context.Registry.SaveRun(new RunRecord(trainingId, manifest.DatasetId, manifest.DatasetVersion, facts.Algorithm, facts.TaskType, "finished", verdict.Decision, parameters,
            metrics, artifacts, new Dictionary<string, double> { ["total"] = elapsed.TotalSeconds }, facts.StartedAt, DateTimeOffset.UtcNow, null));
        Report($"done in {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s: {verdict.Decision}");
        return summary;
    }

    /// <summary>
    /// PCA's explained_variance_total on the test split: a model from the job's artifact and a batch transform of the test
    /// rows (named after the job, so a later finish finds it instead of starting another), then the projections' variance
    /// over the rows' variance. Without <paramref name="wait"/>, a transform still running stops the finish.
    /// </summary>
    private async Task<double> ProjectTestSplitAsync(SageMakerJobFacts facts, PreparationManifest manifest, SageMakerTrainingResult job, string artifactUri, bool wait, Action saveFailed, CancellationToken ct)
    {
        var name = facts.JobName + "-transform";
        var outputUri = settings.S3Uri($"{OutputPrefix}{facts.JobName}/transform/");
        var transform = await sagemaker.DescribeTransformJobAsync(name, ct).ConfigureAwait(false);
        if (transform is null)
        {
            await sagemaker.CreateModelFromArtifactAsync(name, job.TrainingImage ?? facts.TrainingImage, artifactUri, settings.RoleArn, ct).ConfigureAwait(false);
            await sagemaker.CreateTransformJobAsync(new TransformJobSpec
            {
                JobName = name,
                ModelName = name,
                InputS3Uri = facts.TransformInput!,
                OutputS3Uri = outputUri,
                InstanceType = job.Resources.InferenceInstanceType,
                OutputKmsKeyId = settings.KmsKeyId,
            }, ct).ConfigureAwait(false);
            Report($"[3/5] evaluation: batch transform {name} projects the {manifest.TestRows} test rows with the trained PCA");
            transform = new TransformJobDescription(name, "InProgress", null, outputUri);
        }

        if (transform.Status is not ("Completed" or "Failed" or "Stopped"))
        {
            if (!wait)
            {
                throw new SageMakerJobNotFinishedException(facts.TrainingId, name, transform.Status, null, "batch transform");
            }

            transform = await training.WaitForTransformAsync(name, ct).ConfigureAwait(false);
        }

        if (transform.Status != "Completed")
        {
            saveFailed();
            throw new SageMakerJobFailedException(name, transform.Status, transform.FailureReason);
        }

        var outputKey = settings.KeyOf(outputUri) ?? throw new InvalidOperationException($"{outputUri} is outside the artifact store.");
        var projections = SageMakerPca.ParseProjections(await context.Store.ReadTextAsync(outputKey + "test.csv.out", ct).ConfigureAwait(false));
        var rows = (await context.Store.ReadTextAsync(manifest.Artifacts["test"], ct).ConfigureAwait(false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToList();
        return SageMakerPca.ExplainedVariance(projections, rows);
    }

    /// <summary>The value the Judge reads from SageMaker's final metrics, or null when the job did not report it.</summary>
    private static double? JudgedValue(SageMakerJobFacts facts, IReadOnlyDictionary<string, double> finalMetrics)
    {
        if (!finalMetrics.TryGetValue(facts.JudgedMetric, out var value))
        {
            return null;
        }

        // K-Means reports a distance on the data's scale; the Judge reads it against the test rows' spread around the training mean.
        return facts.BaselineMeanSquaredDistance is { } baseline ? SageMakerKMeans.VarianceExplained(value, baseline) : value;
    }

    /// <summary>Phase 1 on the configured store and the job's request: shared by <see cref="StartAsync"/> and <see cref="RunAsync"/>.</summary>
    private async Task<PreparedJob> PrepareJobAsync(TrainingRequest request, string requestSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var startedAt = DateTimeOffset.UtcNow;
        var algorithm = AlgorithmFor(request);
        if (algorithm is TrainingAlgorithm.KMeans or TrainingAlgorithm.Pca)
        {
            return await PrepareUnlabelledJobAsync(request, requestSource, startedAt, algorithm, cancellationToken).ConfigureAwait(false);
        }

        var metric = request.EffectivePrimaryMetric;
        if (!EvalMetrics.TryGetValue(metric, out var evalMetric))
        {
            throw new RequestValidationException("primary_metric", metric,
                $"{(algorithm == TrainingAlgorithm.Script ? "The scikit-learn script" : "SageMaker XGBoost")} reports {string.Join(", ", EvalMetrics.Keys)} on the held-out split; set primary_metric to one of them (and evaluation_threshold for rmse or mae)");
        }

        var threshold = request.EvaluationThreshold ?? Judge.DefaultThresholdFor(metric)
            ?? throw new RequestValidationException("evaluation_threshold", null, $"{metric} is on the data's own scale, so it has no default threshold; set evaluation_threshold");

        // ---- Phase 1, as on the embedded default ----
        var preparation = new PreparationService(context);
        var (dataset, raw, target) = await preparation.LoadAndCheckAsync(request, cancellationToken).ConfigureAwait(false);
        var trainingId = $"train-{startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        Report($"[{trainingId}] dataset {dataset.DatasetId} v{dataset.Version}: {raw.RowCount} rows, {raw.Columns.Count} columns, target '{target}'");
        Report("[1/5] data preparation: quality report, cleaning, encoding, split");
        var (data, _, qualityRef) = await preparation.PrepareAsync(request, dataset, raw, target!, trainingId, cancellationToken).ConfigureAwait(false);
        Report($"      split: train {data.Train.RowCount}, validation {data.Validation?.RowCount ?? 0}, test {data.Test.RowCount}; {data.Train.FeatureCount} features");
        var classes = data.Manifest.ClassNames.Count;
        // The script reports macro F1 for more than two classes, as the embedded default does; AUC only for two.
        if (request.TaskType == TaskTypes.Classification && classes != 2 && (metric == "auc_roc" || (metric == "f1_score" && algorithm != TrainingAlgorithm.Script)))
        {
            throw new RequestValidationException("primary_metric", metric,
                $"{(algorithm == TrainingAlgorithm.Script ? "The scikit-learn script" : "SageMaker XGBoost")} reports {metric} for two classes; this target has {classes.ToString(CultureInfo.InvariantCulture)}: use accuracy");
        }

        // ---- Phase 2 on SageMaker: the channels in the built-in's CSV layout, then the job ----
        var weighted = data.Train.SampleWeights is not null;
        // The layout follows the training role's policy (infra/cloudformation/iam.yaml): it reads datasets/ and writes
        // models/ and checkpoints/ under the store's prefix, and nothing else.
        var channels = ChannelPrefix(dataset.DatasetId, trainingId);
        var trainRef = await context.Store.PutTextAsync(channels + "train/train.csv", ChannelCsv(data.Train, weighted), cancellationToken).ConfigureAwait(false);
        var testRef = await context.Store.PutTextAsync(channels + "validation/validation.csv", ChannelCsv(data.Test, weighted), cancellationToken).ConfigureAwait(false);
        var hyperparameters = algorithm == TrainingAlgorithm.Script ? ScriptModeJob.HyperParameters(request, classes, weighted) : HyperParameters(request, classes, evalMetric, weighted);
        var jobName = JobNamePrefix + trainingId;
        Report($"[2/5] training on SageMaker: {(algorithm == TrainingAlgorithm.Script ? $"scikit-learn script mode ({ScriptModeJob.Estimators[request.Algorithm]})" : "built-in XGBoost")}, job {jobName} ({string.Join(", ", hyperparameters.Select(p => $"{p.Key}={p.Value}"))})");
        var job = new SageMakerTrainingRequest
        {
            JobName = jobName,
            Algorithm = algorithm,
            RoleArn = settings.RoleArn,
            Channels =
            [
                new TrainingChannel("train", settings.S3Uri(channels + "train/")),
                new TrainingChannel("validation", settings.S3Uri(channels + "validation/")),
            ],
            OutputS3Uri = settings.S3Uri(OutputPrefix),
            CheckpointS3Uri = settings.S3Uri("checkpoints/"),
            DatasetBytes = trainRef.Size + testRef.Size,
            Profile = ProfileFor(request),
            HyperParameters = hyperparameters,
            OutputKmsKeyId = settings.KmsKeyId,
            Script = algorithm == TrainingAlgorithm.Script ? await ScriptModeJob.UploadAsync(context.Store, settings, sagemaker.Region, request.TaskType, cancellationToken).ConfigureAwait(false) : null,
        };
        var parameters = hyperparameters.ToDictionary(p => p.Key, p => (object)p.Value, StringComparer.Ordinal);
        var facts = new SageMakerJobFacts
        {
            TrainingId = trainingId,
            JobName = jobName,
            RequestSource = requestSource,
            LearningType = request.LearningType,
            TaskType = request.TaskType,
            Algorithm = request.Algorithm,
            ModelName = request.ModelName ?? PackagingService.DefaultModelName(dataset.DatasetId, request.Algorithm),
            DeploymentStrategy = request.DeploymentStrategy,
            MaxRetry = request.MaxRetry,
            PrimaryMetric = metric,
            JudgedMetric = "validation:" + evalMetric,
            Threshold = threshold,
            HyperParameters = hyperparameters,
            TrainChannel = trainRef.Location,
            ValidationChannel = testRef.Location,
            StartedAt = startedAt,
        };
        return new PreparedJob(startedAt, metric, evalMetric, threshold, dataset, target!, trainingId, data, trainRef, testRef, hyperparameters, parameters, job, facts);
    }


    /// <summary>Where SageMaker writes {job}/output/model.tar.gz: under models/, beside the registry's models/{name}/{version}/.</summary>
    public const string OutputPrefix = "models/_sagemaker/";

    /// <summary>The channels of one run, under the dataset's folder: datasets/{id}/sagemaker/{training_id}/{train,validation}/.</summary>
    public static string ChannelPrefix(string datasetId, string trainingId) => $"datasets/{datasetId}/sagemaker/{trainingId}/";

    /// <summary>
    /// The built-in XGBoost's hyperparameters: the request's (with the catalogue's defaults), the objective for the task,
    /// eval_metric for the Judge's metric, csv_weights when class weighting put weights in the second column, and the seed.
    /// </summary>
    public static SortedDictionary<string, string> HyperParameters(TrainingRequest request, int classCount, string evalMetric, bool weighted)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in TrainingService.WithDefaults(request.Algorithm, request.Hyperparameters))
        {
            result[name] = value switch
            {
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                _ => value.ToString() ?? "",
            };
        }

        if (request.TaskType == TaskTypes.Classification)
        {
            result["objective"] = classCount == 2 ? "binary:logistic" : "multi:softprob";
            if (classCount != 2)
            {
                result["num_class"] = classCount.ToString(CultureInfo.InvariantCulture);
            }
        }
        else
        {
            result["objective"] = "reg:squarederror";
        }

        result["eval_metric"] = evalMetric;
        result["seed"] = request.RandomSeed.ToString(CultureInfo.InvariantCulture);
        if (weighted)
        {
            result["csv_weights"] = "1";
        }

        return result;
    }

    /// <summary>The built-in algorithms' CSV: no header, the label first, then the weight when csv_weights=1, then the features.</summary>
    public static string ChannelCsv(TrainingData data, bool weighted)
    {
        ArgumentNullException.ThrowIfNull(data);
        var csv = new StringBuilder();
        for (var i = 0; i < data.RowCount; i++)
        {
            csv.Append(data.Labels[i].ToString("R", CultureInfo.InvariantCulture));
            if (weighted)
            {
                csv.Append(',').Append((data.SampleWeights?[i] ?? 1.0).ToString("R", CultureInfo.InvariantCulture));
            }

            foreach (var feature in data.Features[i])
            {
                csv.Append(',').Append(feature.ToString("R", CultureInfo.InvariantCulture));
            }

            csv.Append('\n');
        }

        return csv.ToString();
    }

    private async Task<(string Version, string? PackageArn, string? PackageStatus)> RegisterAsync(
        string modelName, SageMakerJobFacts facts, PreparedRun data, SageMakerTrainingResult job, string artifactUri, string sha256, IReadOnlyDictionary<string, double> metrics, string reason, CancellationToken ct)
    {
        var (metric, hyperparameters) = (facts.PrimaryMetric, facts.HyperParameters);
        var preprocessor = data.Preprocessor;
        var models = new ModelRegistryService(context.Registry, context.Store);
        if (context.Registry.ListModelVersions(modelName).FirstOrDefault(v => v.TrainingId == data.Manifest.TrainingId) is { } already)
        {
            // A finish cut off after registering: the version stands, and a second one for the same job would be a duplicate.
            var recorded = JsonNode.Parse(await context.Store.ReadTextAsync(already.ArtifactPrefix + "sagemaker_model.json", ct).ConfigureAwait(false))!;
            var arn = recorded["model_package_arn"]?.GetValue<string>();
            return (already.Version, arn, arn is null ? null : nameof(ModelApprovalStatus.Approved));
        }

        var schemaHash = Sha256Hex(JsonSerializer.Serialize(new { columns = preprocessor.Columns, features = preprocessor.FeatureNames, classes = preprocessor.ClassNames, task = preprocessor.Task }));
        var version = models.NextVersion(modelName, schemaHash).ToString();

        string? packageArn = null, packageStatus = null;
        if (settings.RegisterModelPackage)
        {
            // One model package group per model; SageMaker names allow letters, digits and hyphens only.
            var group = modelName.Replace('_', '-');
            var deployment = new SageMakerDeploymentService(sagemaker, new CloudWatchClient(sagemaker.JsonClient));
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["mlops:version"] = version,
                ["mlops:training-id"] = data.Manifest.TrainingId,
                [$"mlops:{metric}"] = metrics[metric].ToString("0.####", CultureInfo.InvariantCulture),
            };
            packageArn = await deployment.RegisterAsync(group, $"{modelName} {version}, trained by {job.JobName}", job.TrainingImage!, artifactUri, metadata, ScriptModeJob.Covers(facts.Algorithm) ? ScriptModeJob.InferenceEnvironment : null, ct).ConfigureAwait(false);
            await deployment.DecideAsync(packageArn, approved: true, "Judge: " + reason, ct).ConfigureAwait(false);
            packageStatus = nameof(ModelApprovalStatus.Approved);
        }

        var prefix = ArtifactKeys.ModelPrefix(modelName, version);
        var metadataJson = new JsonObject
        {
            ["name"] = modelName,
            ["version"] = version,
            ["training_id"] = data.Manifest.TrainingId,
            ["backend"] = "sagemaker",
            ["algorithm"] = facts.Algorithm,
            ["sagemaker_job"] = job.JobName,
            ["training_image"] = job.TrainingImage,
            ["model_data_url"] = artifactUri,
            ["model_data_sha256"] = sha256,
            ["model_package_arn"] = packageArn,
            ["inference_instance_type"] = job.Resources.InferenceInstanceType,
            ["feature_names"] = JsonSerializer.SerializeToNode(preprocessor.FeatureNames),
            ["class_names"] = JsonSerializer.SerializeToNode(preprocessor.ClassNames),
            ["metrics"] = JsonSerializer.SerializeToNode(metrics),
        };
        await context.Store.PutTextAsync(prefix + "sagemaker_model.json", metadataJson.ToJsonString(JsonOptions), ct).ConfigureAwait(false);
        await context.Store.PutTextAsync(prefix + "feature_definitions.json", preprocessor.ToJson(), ct).ConfigureAwait(false);
        var configHash = Sha256Hex(JsonSerializer.Serialize(new { image = job.TrainingImage, hyperparameters }));
        await models.RegisterAsync(new ModelVersionRecord(modelName, version, data.Manifest.TrainingId, prefix, sha256, schemaHash, configHash, metrics, DateTimeOffset.UtcNow, false), ct).ConfigureAwait(false);
        return (version, packageArn, packageStatus);
    }

    private async Task<(string Sha256, long Bytes)> DownloadAsync(string key, string path, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".partial";
        long bytes;
        byte[] hash;
        await using (var source = await context.Store.OpenReadAsync(key, ct).ConfigureAwait(false))
        await using (var target = File.Create(temporary))
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            bytes = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                bytes += read;
            }

            hash = sha.GetHashAndReset();
        }

        // Renamed into place only when complete, so a cut download never looks like a model.
        File.Move(temporary, path, overwrite: true);
        return (Convert.ToHexStringLower(hash), bytes);
    }

    private static string SageMakerSection(SageMakerTrainingResult job, string artifactUri, string sha256, string? packageArn, string? packageStatus, IReadOnlyList<string> notDone)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder("## SageMaker\n\n");
        text.Append(inv, $"- job: {job.JobName} ({job.Status}), image {job.TrainingImage}\n");
        text.Append(inv, $"- resources: {job.Resources.TrainingInstanceCount} x {job.Resources.TrainingInstanceType}{(job.Resources.UseSpot ? " on spot with checkpoints" : " on demand")}; {job.Resources.Reason}\n");
        text.Append(inv, $"- billable time: {(job.BillableTimeInSeconds is { } s ? s.ToString(inv) + " s" : "not reported")}\n");
        text.Append(inv, $"- model artifact: {artifactUri} (sha256 {sha256})\n");
        if (packageArn is not null)
        {
            text.Append(inv, $"- model package: {packageArn} ({packageStatus})\n");
        }

        text.Append("\nNot done on SageMaker runs:\n\n");
        foreach (var line in notDone)
        {
            text.Append("- ").Append(line).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// Phase 1 for a K-Means or PCA run, as the embedded default prepares unsupervised data (every feature column but the target,
    /// imputed, encoded and scaled by the request), then a seeded train/test split by test_size: the train channel trains
    /// the centres, the test channel is only scored (test:msd), and the baseline of variance_explained is computed here
    /// from the same rows. The manifest and feature definitions are stored as phase 1 stores them, so a finish reads them.
    /// </summary>
    private async Task<PreparedJob> PrepareUnlabelledJobAsync(TrainingRequest request, string requestSource, DateTimeOffset startedAt, TrainingAlgorithm algorithm, CancellationToken cancellationToken)
    {
        var kmeans = algorithm == TrainingAlgorithm.KMeans;
        var metric = kmeans ? SageMakerKMeans.Metric : SageMakerPca.Metric;
        var threshold = request.EvaluationThreshold ?? Judge.DefaultThresholdFor(metric) ?? Judge.DefaultThreshold;
        var (dataset, raw, target) = await new PreparationService(context).LoadAndCheckAsync(request, cancellationToken).ConfigureAwait(false);
        var trainingId = $"train-{startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        Report($"[{trainingId}] dataset {dataset.DatasetId} v{dataset.Version}: {raw.RowCount} rows, {raw.Columns.Count} columns" + (target is null ? "" : $"; '{target}' left out of the features"));
        Report("[1/5] data preparation: quality report, imputation, encoding, scaling, split");
        var quality = DataQualityReport.Build(dataset.DatasetId, dataset.Version, raw, target ?? "", isClassification: false);
        await context.PutTextAsync(trainingId, "data_quality", ArtifactKeys.Evaluation(trainingId, "data_quality.json"), JsonSerializer.Serialize(quality, JsonOptions), cancellationToken).ConfigureAwait(false);
        var features = (request.FeatureColumns ?? raw.Columns.Where(c => c != target && !request.DropColumns.Contains(c)).ToList()).ToList();
        var kinds = features.ToDictionary(c => c, c => raw.InferKind(raw.IndexOf(c)));
        var preprocessor = FeaturePreprocessor.Fit(raw, target ?? "", features, kinds, request.DataPreprocessing, ModelTask.Regression, []);
        var rows = new List<double[]>();
        foreach (var row in raw.Rows)
        {
            if (preprocessor.TryTransform(name => (true, row[raw.IndexOf(name)]), []) is { } x)
            {
                rows.Add(x);
            }
        }

        var split = DataSplitter.Split(rows.Count, null, request.TestSize, 0, request.RandomSeed);
        var train = split.Train.Select(i => rows[i]).ToList();
        var test = split.Test.Select(i => rows[i]).ToList();
        if (train.Count < 3 || test.Count < 1)
        {
            throw new RequestValidationException("dataset", dataset.DatasetId, $"{rows.Count.ToString(CultureInfo.InvariantCulture)} usable rows give {train.Count.ToString(CultureInfo.InvariantCulture)} training and {test.Count.ToString(CultureInfo.InvariantCulture)} test rows; K-Means needs at least 3 and 1");
        }

        var baseline = SageMakerKMeans.MeanSquaredDistance(test, SageMakerKMeans.Mean(train));
        if (!(baseline > 0) || test.Count < 2)
        {
            throw new RequestValidationException("dataset", dataset.DatasetId, $"the {test.Count.ToString(CultureInfo.InvariantCulture)} test rows do not vary, so no share of their variance can be explained; {request.Algorithm} on SageMaker needs test rows that differ");
        }

        var hyperparameters = kmeans
            ? SageMakerKMeans.HyperParameters(request, preprocessor.FeatureNames.Count, train.Count)
            : SageMakerPca.HyperParameters(request, preprocessor.FeatureNames.Count, train.Count);
        Report($"      {rows.Count} of {raw.RowCount} rows used; split: train {train.Count}, test {test.Count}; {preprocessor.FeatureNames.Count} features; baseline mean squared distance to the training mean {baseline.ToString("0.####", CultureInfo.InvariantCulture)}");

        var channels = ChannelPrefix(dataset.DatasetId, trainingId);
        var trainRef = await context.Store.PutTextAsync(channels + "train/train.csv", SageMakerKMeans.ChannelCsv(train), cancellationToken).ConfigureAwait(false);
        var testRef = await context.Store.PutTextAsync(channels + "test/test.csv", SageMakerKMeans.ChannelCsv(test), cancellationToken).ConfigureAwait(false);
        var artifacts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["feature_definitions"] = (await context.PutTextAsync(trainingId, "feature_definitions", ArtifactKeys.FeatureDefinitions(dataset.DatasetId, trainingId), preprocessor.ToJson(), cancellationToken).ConfigureAwait(false)).Key,
            ["train"] = trainRef.Key,
            ["test"] = testRef.Key,
        };
        var manifest = new PreparationManifest(trainingId, dataset.DatasetId, dataset.Version, dataset.Sha256, target ?? "", request.TaskType, [], preprocessor.FeatureNames,
            rows.Count, train.Count, 0, test.Count, request.RandomSeed, request.DataPreprocessing, $"{raw.RowCount - rows.Count} rows dropped for missing values; unlabelled channels for SageMaker {request.Algorithm}", artifacts);
        await context.PutTextAsync(trainingId, "preparation", PreparationManifest.Key(trainingId), JsonSerializer.Serialize(manifest, JsonOptions), cancellationToken).ConfigureAwait(false);

        var jobName = JobNamePrefix + trainingId;
        Report($"[2/5] training on SageMaker: built-in {(kmeans ? "K-Means" : "PCA")}, job {jobName} ({string.Join(", ", hyperparameters.Select(p => $"{p.Key}={p.Value}"))})");
        var job = new SageMakerTrainingRequest
        {
            JobName = jobName,
            Algorithm = algorithm,
            RoleArn = settings.RoleArn,

            // K-Means scores the test channel (test:msd); PCA scores nothing, so its test rows are left for the batch transform.
            Channels = kmeans
                ?
                [
                    new TrainingChannel("train", settings.S3Uri(channels + "train/"), SageMakerKMeans.ContentType),
                    new TrainingChannel("test", settings.S3Uri(channels + "test/"), SageMakerKMeans.ContentType),
                ]
                : [new TrainingChannel("train", settings.S3Uri(channels + "train/"), SageMakerKMeans.ContentType)],
            OutputS3Uri = settings.S3Uri(OutputPrefix),
            CheckpointS3Uri = settings.S3Uri("checkpoints/"),
            DatasetBytes = trainRef.Size + testRef.Size,
            Profile = ProfileFor(request),
            HyperParameters = hyperparameters,
            OutputKmsKeyId = settings.KmsKeyId,
        };
        var facts = new SageMakerJobFacts
        {
            TrainingId = trainingId,
            JobName = jobName,
            RequestSource = requestSource,
            LearningType = request.LearningType,
            TaskType = request.TaskType,
            Algorithm = request.Algorithm,
            ModelName = request.ModelName ?? PackagingService.DefaultModelName(dataset.DatasetId, request.Algorithm),
            DeploymentStrategy = request.DeploymentStrategy,
            MaxRetry = request.MaxRetry,
            PrimaryMetric = metric,
            JudgedMetric = kmeans ? SageMakerKMeans.ReportedMetric : SageMakerPca.MeasuredBy,
            Threshold = threshold,
            HyperParameters = hyperparameters,
            TrainChannel = trainRef.Location,
            ValidationChannel = testRef.Location,
            StartedAt = startedAt,
            BaselineMeanSquaredDistance = kmeans ? baseline : null,
            TransformInput = kmeans ? null : settings.S3Uri(channels + "test/"),
        };
        var unlabelled = new TrainingData([.. train], new double[train.Count], preprocessor.FeatureNames, []);
        var data = new PreparedData(manifest, preprocessor, unlabelled, null, new TrainingData([.. test], new double[test.Count], preprocessor.FeatureNames, []));
        var parameters = hyperparameters.ToDictionary(p => p.Key, p => (object)p.Value, StringComparer.Ordinal);
        return new PreparedJob(startedAt, metric, facts.JudgedMetric, threshold, dataset, target ?? "", trainingId, data, trainRef, testRef, hyperparameters, parameters, job, facts);
    }

    /// <summary>What finishing a run reads of phase 1: its manifest and the fitted preprocessing (the splits are on S3 for the job).</summary>
    private sealed record PreparedRun(PreparationManifest Manifest, FeaturePreprocessor Preprocessor);

    private sealed record PreparedJob(
        DateTimeOffset StartedAt, string Metric, string EvalMetric, double Threshold, DatasetVersion Dataset, string Target, string TrainingId,
        PreparedData Data, ArtifactRef TrainRef, ArtifactRef TestRef, SortedDictionary<string, string> HyperParameters, Dictionary<string, object> Parameters, SageMakerTrainingRequest Job,
        SageMakerJobFacts Facts);

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private void Report(string message) => progress?.Report(message);

    /// <summary>Reports on the caller's thread, so progress lines keep their order.</summary>
    private sealed class InlineProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
