using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Tests.Training;

public sealed class LinearRegressionTrainerTests
{
    private static readonly LinearRegressionTrainer Trainer = new();

    [Fact]
    public void Train_OrdinaryLeastSquares_RecoversKnownCoefficients()
    {
        var random = new Random(7);
        var features = new double[200][];
        var labels = new double[200];
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = [random.NextDouble() * 10 - 5, random.NextDouble() * 4];
            labels[i] = 3 + 2 * features[i][0] - features[i][1] + 1e-9 * (random.NextDouble() - 0.5);
        }

        var model = (LinearRegressionModel)Trainer.Train(new TrainingData(features, labels, ["x1", "x2"], []), null, TestCsv.Defaults, seed: 0);

        Assert.Equal(2.0, model.Coefficients[0], 1e-6);
        Assert.Equal(-1.0, model.Coefficients[1], 1e-6);
        Assert.Equal(3.0, model.Intercept, 1e-6);
        Assert.Equal(3 + 2 * 1.5 - 0.5, model.Predict([[1.5, 0.5]])[0][0], 1e-6);
    }

    [Fact]
    public void Fit_TinyCase_MatchesHandComputedClosedForm()
    {
        // x = 1, 2, 3 and y = 1, 2, 4: centred Sxx = 2 and Sxy = 3, so OLS w = 1.5, b = 7/3 - 2·1.5,
        // ridge(1) w = 3 / (2 + 1) = 1, b = 7/3 - 2, and ridge(1) without intercept w = Σxy / (Σx² + 1) = 17/15.
        double[][] x = [[1], [2], [3]];
        double[] y = [1, 2, 4];

        var (ols, olsIntercept) = LinearRegressionTrainer.Fit(x, y, alpha: 0, fitIntercept: true);
        var (ridge, ridgeIntercept) = LinearRegressionTrainer.Fit(x, y, alpha: 1, fitIntercept: true);
        var (origin, originIntercept) = LinearRegressionTrainer.Fit(x, y, alpha: 1, fitIntercept: false);

        Assert.Equal(1.5, ols[0], 12);
        Assert.Equal(-2.0 / 3, olsIntercept, 12);
        Assert.Equal(1.0, ridge[0], 12);
        Assert.Equal(1.0 / 3, ridgeIntercept, 12);
        Assert.Equal(17.0 / 15, origin[0], 12);
        Assert.Equal(0.0, originIntercept);
    }

    [Fact]
    public void Train_RidgeAlpha_ShrinksCoefficientsButNotIntercept()
    {
        var random = new Random(3);
        var features = Enumerable.Range(0, 50).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToArray();
        var labels = features.Select(r => 100 + 4 * r[0] + 2 * r[1] + 0.1 * random.NextDouble()).ToArray();
        var data = new TrainingData(features, labels, ["a", "b"], []);

        var ols = (LinearRegressionModel)Trainer.Train(data, null, TestCsv.Defaults, 0);
        var ridge = (LinearRegressionModel)Trainer.Train(data, null, new Dictionary<string, object> { ["alpha"] = 5L }, 0);

        Assert.True(Norm(ridge.Coefficients) < Norm(ols.Coefficients));
        Assert.InRange(ridge.Intercept, 100, 105);
    }

    [Fact]
    public void Train_DuplicatedColumn_StillFitsTheData()
    {
        var features = Enumerable.Range(0, 20).Select(i => new double[] { i, i, 1 }).ToArray();
        var labels = features.Select(r => 1 + 2 * r[0]).ToArray();

        var model = Trainer.Train(new TrainingData(features, labels, ["a", "a_copy", "constant"], []), null, TestCsv.Defaults, 0);

        var predictions = model.Predict(features);
        Assert.All(predictions.Select((p, i) => Math.Abs(p[0] - labels[i])), error => Assert.True(error < 1e-4));
    }

    [Fact]
    public void Train_ClassificationData_ThrowsArgumentException()
    {
        var data = new TrainingData([[1.0], [2.0]], [0, 1], ["x"], ["no", "yes"]);

        var error = Assert.Throws<ArgumentException>(() => Trainer.Train(data, null, TestCsv.Defaults, 0));
        Assert.Contains("regression only", error.Message);
    }

    private static double Norm(IReadOnlyList<double> v) => Math.Sqrt(v.Sum(x => x * x));
}
