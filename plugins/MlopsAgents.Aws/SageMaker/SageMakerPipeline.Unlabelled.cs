using System.Globalization;
using System.Text.Json;
using MlopsAgents.Aws.Http;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Judging;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Unsupervised;

namespace MlopsAgents.Aws.SageMaker;

// Phase 1 and the job request for the unlabelled built-ins, K-Means and PCA.
public sealed partial class SageMakerPipeline
{
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
        var trainingId = NewTrainingId(startedAt);
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
        var facts = FactsFor(request, requestSource, dataset, trainingId, startedAt, metric, kmeans ? SageMakerKMeans.ReportedMetric : SageMakerPca.MeasuredBy, threshold, hyperparameters, trainRef, testRef) with
        {
            BaselineMeanSquaredDistance = kmeans ? baseline : null,
            TransformInput = kmeans ? null : settings.S3Uri(channels + "test/"),
        };
        var unlabelled = new TrainingData([.. train], new double[train.Count], preprocessor.FeatureNames, []);
        var data = new PreparedData(manifest, preprocessor, unlabelled, null, new TrainingData([.. test], new double[test.Count], preprocessor.FeatureNames, []));
        var parameters = hyperparameters.ToDictionary(p => p.Key, p => (object)p.Value, StringComparer.Ordinal);
        return new PreparedJob(startedAt, metric, facts.JudgedMetric, threshold, dataset, target ?? "", trainingId, data, trainRef, testRef, hyperparameters, parameters, job, facts);
    }
}
