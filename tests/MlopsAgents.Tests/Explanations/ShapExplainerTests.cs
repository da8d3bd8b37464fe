using MlopsAgents.Plugins.Evaluation.Explanations;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Tests.Support;
using MlopsAgents.Tests.Training;

namespace MlopsAgents.Tests.Explanations;

public sealed class ShapExplainerTests
{
    private static readonly ShapOptions ForceExact = new(Method: ShapMethods.Exact);

    [Fact]
    public void Explain_SmallBinaryForest_TreeShapEqualsExactShap()
    {
        var data = Synthetic.Classification(rows: 300, features: 5, classes: 2, seed: 1);
        var model = new RandomForestTrainer().Train(data, null, new Dictionary<string, object> { ["n_estimators"] = 6L, ["max_depth"] = 5L }, seed: 3);
        var background = data.Features.Take(40).ToArray();
        var rows = data.Features.Skip(100).Take(6).ToArray();

        var tree = ShapExplainer.Explain(model, background, rows, data.FeatureNames, seed: 7);
        var exact = ShapExplainer.Explain(model, background, rows, data.FeatureNames, seed: 7, ForceExact);

        Assert.Equal(ShapMethods.TreeShap, tree.Method);
        Assert.Equal(ShapOutputSpaces.Probability, tree.OutputSpace);
        Assert.Equal(["1"], tree.OutputNames);
        AssertSameValues(exact, tree, 1e-9);
        Assert.True(tree.MaxLocalAccuracyError < 1e-9, $"local accuracy error {tree.MaxLocalAccuracyError}");
    }

    [Fact]
    public void Explain_MulticlassAndRegressionForests_TreeShapEqualsExactShap()
    {
        var classes = Synthetic.Classification(rows: 300, features: 4, classes: 3, seed: 2);
        var classifier = new RandomForestTrainer().Train(classes, null, new Dictionary<string, object> { ["n_estimators"] = 4L }, seed: 5);
        var regression = TestCsv.SyntheticRegression(200, seed: 4);
        var regressor = new RandomForestTrainer().Train(regression, null, new Dictionary<string, object> { ["n_estimators"] = 4L, ["max_depth"] = 6L }, seed: 6);

        foreach (var (model, data) in new[] { (classifier, classes), (regressor, regression) })
        {
            var background = data.Features.Take(25).ToArray();
            var rows = data.Features.Skip(50).Take(5).ToArray();
            var tree = ShapExplainer.Explain(model, background, rows, data.FeatureNames, seed: 1);
            var exact = ShapExplainer.Explain(model, background, rows, data.FeatureNames, seed: 1, ForceExact);

            Assert.Equal(ShapMethods.TreeShap, tree.Method);
            Assert.Equal(model.Task == ModelTask.Regression ? 1 : 3, tree.OutputNames.Count);
            AssertSameValues(exact, tree, 1e-9);
        }
    }

