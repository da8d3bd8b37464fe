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

/// <summary>
/// <c>mlops run</c> with MLOPS_TRAINING_BACKEND=sagemaker: phase 1 runs here exactly as on the embedded default (its
/// artifacts on the configured store, normally S3); the model trains as a SageMaker built-in XGBoost job on spot with
/// checkpoints where the profile allows; the Judge reads the metric SageMaker computed on the held-out test split
/// (passed as the job's validation channel, with no early stopping, so it never steers training); a passing model is
/// registered locally and, when asked, as a SageMaker model package approved by the Judge.
/// What it does not do is listed in <see cref="NotDone"/> and printed with every run: the model binary is XGBoost's,
/// which this process cannot load, so there is no local evaluation, explanation, drift baseline or local serving.
/// </summary>
public sealed class SageMakerPipeline(MlopsContext context, SageMakerTrainingService training, SageMakerClient sagemaker, SageMakerRunSettings settings, IProgress<string>? progress = null)
{
    /// <summary>What a SageMaker run leaves out compared with the embedded default, said with every run.</summary>
    public static readonly IReadOnlyList<string> NotDone =
    [
        "no local evaluation of the model binary (predictions, confusion matrix, plots, SHAP/LIME, fairness, drift baseline): it is SageMaker XGBoost's format, which this process does not load",
        "no automatic retrain when the Judge says no (max_retry applies to the embedded default only)",
        "no local deployment: `mlops serve` serves locally trained models only (MLOPS_DEPLOY_BACKEND=sagemaker deploys to a SageMaker endpoint instead)",
    ];

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

