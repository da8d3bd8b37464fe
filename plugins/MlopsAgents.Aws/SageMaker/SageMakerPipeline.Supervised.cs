using System.Globalization;
using System.Text;
using MlopsAgents.Aws.Http;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Unsupervised;

namespace MlopsAgents.Aws.SageMaker;

// Phase 1 and the job request for the supervised algorithms: built-in XGBoost and scikit-learn script mode.
public sealed partial class SageMakerPipeline
{
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
        var trainingId = NewTrainingId(startedAt);
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
        var facts = FactsFor(request, requestSource, dataset, trainingId, startedAt, metric, "validation:" + evalMetric, threshold, hyperparameters, trainRef, testRef);
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
}