    [Fact]
    public void TreeShap_FeatureSplitTwiceOnAPath_EqualsExactShap()
    {
        // x0 is split at the root and again below, x1 and x2 in between: the walk must remember which side x0 took.
        var tree = new ExplainableTree(
            feature: [0, 1, 0, 2, -1, -1, -1, -1, -1],
            threshold: [0.5, 0.3, 0.2, 0.7, 0, 0, 0, 0, 0],
            left: [1, 2, 4, 6, -1, -1, -1, -1, -1],
            right: [3, 5, 8, 7, -1, -1, -1, -1, -1],
            values: [[0], [0], [0], [0], [1.0], [-2.0], [4.0], [0.5], [3.0]]);
        var second = new ExplainableTree([2, -1, -1], [0.4, 0, 0], [1, -1, -1], [2, -1, -1], [[0], [1.5], [-1.0]]);
        var ensemble = new ExplainableTreeEnsemble([tree, second], featureCount: 3, ["value"], ShapOutputSpaces.Value, scale: 1, offset: [0.25]);
        var random = new Random(11);
        var background = Enumerable.Range(0, 30).Select(_ => new[] { random.NextDouble(), random.NextDouble(), random.NextDouble() }).ToArray();
        var rows = Enumerable.Range(0, 8).Select(_ => new[] { random.NextDouble(), random.NextDouble(), random.NextDouble() }).ToArray();

        var values = TreeShap.Explain(ensemble, background, rows, out var baseValues);
        var exact = ShapExplainer.Explain(new EnsembleModel(ensemble), background, rows, ["x0", "x1", "x2"], seed: 0, ForceExact);

        Assert.Equal(exact.BaseValues[0], baseValues[0], 1e-12);
        for (var i = 0; i < rows.Length; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                Assert.Equal(exact.Rows[i].Values[0][j], values[i][0][j], 1e-9);
            }

            Assert.Equal(ensemble.Evaluate(rows[i])[0], baseValues[0] + values[i][0].Sum(), 1e-9);
        }
    }

    [Fact]
    public void Explain_BinaryXgBoost_TreeShapInLogOddsAddsUpToTheModelsProbability()
    {
        var data = Synthetic.Classification(rows: 300, features: 6, classes: 2, seed: 8);
        var model = new XgBoostTrainer().Train(data, null, new Dictionary<string, object> { ["num_round"] = 20L, ["max_depth"] = 3L }, seed: 2);
        var rows = data.Features.Skip(200).Take(20).ToArray();

        var result = ShapExplainer.Explain(model, data.Features.Take(50).ToArray(), rows, data.FeatureNames, seed: 1);

        Assert.Equal(ShapMethods.TreeShap, result.Method);
        Assert.Equal(ShapOutputSpaces.LogOdds, result.OutputSpace);
        Assert.True(result.MaxLocalAccuracyError < 1e-9, $"local accuracy error {result.MaxLocalAccuracyError}");
        var probabilities = model.Predict(rows);
        for (var i = 0; i < rows.Length; i++)
        {
            var logOdds = result.BaseValues[0] + result.Rows[i].Values[0].Sum();
            // ML.NET computes in float, hence the looser tolerance against its probability.
            Assert.Equal(probabilities[i][1], 1 / (1 + Math.Exp(-logOdds)), 1e-5);
        }
    }

    [Fact]
    public void Explain_RegressionXgBoost_TreeShapAddsUpToThePrediction()
    {
        var data = TestCsv.SyntheticRegression(200, seed: 9);
        var model = new XgBoostTrainer().Train(data, null, new Dictionary<string, object> { ["num_round"] = 15L }, seed: 2);
        var rows = data.Features.Take(10).ToArray();

        var result = ShapExplainer.Explain(model, data.Features.Skip(100).ToArray(), rows, data.FeatureNames, seed: 1);

        Assert.Equal(ShapMethods.TreeShap, result.Method);
        Assert.Equal(ShapOutputSpaces.Value, result.OutputSpace);
        var predictions = model.Predict(rows);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(predictions[i][0], result.BaseValues[0] + result.Rows[i].Values[0].Sum(), 1e-4);
        }
    }

    [Fact]
    public void Explain_MulticlassXgBoost_FallsBackToExactOnProbabilities()
    {
        var data = Synthetic.Classification(rows: 150, features: 4, classes: 3, seed: 3);
        var model = new XgBoostTrainer().Train(data, null, new Dictionary<string, object> { ["num_round"] = 5L }, seed: 2);

        var result = ShapExplainer.Explain(model, data.Features.Take(20).ToArray(), data.Features.Skip(100).Take(3).ToArray(), data.FeatureNames, seed: 1);

        Assert.Equal(ShapMethods.Exact, result.Method);
        Assert.Equal(ShapOutputSpaces.Probability, result.OutputSpace);
        Assert.Equal(3, result.OutputNames.Count);
        Assert.True(result.MaxLocalAccuracyError < 1e-9);
    }

    [Fact]
    public void Explain_SmallLogisticModel_KernelShapApproximatesExactShap()
    {
        var data = Synthetic.Classification(rows: 400, features: 10, classes: 2, seed: 4);
        var model = new LogisticRegressionTrainer().Train(data, null, TestCsv.Defaults, seed: 0);
        var background = data.Features.Take(40).ToArray();
        var rows = data.Features.Skip(300).Take(5).ToArray();

        var exact = ShapExplainer.Explain(model, background, rows, data.FeatureNames, seed: 1, ForceExact);
        var kernel = ShapExplainer.Explain(model, background, rows, data.FeatureNames, seed: 1, new ShapOptions(Method: ShapMethods.KernelShap, KernelSampleCount: 300));

        Assert.Equal(ShapMethods.Exact, exact.Method);
        Assert.Equal(ShapMethods.KernelShap, kernel.Method);
        Assert.True(exact.MaxLocalAccuracyError < 1e-9, $"exact local accuracy error {exact.MaxLocalAccuracyError}");
        Assert.True(kernel.MaxLocalAccuracyError < 1e-9, $"kernel local accuracy error {kernel.MaxLocalAccuracyError}");
        AssertSameValues(exact, kernel, 1e-2);
    }

    [Fact]
    public void Explain_LinearModelWithIndependentBackground_ValuesAreWeightTimesDeviationFromMean()
    {
        var data = Synthetic.Regression(rows: 200, weights: [2.0, -1.5, 0.5, 0.0, 3.0], seed: 5);
        var model = new LinearRegressionTrainer().Train(data, null, TestCsv.Defaults, seed: 0);
        var background = data.Features.Take(60).ToArray();
        var rows = data.Features.Skip(100).Take(5).ToArray();
        var origin = new double[5];
        var weights = Enumerable.Range(0, 5).Select(j =>
        {
            var unit = new double[5];
            unit[j] = 1;
            var p = model.Predict([unit, origin]);
            return p[0][0] - p[1][0];
        }).ToArray();

        foreach (var options in new[] { ForceExact, new ShapOptions(Method: ShapMethods.KernelShap, KernelSampleCount: 20) })
        {
            var result = ShapExplainer.Explain(model, background, rows, data.FeatureNames, seed: 2, options);
            for (var i = 0; i < rows.Length; i++)
            {
                for (var j = 0; j < 5; j++)
                {
                    var expected = weights[j] * (rows[i][j] - background.Average(b => b[j]));
                    Assert.Equal(expected, result.Rows[i].Values[0][j], 1e-8);
                }
            }
        }
    }

    [Fact]
    public void Explain_ManyFeatures_PicksKernelShapAndRanksFeatures()
    {
        var data = Synthetic.Classification(rows: 300, features: 14, classes: 2, seed: 6);
        var model = new LogisticRegressionTrainer().Train(data, null, TestCsv.Defaults, seed: 0);

        var result = ShapExplainer.Explain(model, data.Features, data.Features.Take(10).ToArray(), data.FeatureNames, seed: 3, new ShapOptions(MaxBackgroundRows: 30));

        Assert.Equal(ShapMethods.KernelShap, result.Method);
        Assert.Equal(30, result.BackgroundRows);
        Assert.True(result.MaxLocalAccuracyError < 1e-9);
        Assert.Equal(Enumerable.Range(1, 14), result.GlobalImportance.Select(f => f.Rank));
        Assert.True(result.GlobalImportance.Zip(result.GlobalImportance.Skip(1)).All(p => p.First.MeanAbsShap >= p.Second.MeanAbsShap));
    }

    [Fact]
    public void Explain_SameSeed_SameValues()
    {
        var data = Synthetic.Classification(rows: 200, features: 14, classes: 2, seed: 7);
        var model = new LogisticRegressionTrainer().Train(data, null, TestCsv.Defaults, seed: 0);
        var options = new ShapOptions(MaxBackgroundRows: 20, KernelSampleCount: 100);

        var first = ShapExplainer.Explain(model, data.Features, data.Features.Take(3).ToArray(), data.FeatureNames, seed: 9, options);
        var second = ShapExplainer.Explain(model, data.Features, data.Features.Take(3).ToArray(), data.FeatureNames, seed: 9, options);

        AssertSameValues(first, second, 0);
    }

    [Fact]
    public void SaveGlobalImportancePng_ForestResult_WritesOnlyAPng()
    {
        using var dir = new TempDirectory();
        var data = Synthetic.Classification(rows: 200, features: 5, classes: 2, seed: 1);
        var model = new RandomForestTrainer().Train(data, null, new Dictionary<string, object> { ["n_estimators"] = 5L }, seed: 3);
        var result = ShapExplainer.Explain(model, data.Features, data.Features.Take(20).ToArray(), data.FeatureNames, seed: 1);
        var path = dir.Combine("shap_importance.png");

        ExplanationPlots.SaveGlobalImportancePng(result, path);

        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(path).Take(4));
        Assert.Equal(["shap_importance.png"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    private static void AssertSameValues(ShapResult expected, ShapResult actual, double tolerance)
    {
        Assert.Equal(expected.BaseValues.Length, actual.BaseValues.Length);
        for (var o = 0; o < expected.BaseValues.Length; o++)
        {
            Assert.Equal(expected.BaseValues[o], actual.BaseValues[o], 1e-9);
        }

        for (var i = 0; i < expected.Rows.Count; i++)
        {
            for (var o = 0; o < expected.BaseValues.Length; o++)
            {
                for (var j = 0; j < expected.FeatureNames.Count; j++)
                {
                    var e = expected.Rows[i].Values[o][j];
                    var a = actual.Rows[i].Values[o][j];
                    Assert.True(Math.Abs(e - a) <= tolerance, $"row {i}, output {o}, feature {j}: expected {e}, got {a}");
                }
            }
        }
    }

    /// <summary>Serves an ExplainableTreeEnsemble through ITrainedModel, so exact SHAP can run on a hand-made tree.</summary>
    private sealed class EnsembleModel(ExplainableTreeEnsemble ensemble) : ITrainedModel
    {
        public string Algorithm => "test_trees";
        public ModelTask Task => ModelTask.Regression;
        public int FeatureCount => ensemble.FeatureCount;
        public int ClassCount => 0;

        public double[][] Predict(double[][] features) => features.Select(ensemble.Evaluate).ToArray();

        public void Save(string directory) => throw new NotSupportedException("A test model is not saved.");
    }
}
