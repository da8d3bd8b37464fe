using System.Globalization;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Unsupervised;

namespace MlopsAgents.Aws.SageMaker;

/// <summary>
/// Dimensionality-reduction requests (learning_type unsupervised, algorithm pca) on SageMaker's built-in PCA. The
/// built-in reports no metric while it trains, so the Judge's explained_variance_total is measured on the held-out test
/// split: a batch transform projects the test rows with the trained model (JSON Lines of {"projection": [...]}), and
/// <c>explained_variance_total = Σ variance of each projection coordinate / Σ variance of each feature</c> over the
/// test rows. With subtract_mean=true the components are orthonormal directions, so the ratio lies in [0, 1] and is
/// the share of the test rows' variance the kept components capture, as the embedded default reports it on the rows it
/// fits.
/// </summary>
public static class SageMakerPca
{
    public const string Metric = UnsupervisedTrainer.ExplainedVarianceTotal;

    /// <summary>Where the Judge's value comes from, as results.json names it.</summary>
    public const string MeasuredBy = "transform:explained_variance_total";

    /// <summary>The built-in's mini-batch is required; the training rows up to this many go in one.</summary>
    public const int MaxMiniBatchSize = 5000;

    /// <summary>The request checks a SageMaker PCA run needs before anything is written.</summary>
    public static TrainingAlgorithm Check(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.EffectivePrimaryMetric != Metric)
        {
            throw new RequestValidationException("primary_metric", request.EffectivePrimaryMetric,
                $"SageMaker PCA runs are judged on {Metric}, measured by projecting the test split with a batch transform; trustworthiness needs the embedded default: unset MLOPS_TRAINING_BACKEND for it");
        }

        if (request.Hpo is not null)
        {
            throw new RequestValidationException("hpo", "set", "the hyperparameter search runs on the embedded default only; remove the hpo block or unset MLOPS_TRAINING_BACKEND");
        }

        return TrainingAlgorithm.Pca;
    }

    /// <summary>feature_dim, num_components (the request's n_components, default 2), mini_batch_size, subtract_mean=true, algorithm_mode=regular.</summary>
    public static SortedDictionary<string, string> HyperParameters(TrainingRequest request, int featureDim, int trainRows)
    {
        ArgumentNullException.ThrowIfNull(request);
        var components = Convert.ToInt64(TrainingService.WithDefaults(request.Algorithm, request.Hyperparameters)["n_components"], CultureInfo.InvariantCulture);
        if (components > featureDim)
        {
            throw new RequestValidationException("hyperparameters.n_components", components.ToString(CultureInfo.InvariantCulture),
                $"at most the {featureDim.ToString(CultureInfo.InvariantCulture)} features the data has after encoding");
        }

        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["feature_dim"] = featureDim.ToString(CultureInfo.InvariantCulture),
            ["num_components"] = components.ToString(CultureInfo.InvariantCulture),
            ["mini_batch_size"] = Math.Min(trainRows, MaxMiniBatchSize).ToString(CultureInfo.InvariantCulture),
            ["subtract_mean"] = "true",
            ["algorithm_mode"] = "regular",
        };
    }

    /// <summary>The projections of a JSON Lines transform output, one {"projection": [...]} per input row, in order.</summary>
    public static List<double[]> ParseProjections(string jsonLines)
    {
        ArgumentNullException.ThrowIfNull(jsonLines);
        var rows = new List<double[]>();
        var number = 0;
        foreach (var line in jsonLines.Split('\n'))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var projection = JsonNode.Parse(line)?["projection"] as JsonArray
                ?? throw new FormatException($"Line {number.ToString(CultureInfo.InvariantCulture)} of the transform output has no \"projection\" array: {line}");
            rows.Add([.. projection.Select(v => v!.GetValue<double>())]);
        }

        return rows;
    }

    /// <summary>Σ variance of the projection coordinates / Σ variance of the features, both over the same test rows.</summary>
    public static double ExplainedVariance(IReadOnlyList<double[]> projections, IReadOnlyList<double[]> rows)
    {
        ArgumentNullException.ThrowIfNull(projections);
        ArgumentNullException.ThrowIfNull(rows);
        if (projections.Count != rows.Count || rows.Count < 2)
        {
            throw new ArgumentException($"{projections.Count.ToString(CultureInfo.InvariantCulture)} projections for {rows.Count.ToString(CultureInfo.InvariantCulture)} test rows: one per row, and at least 2 rows, are needed.", nameof(projections));
        }

        var total = TotalVariance(rows);
        return total > 0 ? TotalVariance(projections) / total : throw new ArgumentException("The test rows do not vary, so no share of their variance can be explained.", nameof(rows));
    }

    private static double TotalVariance(IReadOnlyList<double[]> rows)
    {
        var mean = SageMakerKMeans.Mean(rows);
        return SageMakerKMeans.MeanSquaredDistance(rows, mean);
    }
}
