using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Tests.Training;

public sealed class LogisticRegressionTrainerTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Evaluate_Gradient_MatchesFiniteDifferences(int classCount)
    {
        var random = new Random(11);
        var features = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, 4).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();
        var labels = features.Select(_ => random.Next(classCount)).ToArray();
        var objective = new LogisticObjective(features, labels, classCount, c: 0.7);
        var parameters = Enumerable.Range(0, objective.ParameterCount).Select(_ => random.NextDouble() - 0.5).ToArray();
        var gradient = new double[parameters.Length];
        objective.Evaluate(parameters, gradient);

        var scratch = new double[parameters.Length];
        const double h = 1e-6;
        for (var p = 0; p < parameters.Length; p++)
        {
            var plus = (double[])parameters.Clone();
            var minus = (double[])parameters.Clone();
            plus[p] += h;
            minus[p] -= h;
            var numeric = (objective.Evaluate(plus, scratch) - objective.Evaluate(minus, scratch)) / (2 * h);
            Assert.Equal(numeric, gradient[p], 1e-5);
        }
    }

    [Fact]
    public void Train_SeparatedBlobs_PredictsTheRightSideConfidently()
    {
        var random = new Random(5);
        var features = new List<double[]>();
        var labels = new List<double>();
        for (var i = 0; i < 100; i++)
        {
            var label = i % 2;
            var centre = label == 1 ? 2.0 : -2.0;
            features.Add([centre + Gaussian(random), centre + Gaussian(random)]);
            labels.Add(label);
        }

        var data = new TrainingData(features.ToArray(), labels.ToArray(), ["x", "y"], ["left", "right"]);
        var model = new LogisticRegressionTrainer().Train(data, null, TestCsv.Defaults, 0);

        Assert.True(TestCsv.Accuracy(model, data) >= 0.95);
        var far = model.Predict([[5, 5], [-5, -5], [0, 0]]);
        Assert.True(far[0][1] > 0.99);
        Assert.True(far[1][0] > 0.99);
        Assert.InRange(far[2][1], 0.2, 0.8);
    }

    [Fact]
    public void Train_LargerC_WeakensRegularization()
    {
        var data = TestCsv.LoadClassification("iris.csv");
        var trainer = new LogisticRegressionTrainer();

        var strong = (LogisticRegressionModel)trainer.Train(data, null, new Dictionary<string, object> { ["C"] = 0.01 }, 0);
        var weak = (LogisticRegressionModel)trainer.Train(data, null, new Dictionary<string, object> { ["C"] = 10L }, 0);

        Assert.True(WeightNorm(strong) < WeightNorm(weak));
        Assert.True(TestCsv.Accuracy(weak, data) > 0.95);
    }

    [Fact]
    public void Minimize_ConvexQuadratic_FindsTheMinimum()
    {
        // f(x) = Σ i·(x_i - i)², minimum at x_i = i.
        var result = Lbfgs.Minimize((x, g) =>
        {
            var f = 0.0;
            for (var i = 0; i < x.Length; i++)
            {
                f += (i + 1) * (x[i] - i) * (x[i] - i);
                g[i] = 2 * (i + 1) * (x[i] - i);
            }

            return f;
        }, new double[6], maxIterations: 100, gradientTolerance: 1e-10);

        Assert.True(result.Converged, result.StopReason);
        Assert.All(result.Solution.Select((v, i) => Math.Abs(v - i)), e => Assert.True(e < 1e-8));
    }

    [Fact]
    public void Train_RegressionData_ThrowsArgumentException()
    {
        var data = new TrainingData([[1.0], [2.0]], [0.5, 1.5], ["x"], []);

        Assert.Throws<ArgumentException>(() => new LogisticRegressionTrainer().Train(data, null, TestCsv.Defaults, 0));
    }

    private static double WeightNorm(LogisticRegressionModel model) =>
        Math.Sqrt(model.Weights.Sum(row => row.Take(row.Count - 1).Sum(w => w * w)));

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
