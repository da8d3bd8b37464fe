using System.Globalization;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.NeuralNetworks;
using Xunit.Abstractions;

namespace MlopsAgents.Tests.Training.NeuralNetworks;

public sealed class MlpTrainerTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("breast_cancer.csv", 0.95)]
    [InlineData("wine.csv", 0.95)]
    public void Train_FiveFoldStratifiedCrossValidation_AccuracyAtLeastThreshold(string dataset, double threshold)
    {
        var data = TestCsv.LoadClassification(dataset);
        var trainer = ModelTrainers.Get(NeuralNetworkAlgorithms.NeuralNetwork);
        var accuracies = new List<double>();

        foreach (var fold in CrossValidation.StratifiedFolds(TestCsv.ClassIndices(data), 5, seed: 0))
        {
            var (train, test) = TestCsv.Standardize(CrossValidation.Subset(data, fold.Train), CrossValidation.Subset(data, fold.Test));
            var model = trainer.Train(train, null, TestCsv.Defaults, seed: 0);
            accuracies.Add(TestCsv.Accuracy(model, test));
        }

        var mean = accuracies.Average();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{dataset}: folds {string.Join(", ", accuracies.Select(a => a.ToString("F4", CultureInfo.InvariantCulture)))}, mean {mean:F4}"));
        Assert.True(mean >= threshold, string.Create(CultureInfo.InvariantCulture, $"Mean CV accuracy {mean:F4} < {threshold}."));
    }

    [Fact]
    public void Train_SyntheticRegression_RSquaredAboveNinety()
    {
        var train = TestCsv.SyntheticRegression(800, seed: 1);
        var test = TestCsv.SyntheticRegression(400, seed: 2);
        var hyperparameters = new Dictionary<string, object> { ["hidden_layers"] = new long[] { 32, 32 } };

        var model = new MlpTrainer().Train(train, null, hyperparameters, seed: 0);
        var r2 = TestCsv.RSquared(model, test);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"R² {r2:F4}"));
        Assert.Equal(ModelTask.Regression, model.Task);
        Assert.True(r2 > 0.9, string.Create(CultureInfo.InvariantCulture, $"R² {r2:F4}"));
    }

    [Fact]
    public void Train_RegressionTargetFarFromZero_PredictionsOnTheOriginalScale()
    {
        var data = TestCsv.SyntheticRegression(300, seed: 3);
        var shifted = data with { Labels = data.Labels.Select(y => 1000 + 50 * y).ToArray() };

        var model = new MlpTrainer().Train(shifted, null, new Dictionary<string, object> { ["hidden_layers"] = new long[] { 32 } }, seed: 0);

        Assert.True(TestCsv.RSquared(model, shifted) > 0.9);
    }

    [Fact]
    public void Train_NoisyLabelsWithValidation_StopsEarlyAndKeepsBestEpoch()
    {
        var (train, validation) = NoisyClassification(seed: 4);
        var hyperparameters = new Dictionary<string, object>
        {
            ["hidden_layers"] = new long[] { 64 },
            ["max_epochs"] = 500L,
            ["early_stopping_patience"] = 5L,
            ["learning_rate"] = 0.01,
        };
        var messages = new List<string>();

        var model = (MlpModel)new MlpTrainer().Train(train, validation, hyperparameters, seed: 0, new SynchronousProgress(messages.Add));

        output.WriteLine(messages.Single());
        Assert.True(model.Epochs < 500, $"Ran all {model.Epochs} epochs.");
        Assert.Equal(model.Epochs - 5, model.BestEpoch);
        Assert.Contains("early stopping", messages.Single());
    }

    [Fact]
    public void Train_NoValidation_StopsOnTrainingLossWithTheSamePatience()
    {
        var (train, _) = NoisyClassification(seed: 5);
        var hyperparameters = new Dictionary<string, object> { ["hidden_layers"] = new long[] { 8 }, ["max_epochs"] = 2000L, ["early_stopping_patience"] = 3L };

        var model = (MlpModel)new MlpTrainer().Train(train, null, hyperparameters, seed: 0);

        Assert.True(model.Epochs < 2000);
    }

    [Fact]
    public void SaveLoad_RoundTrip_IdenticalPredictions()
    {
        var data = TestCsv.LoadClassification("wine.csv");
        var model = new MlpTrainer().Train(data, null, new Dictionary<string, object> { ["hidden_layers"] = new long[] { 16, 8 }, ["activation"] = "tanh", ["max_epochs"] = 30L }, seed: 1);
        var regression = new MlpTrainer().Train(TestCsv.SyntheticRegression(100, 1), null, new Dictionary<string, object> { ["max_epochs"] = 20L }, seed: 1);
        var directory = Path.Combine(Path.GetTempPath(), $"mlp-{Guid.NewGuid():N}");

        try
        {
            model.Save(Path.Combine(directory, "c"));
            regression.Save(Path.Combine(directory, "r"));
            var loaded = ModelSerializer.Load(Path.Combine(directory, "c"));
            var loadedRegression = ModelSerializer.Load(Path.Combine(directory, "r"));

            Assert.IsType<MlpModel>(loaded);
            Assert.Equal(NeuralNetworkAlgorithms.NeuralNetwork, loaded.Algorithm);
            Assert.Equal(model.ClassNames, loaded.ClassNames);
            Assert.Equal(model.FeatureNames, loaded.FeatureNames);
            Assert.Equal(model.Predict(data.Features), loaded.Predict(data.Features));
            var x = TestCsv.SyntheticRegression(50, 9).Features;
            Assert.Equal(regression.Predict(x), loadedRegression.Predict(x));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Train_SameSeed_IdenticalPredictionsDifferentSeedDiffers()
    {
        var data = TestCsv.LoadClassification("wine.csv");
        var hyperparameters = new Dictionary<string, object> { ["hidden_layers"] = new long[] { 16 }, ["max_epochs"] = 20L };
        var trainer = new MlpTrainer();

        var first = trainer.Train(data, null, hyperparameters, seed: 7).Predict(data.Features);
        var second = trainer.Train(data, null, hyperparameters, seed: 7).Predict(data.Features);
        var other = trainer.Train(data, null, hyperparameters, seed: 8).Predict(data.Features);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.All(first, p => Assert.Equal(1.0, p.Sum(), 1e-9));
    }

    [Fact]
    public void Train_BadHyperparameter_ThrowsWithTheName()
    {
        var data = TestCsv.LoadClassification("wine.csv");

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MlpTrainer().Train(data, null, new Dictionary<string, object> { ["activation"] = "sigmoid" }, seed: 0));

        Assert.Contains("activation", error.Message);
    }

    [Fact]
    public void GetLongList_AcceptsArraysJsonAndText()
    {
        static long[] Read(object value) =>
            HyperparameterValues.For(NeuralNetworkAlgorithms.NeuralNetwork, new Dictionary<string, object> { ["hidden_layers"] = value }).GetLongList("hidden_layers");

        Assert.Equal([100L], HyperparameterValues.For(NeuralNetworkAlgorithms.NeuralNetwork, null).GetLongList("hidden_layers"));
        Assert.Equal([64L, 32L], Read(new long[] { 64, 32 }));
        Assert.Equal([64L, 32L], Read(new List<int> { 64, 32 }));
        Assert.Equal([64L, 32L], Read(System.Text.Json.JsonDocument.Parse("[64, 32]").RootElement));
        Assert.Equal([64L, 32L], Read("[64, 32]"));
        Assert.Equal([8L], Read(8L));
        Assert.Throws<ArgumentException>(() => Read("64, wide"));
    }

    /// <summary>Two Gaussian blobs whose labels are flipped 30% of the time: a network that keeps training only memorizes noise.</summary>
    private static (TrainingData Train, TrainingData Validation) NoisyClassification(int seed)
    {
        var random = new Random(seed);
        TrainingData Make(int rows)
        {
            var features = new double[rows][];
            var labels = new double[rows];
            for (var i = 0; i < rows; i++)
            {
                var cls = i % 2;
                features[i] = Enumerable.Range(0, 10).Select(_ => Gaussian(random) + (cls == 1 ? 0.3 : -0.3)).ToArray();
                labels[i] = random.NextDouble() < 0.3 ? 1 - cls : cls;
            }

            return new TrainingData(features, labels, Enumerable.Range(0, 10).Select(j => "f" + j.ToString(CultureInfo.InvariantCulture)).ToArray(), ["a", "b"]);
        }

        return (Make(300), Make(200));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private sealed class SynchronousProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
