using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Tests.Explanations;

/// <summary>Seeded synthetic data sets for the explanation tests.</summary>
internal static class Synthetic
{
    /// <summary>Standard-normal features; the class is the bucket of a noisy linear score, so every feature matters a little.</summary>
    public static TrainingData Classification(int rows, int features, int classes, int seed)
    {
        var random = new Random(seed);
        var weights = Enumerable.Range(0, features).Select(j => (features - j) / (double)features * (j % 2 == 0 ? 1 : -1)).ToArray();
        var x = new double[rows][];
        var labels = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            x[i] = Enumerable.Range(0, features).Select(_ => Gaussian(random)).ToArray();
            var score = x[i].Select((v, j) => v * weights[j]).Sum() + (0.5 * Gaussian(random));
            var bucket = classes == 2 ? (score > 0 ? 1 : 0) : Math.Clamp((int)Math.Floor((score / 1.2) + (classes / 2.0)), 0, classes - 1);
            labels[i] = bucket;
        }

        var names = Enumerable.Range(0, features).Select(j => $"x{j}").ToArray();
        return new TrainingData(x, labels, names, Enumerable.Range(0, classes).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>y = Σ w_j x_j + 1 + small noise on standard-normal features.</summary>
    public static TrainingData Regression(int rows, double[] weights, int seed)
    {
        var random = new Random(seed);
        var x = new double[rows][];
        var y = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            x[i] = weights.Select(_ => Gaussian(random)).ToArray();
            y[i] = 1 + x[i].Select((v, j) => v * weights[j]).Sum() + (0.01 * Gaussian(random));
        }

        return new TrainingData(x, y, weights.Select((_, j) => $"x{j}").ToArray(), []);
    }

    public static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}
