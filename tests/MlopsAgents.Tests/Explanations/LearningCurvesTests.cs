using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Tests.Support;
using MlopsAgents.Tests.Training;

namespace MlopsAgents.Tests.Explanations;

public sealed class LearningCurvesTests
{
    [Fact]
    public void Compute_BreastCancer_TestScoreRisesWithTrainingSize()
    {
        var data = TestCsv.LoadClassification("breast_cancer.csv");
        var order = Enumerable.Range(0, data.RowCount).ToArray();
        new Random(0).Shuffle(order);
        TrainingData Take(IEnumerable<int> rows) => data with { Features = rows.Select(i => data.Features[i]).ToArray(), Labels = rows.Select(i => data.Labels[i]).ToArray() };
        var (train, test) = TestCsv.Standardize(Take(order.Take(400)), Take(order.Skip(400)));

        var curve = LearningCurves.Compute(new LogisticRegressionTrainer(), train, test, TestCsv.Defaults, seed: 1, fractions: [0.02, 0.1, 0.3, 0.6, 1.0]);

        Assert.Equal("accuracy", curve.Metric);
        Assert.Equal(5, curve.Points.Count);
        Assert.Equal(400, curve.Points[^1].TrainRows);
        Assert.True(curve.Points.Zip(curve.Points.Skip(1)).All(p => p.First.TrainRows < p.Second.TrainRows));
        Assert.True(curve.Points[0].TestScore < curve.Points[^1].TestScore, $"first {curve.Points[0].TestScore}, last {curve.Points[^1].TestScore}");
        Assert.True(curve.Points[^1].TestScore > 0.95);

        using var dir = new TempDirectory();
        var path = dir.Combine("learning_curve.png");
        LearningCurves.SavePng(curve, path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(path).Take(4));
    }

    [Fact]
    public void Compute_Regression_UsesR2AndNestedSubsets()
    {
        var train = TestCsv.SyntheticRegression(200, seed: 1);
        var test = TestCsv.SyntheticRegression(100, seed: 2);

        var curve = LearningCurves.Compute(new RandomForestTrainer(), train, test, new Dictionary<string, object> { ["n_estimators"] = 10L }, seed: 3);

        Assert.Equal("r2", curve.Metric);
        Assert.Equal(LearningCurves.DefaultFractions, curve.Points.Select(p => p.Fraction));
        Assert.Equal(20, curve.Points[0].TrainRows);
        Assert.True(curve.Points[0].TestScore < curve.Points[^1].TestScore);
    }
}
