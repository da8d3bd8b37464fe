using System.Globalization;
using MlopsAgents.Plugins.Training;
using Xunit.Abstractions;

namespace MlopsAgents.Tests.Training;

public sealed class TrainerBehaviourTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyDictionary<string, object> Sampling = new Dictionary<string, object>
    {
        ["subsample"] = 0.7,
        ["colsample_bytree"] = 0.7,
    };

    [Theory]
    [InlineData(AlgorithmCatalog.XgBoost, "wine.csv")]
    [InlineData(AlgorithmCatalog.XgBoost, "breast_cancer.csv")]
    [InlineData(AlgorithmCatalog.RandomForest, "wine.csv")]
    [InlineData(AlgorithmCatalog.RandomForest, "breast_cancer.csv")]
    [InlineData(AlgorithmCatalog.LogisticRegression, "wine.csv")]
    [InlineData(AlgorithmCatalog.LogisticRegression, "breast_cancer.csv")]
    public void Train_SameSeed_IdenticalPredictionsAndProbabilitiesSumToOne(string algorithm, string dataset)
    {
        var (data, _) = TestCsv.Standardize(TestCsv.LoadClassification(dataset), TestCsv.LoadClassification(dataset));
        var hyperparameters = algorithm == AlgorithmCatalog.XgBoost ? Sampling : TestCsv.Defaults;
        var trainer = ModelTrainers.Get(algorithm);

        var first = trainer.Train(data, null, hyperparameters, seed: 42).Predict(data.Features);
        var second = trainer.Train(data, null, hyperparameters, seed: 42).Predict(data.Features);

        Assert.Equal(first, second);
        Assert.All(first, p =>
        {
            Assert.Equal(data.ClassNames.Count, p.Length);
            Assert.Equal(1.0, p.Sum(), 1e-9);
            Assert.All(p, v => Assert.InRange(v, 0.0, 1.0));
        });
    }

    [Fact]
    public void Train_RandomForestDifferentSeeds_DifferentForests()
    {
        var data = TestCsv.LoadClassification("wine.csv");
        var trainer = new RandomForestTrainer();

        var a = trainer.Train(data, null, TestCsv.Defaults, seed: 1).Predict(data.Features);
        var b = trainer.Train(data, null, TestCsv.Defaults, seed: 2).Predict(data.Features);

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Train_SingleFullTreeWithoutBootstrap_FitsTrainingSetExactly()
    {
        var data = TestCsv.LoadClassification("breast_cancer.csv");
        var hyperparameters = new Dictionary<string, object> { ["n_estimators"] = 1L, ["bootstrap"] = false, ["max_features"] = "all" };

        var model = new RandomForestTrainer().Train(data, null, hyperparameters, seed: 0);

        Assert.Equal(1.0, TestCsv.Accuracy(model, data));
    }

    [Fact]
    public void Train_RandomForestMaxDepthOne_IsAStump()
    {
        var data = TestCsv.LoadClassification("breast_cancer.csv");
        var hyperparameters = new Dictionary<string, object> { ["n_estimators"] = 1L, ["max_depth"] = 1L };

        var model = new RandomForestTrainer().Train(data, null, hyperparameters, seed: 0);

        Assert.InRange(model.Predict(data.Features).Select(p => p[1]).Distinct().Count(), 1, 2);
    }

    [Theory]
    [InlineData(AlgorithmCatalog.XgBoost)]
    [InlineData(AlgorithmCatalog.RandomForest)]
    public void Train_NonlinearSyntheticRegression_RSquaredAboveNinety(string algorithm)
    {
        var train = TestCsv.SyntheticRegression(800, seed: 1);
        var test = TestCsv.SyntheticRegression(400, seed: 2);

        var model = ModelTrainers.Get(algorithm).Train(train, null, TestCsv.Defaults, seed: 0);
        var r2 = TestCsv.RSquared(model, test);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{algorithm}: R² {r2:F4}"));
        Assert.Equal(ModelTask.Regression, model.Task);
        Assert.Equal(0, model.ClassCount);
        Assert.True(r2 > 0.9, $"R² {r2}");
    }

    [Fact]
    public void Predict_WrongFeatureCount_ThrowsArgumentException()
    {
        var model = new LinearRegressionTrainer().Train(TestCsv.SyntheticRegression(20, 0), null, TestCsv.Defaults, 0);

        Assert.Throws<ArgumentException>(() => model.Predict([[1.0, 2.0, 3.0]]));
    }

    [Fact]
    public void Get_EveryClassicSupervisedAlgorithm_ReturnsItsTrainer()
    {
        foreach (var spec in AlgorithmCatalog.All.Where(a => a.Tasks.Contains("classification") || a.Tasks.Contains("regression")))
        {
            Assert.Equal(spec.Name, ModelTrainers.Get(spec.Name).Algorithm);
        }
    }

    [Fact]
    public void Get_UnknownAlgorithm_ThrowsWithTheKnownNames()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelTrainers.Get("svm"));

        Assert.Contains("'svm'", error.Message);
        Assert.Contains(AlgorithmCatalog.RandomForest, error.Message);
    }

    [Fact]
    public void HyperparameterValues_MissingOrAliasedOrLong_ResolvesLikeTheCatalog()
    {
        var values = HyperparameterValues.For(AlgorithmCatalog.XgBoost, new Dictionary<string, object> { ["learning_rate"] = 1L, ["max_depth"] = 3L });

        Assert.Equal(100L, values.GetLong("num_round"));
        Assert.Equal(1.0, values.GetDouble("eta"));
        Assert.Equal(3L, values.GetLong("max_depth"));
        Assert.Equal(1.0, values.GetDouble("lambda"));
        Assert.Null(HyperparameterValues.For(AlgorithmCatalog.RandomForest, null).GetNullableLong("max_depth"));
        Assert.True(HyperparameterValues.For(AlgorithmCatalog.RandomForest, null).GetBool("bootstrap"));
        Assert.Throws<ArgumentException>(() => values.GetDouble("gamma"));
    }

    [Fact]
    public void StratifiedFolds_Unshuffled_MatchesScikitLearnAllocation()
    {
        // StratifiedKFold(3) on [0,0,0,1,1,1,1,1,1]: each class fills the folds in consecutive runs.
        var folds = CrossValidation.StratifiedFolds([0, 0, 0, 1, 1, 1, 1, 1, 1], 3);

        Assert.Equal([0, 3, 4], folds[0].Test);
        Assert.Equal([1, 5, 6], folds[1].Test);
        Assert.Equal([2, 7, 8], folds[2].Test);
    }

    [Fact]
    public void StratifiedFolds_Seeded_PartitionsRowsAndKeepsClassShares()
    {
        var labels = TestCsv.ClassIndices(TestCsv.LoadClassification("wine.csv"));

        var folds = CrossValidation.StratifiedFolds(labels, 5, seed: 9);

        Assert.Equal(Enumerable.Range(0, labels.Length), folds.SelectMany(f => f.Test).Order());
        Assert.All(folds, f =>
        {
            Assert.Empty(f.Train.Intersect(f.Test));
            Assert.Equal(labels.Length, f.Train.Length + f.Test.Length);
            for (var c = 0; c < 3; c++)
            {
                var share = labels.Count(l => l == c) / 5.0;
                Assert.InRange(f.Test.Count(r => labels[r] == c), Math.Floor(share), Math.Ceiling(share));
            }
        });
        Assert.Equal(folds.Select(f => f.Test), CrossValidation.StratifiedFolds(labels, 5, seed: 9).Select(f => f.Test));
        Assert.NotEqual(folds.Select(f => f.Test), CrossValidation.StratifiedFolds(labels, 5, seed: 10).Select(f => f.Test));
    }
}
