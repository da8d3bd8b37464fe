using MlopsAgents.Plugins.Evaluation.Explanations;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Tests.Training;

namespace MlopsAgents.Tests.Explanations;

public sealed class LimeExplainerTests
{
    [Fact]
    public void Explain_LinearModel_RecoversSignsAndRankingOfWeights()
    {
        var weights = new[] { 3.0, -2.0, 0.0, 1.0, -0.5 };
        var data = Synthetic.Regression(rows: 300, weights, seed: 1);
        var model = new LinearRegressionTrainer().Train(data, null, TestCsv.Defaults, seed: 0);

        var result = LimeExplainer.Explain(model, data.Features, data.Features[7], data.FeatureNames, seed: 3, new LimeOptions(TopK: 5));

        // Features are standard normal, so the weight per training standard deviation is about the model weight.
        Assert.Equal(["x0", "x1", "x3", "x4", "x2"], result.TopFeatures.Select(f => f.Feature));
        foreach (var feature in result.TopFeatures)
        {
            var w = weights[int.Parse(feature.Feature[1..], System.Globalization.CultureInfo.InvariantCulture)];
            Assert.Equal(w, feature.Weight, 0.05);
        }

        Assert.True(result.Score > 0.99, $"local R² {result.Score}");
        Assert.Equal(result.ModelOutput, result.LocalPrediction, 0.05);
        Assert.Equal(0.75 * Math.Sqrt(5), result.KernelWidth, 1e-12);
    }

    [Fact]
    public void Explain_LogisticModel_TopFeaturesCarryTheWeightsSigns()
    {
        var data = Synthetic.Classification(rows: 400, features: 6, classes: 2, seed: 2);
        var model = new LogisticRegressionTrainer().Train(data, null, TestCsv.Defaults, seed: 0);

        var result = LimeExplainer.Explain(model, data.Features, data.Features[0], data.FeatureNames, seed: 5, new LimeOptions(TopK: 3));

        // Synthetic.Classification scores with weights (6−j)/6 and alternating signs: x0 +, x1 −, x2 +.
        Assert.Equal("1", result.ExplainedOutput);
        Assert.Equal(3, result.TopFeatures.Count);
        Assert.Equal(["x0", "x1", "x2"], result.TopFeatures.Select(f => f.Feature).Order(StringComparer.Ordinal));
        foreach (var feature in result.TopFeatures)
        {
            var expectedSign = feature.Feature is "x1" ? -1 : 1;
            Assert.Equal(expectedSign, Math.Sign(feature.Weight));
        }
    }

    [Fact]
    public void Explain_SameSeed_SameResult()
    {
        var data = Synthetic.Classification(rows: 200, features: 4, classes: 3, seed: 3);
        var model = new RandomForestTrainer().Train(data, null, new Dictionary<string, object> { ["n_estimators"] = 5L }, seed: 1);

        var first = LimeExplainer.Explain(model, data.Features, data.Features[3], data.FeatureNames, seed: 8, new LimeOptions(SampleCount: 500));
        var second = LimeExplainer.Explain(model, data.Features, data.Features[3], data.FeatureNames, seed: 8, new LimeOptions(SampleCount: 500));

        Assert.Equal(first with { TopFeatures = [] }, second with { TopFeatures = [] });
        Assert.Equal(first.TopFeatures, second.TopFeatures);
    }
}
