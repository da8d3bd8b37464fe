using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.CloudWatch;
using MlopsAgents.Aws.Http;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Unsupervised;

namespace MlopsAgents.Aws.SageMaker;

// Phases 3–5 of a SageMaker run once its job has ended: the model artifact, the Judge, the registration and the records.
public sealed partial class SageMakerPipeline
{
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
}
