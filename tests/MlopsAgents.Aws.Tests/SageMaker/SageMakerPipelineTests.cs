using MlopsAgents.Aws.Resources;
using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Aws.Tests.SageMaker;

public sealed class SageMakerPipelineTests
{
    [Fact]
    public void ChannelCsv_WeightedRows_PutsLabelThenWeightThenFeaturesWithoutHeader()
    {
        var data = new TrainingData([[0.5, 1e-7], [2.0, -3.25]], [1, 0], ["a", "b"], ["no", "yes"]) { SampleWeights = [2.5, 0.75] };

        Assert.Equal("1,2.5,0.5,1E-07\n0,0.75,2,-3.25\n", SageMakerPipeline.ChannelCsv(data, weighted: true));
        Assert.Equal("1,0.5,1E-07\n0,2,-3.25\n", SageMakerPipeline.ChannelCsv(data, weighted: false));
    }

    [Fact]
    public void HyperParameters_MulticlassRequest_AddsSoftprobNumClassEvalMetricAndSeed()
    {
        var request = new TrainingRequest { Algorithm = "xgboost", Hyperparameters = new Dictionary<string, object> { ["eta"] = 0.05, ["num_round"] = 40L }, RandomSeed = 7 };

        var hp = SageMakerPipeline.HyperParameters(request, classCount: 3, evalMetric: "accuracy", weighted: true);

        Assert.Equal("0.05", hp["eta"]);
        Assert.Equal("40", hp["num_round"]);
        Assert.Equal("6", hp["max_depth"]);
        Assert.Equal("multi:softprob", hp["objective"]);
        Assert.Equal("3", hp["num_class"]);
        Assert.Equal("accuracy", hp["eval_metric"]);
        Assert.Equal("7", hp["seed"]);
        Assert.Equal("1", hp["csv_weights"]);
    }

    [Fact]
    public void HyperParameters_RegressionRequest_UsesSquaredErrorWithoutNumClass()
    {
        var request = new TrainingRequest { Algorithm = "xgboost", TaskType = TaskTypes.Regression };

        var hp = SageMakerPipeline.HyperParameters(request, classCount: 0, evalMetric: "rmse", weighted: false);

        Assert.Equal("reg:squarederror", hp["objective"]);
        Assert.False(hp.ContainsKey("num_class"));
        Assert.False(hp.ContainsKey("csv_weights"));
    }

    [Theory]
    [InlineData("cost", PerformanceProfile.Cost)]
    [InlineData("speed", PerformanceProfile.Performance)]
    [InlineData("accuracy", PerformanceProfile.Balanced)]
    [InlineData("balanced", PerformanceProfile.Balanced)]
    public void ProfileFor_RequestProfile_MapsOntoTheInstanceTable(string requested, PerformanceProfile expected)
    {
        var request = new TrainingRequest { WorkflowOptimization = new WorkflowOptimizationOptions { PerformanceProfile = requested } };

        Assert.Equal(expected, SageMakerPipeline.ProfileFor(request));
    }

    [Fact]
    public void AlgorithmFor_HpoBlock_IsRefusedNamingTheField()
    {
        var request = new TrainingRequest { Algorithm = "xgboost", Hpo = new MlopsAgents.Plugins.Training.Search.HpoOptions() };

        var e = Assert.Throws<RequestValidationException>(() => SageMakerPipeline.AlgorithmFor(request));

        Assert.Contains("hpo", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_S3UriAndKeyOf_RoundTripUnderThePrefixOnly()
    {
        var settings = new SageMakerRunSettings { Bucket = "b", Prefix = "team/a", RoleArn = "arn:aws:iam::1:role/r" };

        Assert.Equal("s3://b/team/a/sagemaker/t/train/", settings.S3Uri("sagemaker/t/train/"));
        Assert.Equal("sagemaker/t/output/model.tar.gz", settings.KeyOf("s3://b/team/a/sagemaker/t/output/model.tar.gz"));
        Assert.Null(settings.KeyOf("s3://other/team/a/model.tar.gz"));
    }
}
