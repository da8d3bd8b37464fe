using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Aws.Tests.SageMaker;

public sealed class SageMakerKMeansTests
{
    private static TrainingRequest KMeans(Dictionary<string, object> hyperparameters, string? metric = SageMakerKMeans.Metric) => new()
    {
        LearningType = LearningTypes.Unsupervised,
        TaskType = TaskTypes.Clustering,
        Algorithm = "kmeans",
        PrimaryMetric = metric,
        Hyperparameters = hyperparameters,
    };

    [Fact]
    public void VarianceExplained_MsdAgainstBaseline_IsTheShareOfSpreadTheCentresExplain()
    {
        // Test rows (0,0), (2,0), (0,2), (2,2) against a training mean (1,1): each is 2 away squared, so the baseline is 2.
        double[][] test = [[0, 0], [2, 0], [0, 2], [2, 2]];
        var baseline = SageMakerKMeans.MeanSquaredDistance(test, SageMakerKMeans.Mean([[0, 0], [2, 2]]));

        Assert.Equal(2.0, baseline, 12);
        Assert.Equal(0.75, SageMakerKMeans.VarianceExplained(0.5, baseline), 12);
        Assert.Equal(0.0, SageMakerKMeans.VarianceExplained(2.0, baseline), 12);
        Assert.Equal(1.0, SageMakerKMeans.VarianceExplained(0.0, baseline), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => SageMakerKMeans.VarianceExplained(0.5, 0));
    }

    [Fact]
    public void HyperParameters_KMeansRequest_SetsKFeatureDimBatchInitAndEvalMetrics()
    {
        var hp = SageMakerKMeans.HyperParameters(KMeans(new() { ["n_clusters"] = 4L, ["max_iter"] = 50L }), featureDim: 7, trainRows: 9000);

        Assert.Equal("4", hp["k"]);
        Assert.Equal("7", hp["feature_dim"]);
        Assert.Equal("5000", hp["mini_batch_size"]);
        Assert.Equal("kmeans++", hp["init_method"]);
        Assert.Equal("""["msd","ssd"]""", hp["eval_metrics"]);
        Assert.Equal("50", hp["local_lloyd_max_iter"]);
        Assert.Equal("0.0001", hp["local_lloyd_tol"]);
    }

    [Fact]
    public void HyperParameters_MoreClustersThanRows_IsRefusedNamingTheField()
    {
        var e = Assert.Throws<RequestValidationException>(() => SageMakerKMeans.HyperParameters(KMeans(new() { ["n_clusters"] = 12L }), 3, trainRows: 10));

        Assert.Contains("hyperparameters.n_clusters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChannelCsv_Rows_HasFeaturesOnlyWithoutHeader()
    {
        Assert.Equal("0.5,1E-07\n-2,3.25\n", SageMakerKMeans.ChannelCsv([[0.5, 1e-7], [-2.0, 3.25]]));
    }

    [Theory]
    [InlineData(null, "primary_metric")]
    [InlineData("davies_bouldin_index", "primary_metric")]
    public void AlgorithmFor_KMeansWithoutVarianceExplained_IsRefusedNamingPrimaryMetric(string? metric, string field)
    {
        var e = Assert.Throws<RequestValidationException>(() => SageMakerPipeline.AlgorithmFor(KMeans(new() { ["n_clusters"] = 3L }, metric)));

        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.Contains("variance_explained", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AlgorithmFor_KMeansWithVarianceExplainedAndK_IsTheBuiltInKMeans()
    {
        Assert.Equal(TrainingAlgorithm.KMeans, SageMakerPipeline.AlgorithmFor(KMeans(new() { ["k"] = 3L })));
    }

    [Fact]
    public void AlgorithmFor_PcaWithTrustworthiness_IsRefusedNamingPrimaryMetric()
    {
        var request = new TrainingRequest { LearningType = LearningTypes.Unsupervised, TaskType = TaskTypes.DimensionalityReduction, Algorithm = "pca", PrimaryMetric = "trustworthiness" };

        var e = Assert.Throws<RequestValidationException>(() => SageMakerPipeline.AlgorithmFor(request));

        Assert.Contains("primary_metric", e.Message, StringComparison.Ordinal);
        Assert.Contains("explained_variance_total", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PcaExplainedVariance_ProjectionOntoOneAxis_IsThatAxisShareOfTheVariance()
    {
        // Columns with variances 4 and 1 (population, over the four rows); projecting onto the first keeps 4 of 5.
        double[][] rows = [[-2, 1], [2, -1], [-2, -1], [2, 1]];
        var projections = SageMakerPca.ParseProjections("{\"projection\": [-2.0]}\n{\"projection\": [2.0]}\n{\"projection\": [-2.0]}\n{\"projection\": [2.0]}\n");

        Assert.Equal(0.8, SageMakerPca.ExplainedVariance(projections, rows), 12);
        Assert.Throws<ArgumentException>(() => SageMakerPca.ExplainedVariance(projections.Take(3).ToList(), rows));
        Assert.Throws<FormatException>(() => SageMakerPca.ParseProjections("{\"closest_cluster\": 1}"));
    }

    [Fact]
    public void PcaHyperParameters_Request_SetsComponentsDimBatchAndSubtractMean()
    {
        var request = new TrainingRequest { LearningType = LearningTypes.Unsupervised, TaskType = TaskTypes.DimensionalityReduction, Algorithm = "pca", Hyperparameters = new Dictionary<string, object> { ["n_components"] = 3L } };

        var hp = SageMakerPca.HyperParameters(request, featureDim: 5, trainRows: 40);

        Assert.Equal("3", hp["num_components"]);
        Assert.Equal("5", hp["feature_dim"]);
        Assert.Equal("40", hp["mini_batch_size"]);
        Assert.Equal("true", hp["subtract_mean"]);
        Assert.Equal("regular", hp["algorithm_mode"]);
        Assert.Throws<RequestValidationException>(() => SageMakerPca.HyperParameters(request, featureDim: 2, trainRows: 40));
    }

    [Fact]
    public void NotDoneFor_KMeans_NamesItsOwnModelFormatAndKeepsTheRest()
    {
        var notDone = SageMakerPipeline.NotDoneFor("kmeans");

        Assert.Contains("K-Means' MXNet format", notDone[0], StringComparison.Ordinal);
        Assert.Equal(SageMakerPipeline.NotDone.Skip(1), notDone.Skip(1));
        Assert.Same(SageMakerPipeline.NotDone, SageMakerPipeline.NotDoneFor("xgboost"));
        Assert.Contains("SageMaker PCA's MXNet format", SageMakerPipeline.NotDoneFor("pca")[0], StringComparison.Ordinal);
    }
}
