using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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
public sealed partial class SageMakerPipeline(MlopsContext context, SageMakerTrainingService training, SageMakerClient sagemaker, SageMakerRunSettings settings, IProgress<string>? progress = null)
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

    /// <summary>train-{UTC time}-{6 hex}: sorts by start, and two runs started in the same second still differ.</summary>
    private static string NewTrainingId(DateTimeOffset startedAt) =>
        $"train-{startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    /// <summary>What every algorithm's run stores for its finish; K-Means and PCA add the inputs of their measured metric.</summary>
    private static SageMakerJobFacts FactsFor(
        TrainingRequest request, string requestSource, DatasetVersion dataset, string trainingId, DateTimeOffset startedAt, string metric, string judgedMetric, double threshold,
        SortedDictionary<string, string> hyperparameters, ArtifactRef trainRef, ArtifactRef testRef) => new()
    {
        TrainingId = trainingId,
        JobName = JobNamePrefix + trainingId,
        RequestSource = requestSource,
        LearningType = request.LearningType,
        TaskType = request.TaskType,
        Algorithm = request.Algorithm,
        ModelName = request.ModelName ?? PackagingService.DefaultModelName(dataset.DatasetId, request.Algorithm),
        DeploymentStrategy = request.DeploymentStrategy,
        MaxRetry = request.MaxRetry,
        PrimaryMetric = metric,
        JudgedMetric = judgedMetric,
        Threshold = threshold,
        HyperParameters = hyperparameters,
        TrainChannel = trainRef.Location,
        ValidationChannel = testRef.Location,
        StartedAt = startedAt,
    };

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
