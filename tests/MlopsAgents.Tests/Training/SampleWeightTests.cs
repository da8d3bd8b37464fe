using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Tests.Training;

public sealed class SampleWeightTests
{
    /// <summary>Two heavily overlapping classes (30% class 1), so weights visibly move the predicted probabilities.</summary>
    private static TrainingData Overlapping()
    {
        var random = new Random(11);
        var features = new double[300][];
        var labels = new double[300];
        for (var i = 0; i < 300; i++)
        {
            var y = i % 10 < 3 ? 1 : 0;
            features[i] = [random.NextDouble() + 0.3 * y, random.NextDouble()];
            labels[i] = y;
        }

        return new TrainingData(features, labels, ["x0", "x1"], ["no", "yes"]);
    }

    private static readonly Dictionary<string, object> Small = new() { ["n_estimators"] = 30L, ["num_round"] = 30L, ["max_depth"] = 4L };

    [Theory]
    [InlineData(AlgorithmCatalog.LogisticRegression)]
    [InlineData(AlgorithmCatalog.RandomForest)]
    [InlineData(AlgorithmCatalog.XgBoost)]
    public void Train_UpWeightedClass_PredictedMoreOften(string algorithm)
    {
        var data = Overlapping();
        var weighted = data with { SampleWeights = data.Labels.Select(l => l == 1 ? 4.0 : 1.0).ToArray() };
        var trainer = ModelTrainers.Get(algorithm);
        var hyperparameters = algorithm == AlgorithmCatalog.LogisticRegression ? new Dictionary<string, object>() : Small.Where(p => HasParameter(algorithm, p.Key)).ToDictionary();

        var plain = trainer.Train(data, null, hyperparameters, seed: 0).Predict(data.Features).Average(p => p[1]);
        var shifted = trainer.Train(weighted, null, hyperparameters, seed: 0).Predict(data.Features).Average(p => p[1]);

        Assert.True(shifted > plain + 0.1, $"{algorithm}: mean P(yes) {plain:F3} unweighted, {shifted:F3} weighted");
    }

    [Theory]
    [InlineData(AlgorithmCatalog.LogisticRegression)]
    [InlineData(AlgorithmCatalog.RandomForest)]
    public void Train_UnitWeights_SameModelAsNoWeights(string algorithm)
    {
        var data = Overlapping();
        var ones = data with { SampleWeights = [.. Enumerable.Repeat(1.0, data.RowCount)] };
        var trainer = ModelTrainers.Get(algorithm);

        Assert.Equal(trainer.Train(data, null, TestCsv.Defaults, 0).Predict(data.Features), trainer.Train(ones, null, TestCsv.Defaults, 0).Predict(data.Features));
    }

    [Fact]
    public void Train_NonPositiveWeight_Throws()
    {
        var data = Overlapping();
        var bad = data with { SampleWeights = [.. Enumerable.Repeat(1.0, data.RowCount - 1), 0.0] };

        var error = Assert.Throws<ArgumentException>(() => new LogisticRegressionTrainer().Train(bad, null, TestCsv.Defaults, 0));

        Assert.Contains("row 299", error.Message);
    }

    private static bool HasParameter(string algorithm, string name) => AlgorithmCatalog.Find(algorithm)!.FindHyperparameter(name) is not null;
}