    /// <summary>The built-in algorithm for a request, or a <see cref="RequestValidationException"/> naming what is allowed.</summary>
    public static TrainingAlgorithm AlgorithmFor(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var script = request.LearningType == LearningTypes.Supervised && ScriptModeJob.Covers(request.Algorithm);
        if (!script && (request.LearningType != LearningTypes.Supervised || request.Algorithm != AlgorithmCatalog.XgBoost))
        {
            throw new RequestValidationException("algorithm", request.Algorithm,
                $"MLOPS_TRAINING_BACKEND=sagemaker trains supervised xgboost requests (SageMaker built-in XGBoost {BuiltInAlgorithmImages.XGBoostVersion}) " +
                $"and supervised {string.Join(", ", ScriptModeJob.Algorithms)} (scikit-learn script mode); " +
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
    /// for hours. The run is recorded as "running" with its job name; describe_training_job (DescribeTrainingJob) follows it.
    /// </summary>
    public async Task<SageMakerJobStart> StartAsync(TrainingRequest request, CancellationToken cancellationToken = default)
    {
        var p = await PrepareJobAsync(request, cancellationToken).ConfigureAwait(false);
        var started = await training.StartAsync(p.Job, cancellationToken).ConfigureAwait(false);
        Report($"[2/5] started {started.JobArn}; not waiting for it");
        context.Registry.SaveRun(new RunRecord(p.TrainingId, p.Dataset.DatasetId, p.Dataset.Version, request.Algorithm, request.TaskType, "running", null, p.Parameters,
            new Dictionary<string, double>(), new Dictionary<string, string>(StringComparer.Ordinal) { ["sagemaker_job"] = p.Job.JobName, ["train_channel"] = p.TrainRef.Location, ["validation_channel"] = p.TestRef.Location },
            new Dictionary<string, double>(), p.StartedAt, null, null));
        return new SageMakerJobStart(p.TrainingId, started.JobName, started.JobArn, started.TrainingImage, started.Resources,
            p.Job.Channels[0].S3Uri, p.Job.Channels[1].S3Uri, p.Job.OutputS3Uri, started.CheckpointS3Uri, p.Metric, "validation:" + p.EvalMetric, p.Threshold, p.Job.HyperParameters);
    }

    public async Task<SageMakerRunSummary> RunAsync(TrainingRequest request, string requestSource, CancellationToken cancellationToken = default)
    {
        var total = Stopwatch.StartNew();
        var p = await PrepareJobAsync(request, cancellationToken).ConfigureAwait(false);
        var (startedAt, metric, evalMetric, threshold, dataset, target, trainingId, data, trainRef, testRef, hyperparameters, jobName) =
            (p.StartedAt, p.Metric, p.EvalMetric, p.Threshold, p.Dataset, p.Target, p.TrainingId, p.Data, p.TrainRef, p.TestRef, p.HyperParameters, p.Job.JobName);
        var job = await training.RunAsync(p.Job, cancellationToken, new InlineProgress(m => Report("      " + m))).ConfigureAwait(false);
        var parameters = p.Parameters;
        if (!job.Succeeded)
        {
            context.Registry.SaveRun(new RunRecord(trainingId, dataset.DatasetId, dataset.Version, request.Algorithm, request.TaskType, "failed", null, parameters,
                new Dictionary<string, double>(), new Dictionary<string, string> { ["sagemaker_job"] = jobName }, new Dictionary<string, double>(), startedAt, DateTimeOffset.UtcNow, null));
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
        Report($"[3/5] evaluation: SageMaker's validation:{evalMetric} on the {data.Test.RowCount} held-out rows (no local evaluation of the XGBoost binary)");
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var reported = job.FinalMetrics.TryGetValue("validation:" + evalMetric, out var value);
        if (reported)
        {
            metrics[metric] = value;
        }

        var verdict = Judge.Decide(metrics, metric, threshold, 0, 0);
        var reason = !reported
            ? $"SageMaker reported no validation:{evalMetric} for {jobName} (its FinalMetricDataList: {string.Join(", ", job.FinalMetrics.Keys.DefaultIfEmpty("empty"))}), so the model cannot be judged; nothing is registered."
            : verdict.Decision == JudgeDecisions.Pass || request.MaxRetry == 0
                ? verdict.Reason
                : verdict.Reason + $" SageMaker runs do not retrain automatically, so max_retry {request.MaxRetry.ToString(CultureInfo.InvariantCulture)} was not used.";

        Report($"[4/5] judge: {verdict.Decision}: {reason}");
        foreach (var (name, final) in job.FinalMetrics)
        {
            metrics.TryAdd(name, final);
        }

        // ---- Phase 5: register (no deployment) ----
        string? modelName = null, version = null, packageArn = null, packageStatus = null;
        if (verdict.Decision == JudgeDecisions.Pass)
        {
            modelName = request.ModelName ?? PackagingService.DefaultModelName(dataset.DatasetId, request.Algorithm);
            (version, packageArn, packageStatus) = await RegisterAsync(modelName, data, job, hyperparameters, artifactUri, sha256, metric, metrics, reason, cancellationToken).ConfigureAwait(false);
            Report($"[5/5] registered {modelName} {version}" + (packageArn is null ? " in the local registry" : $"; SageMaker model package {packageArn} {packageStatus}") + "; not deployed (SageMaker runs deploy nothing locally)");
        }
        else
        {
            Report("[5/5] skipped: the Judge did not pass the model, so nothing is registered");
        }

        var artifacts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["sagemaker_job"] = jobName,
            ["model_artifact"] = artifactUri,
            ["train_channel"] = trainRef.Location,
            ["validation_channel"] = testRef.Location,
        };
        var results = new JsonObject
        {
            ["training_id"] = trainingId,
            ["backend"] = "sagemaker",
            ["learning_type"] = request.LearningType,
            ["task_type"] = request.TaskType,
            ["algorithm"] = request.Algorithm,
            ["dataset"] = new JsonObject { ["dataset_id"] = dataset.DatasetId, ["version"] = dataset.Version, ["sha256"] = dataset.Sha256, ["target"] = target },
            ["split"] = new JsonObject { ["train"] = data.Manifest.TrainRows, ["validation"] = data.Manifest.ValidationRows, ["test"] = data.Manifest.TestRows },
            ["hyperparameters"] = JsonSerializer.SerializeToNode(hyperparameters),
            ["metrics"] = JsonSerializer.SerializeToNode(metrics),
            ["primary_metric"] = metric,
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
            ["not_done"] = new JsonArray([.. NotDone.Select(n => (JsonNode?)n)]),
        };
        var resultsRef = await context.PutTextAsync(trainingId, "results", ArtifactKeys.Evaluation(trainingId, "results.json"), results.ToJsonString(JsonOptions), cancellationToken).ConfigureAwait(false);
        artifacts["results"] = resultsRef.Key;
        context.Registry.SaveRun(new RunRecord(trainingId, dataset.DatasetId, dataset.Version, request.Algorithm, request.TaskType, "finished", verdict.Decision, parameters,
            metrics, artifacts, new Dictionary<string, double> { ["total"] = total.Elapsed.TotalSeconds }, startedAt, DateTimeOffset.UtcNow, null));

        var manifest = data.Manifest;
        var history = HistoryWriter.Render(new TrainingHistoryEntry(
            trainingId, startedAt, total.Elapsed, requestSource, dataset.DatasetId, dataset.Version, dataset.Sha256,
            manifest.Rows, manifest.TrainRows, manifest.ValidationRows, manifest.TestRows, manifest.FeatureNames, target!,
            request.LearningType, request.TaskType, request.Algorithm, parameters, metrics, metric, threshold,
            verdict.Decision, reason, 1, modelName, version, null)
        {
            ExtraSections = [SageMakerSection(job, artifactUri, sha256, packageArn, packageStatus)],
        });
        var historyPath = Path.Combine(context.Home.TrainingHistoryDirectory, trainingId + ".md");
        await AtomicFile.WriteAllTextAsync(historyPath, history, cancellationToken).ConfigureAwait(false);
        await context.PutTextAsync(trainingId, "history", ArtifactKeys.Log(trainingId, "training_history.md"), history, cancellationToken).ConfigureAwait(false);
        Report($"done in {total.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s: {verdict.Decision}");

        return new SageMakerRunSummary(trainingId, verdict.Decision, reason, metrics, jobName, job.Status, job.TrainingImage ?? "", job.Resources, job.BillableTimeInSeconds,
            artifactUri, sha256, bytes, modelName, version, packageArn, packageStatus, resultsRef.Location, historyPath, NotDone)
        {
            DeploymentStrategy = request.DeploymentStrategy,
        };
    }

    /// <summary>Phase 1 on the configured store and the job's request: shared by <see cref="StartAsync"/> and <see cref="RunAsync"/>.</summary>
    private async Task<PreparedJob> PrepareJobAsync(TrainingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var startedAt = DateTimeOffset.UtcNow;
        var algorithm = AlgorithmFor(request);
        var metric = request.EffectivePrimaryMetric;
        if (!EvalMetrics.TryGetValue(metric, out var evalMetric))
        {
            throw new RequestValidationException("primary_metric", metric,
                $"SageMaker XGBoost reports {string.Join(", ", EvalMetrics.Keys)} on the held-out split; set primary_metric to one of them (and evaluation_threshold for rmse or mae)");
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
                $"SageMaker XGBoost reports {metric} for two classes; this target has {classes.ToString(CultureInfo.InvariantCulture)}: use accuracy");
        }

        // ---- Phase 2 on SageMaker: the channels in the built-in's CSV layout, then the job ----
        var weighted = data.Train.SampleWeights is not null;
        // The layout follows the training role's policy (infra/cloudformation/iam.yaml): it reads datasets/ and writes
        // models/ and checkpoints/ under the store's prefix, and nothing else.
        var channels = ChannelPrefix(dataset.DatasetId, trainingId);
        var trainRef = await context.Store.PutTextAsync(channels + "train/train.csv", ChannelCsv(data.Train, weighted), cancellationToken).ConfigureAwait(false);
        var testRef = await context.Store.PutTextAsync(channels + "validation/validation.csv", ChannelCsv(data.Test, weighted), cancellationToken).ConfigureAwait(false);
        var hyperparameters = algorithm == TrainingAlgorithm.Script ? ScriptModeJob.HyperParameters(request, classes, weighted) : HyperParameters(request, classes, evalMetric, weighted);
        var jobName = "mlops-" + trainingId;
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
        return new PreparedJob(startedAt, metric, evalMetric, threshold, dataset, target!, trainingId, data, trainRef, testRef, hyperparameters, parameters, job);
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
        string modelName, PreparedData data, SageMakerTrainingResult job, IReadOnlyDictionary<string, string> hyperparameters, string artifactUri, string sha256, string metric, IReadOnlyDictionary<string, double> metrics, string reason, CancellationToken ct)
    {
        var preprocessor = data.Preprocessor;
        var schemaHash = Sha256Hex(JsonSerializer.Serialize(new { columns = preprocessor.Columns, features = preprocessor.FeatureNames, classes = preprocessor.ClassNames, task = preprocessor.Task }));
        var models = new ModelRegistryService(context.Registry, context.Store);
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
            packageArn = await deployment.RegisterAsync(group, $"{modelName} {version}, trained by {job.JobName}", job.TrainingImage!, artifactUri, metadata, ct).ConfigureAwait(false);
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
            ["algorithm"] = "xgboost",
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

    private static string SageMakerSection(SageMakerTrainingResult job, string artifactUri, string sha256, string? packageArn, string? packageStatus)
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
        foreach (var line in NotDone)
        {
            text.Append("- ").Append(line).Append('\n');
        }

        return text.ToString();
    }

    private sealed record PreparedJob(
        DateTimeOffset StartedAt, string Metric, string EvalMetric, double Threshold, DatasetVersion Dataset, string Target, string TrainingId,
        PreparedData Data, ArtifactRef TrainRef, ArtifactRef TestRef, SortedDictionary<string, string> HyperParameters, Dictionary<string, object> Parameters, SageMakerTrainingRequest Job);

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private void Report(string message) => progress?.Report(message);

    /// <summary>Reports on the caller's thread, so progress lines keep their order.</summary>
    private sealed class InlineProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
