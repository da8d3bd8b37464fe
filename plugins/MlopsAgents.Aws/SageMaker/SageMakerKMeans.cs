using System.Globalization;
using System.Text;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Unsupervised;

namespace MlopsAgents.Aws.SageMaker;

/// <summary>
/// Clustering requests (learning_type unsupervised, algorithm kmeans) on SageMaker's built-in K-Means: the channels,
/// the hyperparameters, and the metric the Judge reads. The built-in reports test:msd, the mean squared distance of the
/// test rows to their closest centre; the Judge decides on <c>variance_explained = 1 − test:msd / baseline</c>, where the
/// baseline is the mean squared distance of the same test rows to the training rows' mean, computed here when the job
/// is prepared. It is the share of the test rows' spread around the training mean that the centres account for: 0 for
/// one centre at the mean, 1 when every test row sits on a centre. The embedded default reports the same ratio on the
/// rows it fits (<see cref="Plugins.Evaluation.ClusteringMetrics.VarianceExplained"/>); the default threshold is 0.5.
/// </summary>
public static class SageMakerKMeans
{
    /// <summary>The request metric the Judge decides K-Means runs on.</summary>
    public const string Metric = UnsupervisedTrainer.VarianceExplained;

    /// <summary>The FinalMetricDataList entry it is computed from (eval_metrics msd on the test channel).</summary>
    public const string ReportedMetric = "test:msd";

    /// <summary>CSV with no label column, as the built-in reads unlabelled rows.</summary>
    public const string ContentType = "text/csv;label_size=0";

    /// <summary>The built-in's default mini-batch; smaller data trains in one batch.</summary>
    public const int MaxMiniBatchSize = 5000;

    /// <summary>
    /// The request checks a SageMaker K-Means run needs before anything is written: the judged metric, a fixed k (the
    /// embedded default's search over k scores silhouette on every row's assignment, which SageMaker does not return),
    /// and no hyperparameter search.
    /// </summary>
    public static TrainingAlgorithm Check(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.EffectivePrimaryMetric != Metric)
        {
            throw new RequestValidationException("primary_metric", request.EffectivePrimaryMetric,
                $"SageMaker K-Means reports {ReportedMetric} (mean squared distance to the closest centre) on the test split, from which the Judge computes {Metric}; " +
                $"set primary_metric: {Metric} (silhouette_score and davies_bouldin_index need every row's cluster, which only the embedded default computes: unset MLOPS_TRAINING_BACKEND for them)");
        }

        if (request.Hpo is not null)
        {
            throw new RequestValidationException("hpo", "set", "the hyperparameter search runs on the embedded default only; remove the hpo block or unset MLOPS_TRAINING_BACKEND");
        }

        _ = ClusterCount(request);
        return TrainingAlgorithm.KMeans;
    }

    /// <summary>k: the request's n_clusters (or its alias k); required, since SageMaker K-Means does not search over k.</summary>
    public static int ClusterCount(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var hp = request.Hyperparameters;
        var value = hp.TryGetValue("n_clusters", out var n) ? n : hp.TryGetValue("k", out var k) ? k : null;
        return value switch
        {
            long l when l is >= 2 and <= int.MaxValue => (int)l,
            int i when i >= 2 => i,
            null => throw new RequestValidationException("hyperparameters.n_clusters", null,
                "an integer of at least 2: SageMaker K-Means trains a fixed k (choosing k by silhouette over k_min..k_max runs on the embedded default)"),
            _ => throw new RequestValidationException("hyperparameters.n_clusters", Convert.ToString(value, CultureInfo.InvariantCulture), "an integer of at least 2"),
        };
    }

    /// <summary>
    /// The built-in's hyperparameters: k, feature_dim, mini_batch_size (the training rows up to the built-in's default
    /// 5000), k-means++ initialisation, eval_metrics msd and ssd on the test channel, and local_lloyd_max_iter and
    /// local_lloyd_tol from the request's max_iter and tol (the catalogue's defaults when it sets none).
    /// </summary>
    public static SortedDictionary<string, string> HyperParameters(TrainingRequest request, int featureDim, int trainRows)
    {
        ArgumentNullException.ThrowIfNull(request);
        var defaults = TrainingService.WithDefaults(request.Algorithm, request.Hyperparameters);
        var k = ClusterCount(request);
        if (k >= trainRows)
        {
            throw new RequestValidationException("hyperparameters.n_clusters", k.ToString(CultureInfo.InvariantCulture),
                $"fewer clusters than the {trainRows.ToString(CultureInfo.InvariantCulture)} training rows");
        }

        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["k"] = k.ToString(CultureInfo.InvariantCulture),
            ["feature_dim"] = featureDim.ToString(CultureInfo.InvariantCulture),
            ["mini_batch_size"] = Math.Min(trainRows, MaxMiniBatchSize).ToString(CultureInfo.InvariantCulture),
            ["init_method"] = "kmeans++",
            ["eval_metrics"] = """["msd","ssd"]""",
            ["local_lloyd_max_iter"] = Convert.ToString(defaults["max_iter"], CultureInfo.InvariantCulture)!,
            ["local_lloyd_tol"] = Convert.ToString(defaults["tol"], CultureInfo.InvariantCulture)!,
        };
    }

    /// <summary>Unlabelled CSV rows: no header, the features only.</summary>
    public static string ChannelCsv(IReadOnlyList<double[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var csv = new StringBuilder();
        foreach (var row in rows)
        {
            for (var d = 0; d < row.Length; d++)
            {
                csv.Append(d == 0 ? "" : ",").Append(row[d].ToString("R", CultureInfo.InvariantCulture));
            }

            csv.Append('\n');
        }

        return csv.ToString();
    }

    /// <summary>The column means of the rows.</summary>
    public static double[] Mean(IReadOnlyList<double[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("At least one row is needed.", nameof(rows));
        }

        var mean = new double[rows[0].Length];
        foreach (var row in rows)
        {
            for (var d = 0; d < mean.Length; d++)
            {
                mean[d] += row[d] / rows.Count;
            }
        }

        return mean;
    }

    /// <summary>The mean over the rows of the squared Euclidean distance to <paramref name="centre"/>: test:msd's measure with one centre.</summary>
    public static double MeanSquaredDistance(IReadOnlyList<double[]> rows, double[] centre)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(centre);
        double sum = 0;
        foreach (var row in rows)
        {
            for (var d = 0; d < centre.Length; d++)
            {
                sum += (row[d] - centre[d]) * (row[d] - centre[d]);
            }
        }

        return rows.Count == 0 ? double.NaN : sum / rows.Count;
    }

    /// <summary>1 − test:msd / baseline: the share of the test rows' spread around the training mean that the centres explain.</summary>
    public static double VarianceExplained(double testMeanSquaredDistance, double baselineMeanSquaredDistance) =>
        baselineMeanSquaredDistance > 0 && double.IsFinite(testMeanSquaredDistance)
            ? 1 - testMeanSquaredDistance / baselineMeanSquaredDistance
            : throw new ArgumentOutOfRangeException(nameof(baselineMeanSquaredDistance), baselineMeanSquaredDistance, "The baseline must be positive and test:msd finite.");
}
