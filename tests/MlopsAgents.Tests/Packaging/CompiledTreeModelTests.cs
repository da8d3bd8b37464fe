using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Tests.Support;
using MlopsAgents.Tests.Training;

namespace MlopsAgents.Tests.Packaging;

public sealed class CompiledTreeModelTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Predict_BreastCancerXgBoost_EqualsMlNetOnEveryRow()
    {
        var data = TestCsv.LoadClassification("breast_cancer.csv");
        var (model, compiled) = TrainAndCompile(data, new Dictionary<string, object> { ["num_round"] = 100L, ["max_depth"] = 5L });

        Assert.NotNull(compiled);
        Assert.Equal(100, compiled.TreeCount);
        AssertSameScores(model.Predict(data.Features), compiled.Predict(data.Features));
    }

    [Fact]
    public void Predict_ShiftedInputs_EqualsMlNetOnEveryRow()
    {
        // Values between and beyond the training values reach other branches than the training rows do.
        var data = TestCsv.LoadClassification("breast_cancer.csv");
        var (model, compiled) = TrainAndCompile(data, TestCsv.Defaults);
        var random = new Random(7);
        var shifted = data.Features.Select(row => row.Select(v => v * (0.5 + random.NextDouble())).ToArray()).ToArray();

        AssertSameScores(model.Predict(shifted), compiled!.Predict(shifted));
    }

    [Fact]
    public void Predict_RegressionXgBoost_EqualsMlNetOnEveryRow()
    {
        var data = TestCsv.SyntheticRegression(300, seed: 1);
        var (model, compiled) = TrainAndCompile(data, TestCsv.Defaults);

        Assert.NotNull(compiled);
        AssertSameScores(model.Predict(data.Features), compiled.Predict(data.Features));
    }

    [Fact]
    public void TryLoad_MulticlassXgBoost_ReturnsNullSoMlNetPredicts()
    {
        var (_, compiled) = TrainAndCompile(TestCsv.LoadClassification("wine.csv"), TestCsv.Defaults);

        Assert.Null(compiled);
    }

    [Fact]
    public void TryLoad_RandomForest_ReturnsNull()
    {
        var data = TestCsv.LoadClassification("breast_cancer.csv");
        var model = ModelTrainers.Get(AlgorithmCatalog.RandomForest).Train(data, null, TestCsv.Defaults, seed: 3);
        model.Save(_dir.Path);

        Assert.Null(CompiledTreeModel.TryLoad(_dir.Path, model));
    }

    [Fact]
    public void Predict_RowWithNaN_ReturnsNullSoMlNetPredicts()
    {
        var data = TestCsv.LoadClassification("breast_cancer.csv");
        var (_, compiled) = TrainAndCompile(data, TestCsv.Defaults);
        var row = data.Features[0].ToArray();
        row[3] = double.NaN;

        Assert.Null(compiled!.Predict([data.Features[1], row]));
    }

    [Fact]
    public void Predict_WrongWidth_ThrowsNamingTheRow()
    {
        var data = TestCsv.LoadClassification("breast_cancer.csv");
        var (_, compiled) = TrainAndCompile(data, TestCsv.Defaults);

        var error = Assert.Throws<ArgumentException>(() => compiled!.Predict([data.Features[0], [1.0, 2.0]]));
        Assert.Contains("Row 1 has 2 features", error.Message);
    }

    public void Dispose() => _dir.Dispose();

    private (ITrainedModel Model, CompiledTreeModel? Compiled) TrainAndCompile(TrainingData data, IReadOnlyDictionary<string, object> hyperparameters)
    {
        var trained = ModelTrainers.Get(AlgorithmCatalog.XgBoost).Train(data, null, hyperparameters, seed: 3);
        trained.Save(_dir.Path);

        // Compared with the model as the server loads it: from disk, through ML.NET.
        var loaded = ModelSerializer.Load(_dir.Path);
        return (loaded, CompiledTreeModel.TryLoad(_dir.Path, loaded));
    }

    private static void AssertSameScores(double[][] expected, double[][]? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (var k = 0; k < expected[i].Length; k++)
            {
                Assert.True(Math.Abs(expected[i][k] - actual[i][k]) <= 1e-6, $"row {i}, output {k}: ML.NET {expected[i][k]:R}, compiled {actual[i][k]:R}");
            }
        }
    }
}
