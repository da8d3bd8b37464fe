using System.Globalization;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Tests.Training;

/// <summary>Test-only loader for the bundled numeric CSVs: every column but the last is a feature, the last is the class label.</summary>
internal static class TestCsv
{
    public static TrainingData LoadClassification(string fileName)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "examples", "datasets", fileName));
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
        var classNames = rows.Select(r => r[^1]).Distinct().Order(StringComparer.Ordinal).ToArray();
        var features = rows.Select(r => r[..^1].Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var labels = rows.Select(r => (double)Array.IndexOf(classNames, r[^1])).ToArray();
        return new TrainingData(features, labels, header[..^1], classNames);
    }

    /// <summary>Z-scores both sets with the training set's mean and population standard deviation, as StandardScaler does.</summary>
    public static (TrainingData Train, TrainingData Test) Standardize(TrainingData train, TrainingData test)
    {
        var d = train.FeatureCount;
        var mean = new double[d];
        var scale = new double[d];
        for (var j = 0; j < d; j++)
        {
            mean[j] = train.Features.Average(r => r[j]);
            var variance = train.Features.Average(r => (r[j] - mean[j]) * (r[j] - mean[j]));
            scale[j] = variance > 0 ? Math.Sqrt(variance) : 1.0;
        }

        TrainingData Apply(TrainingData data) =>
            data with { Features = data.Features.Select(r => r.Select((v, j) => (v - mean[j]) / scale[j]).ToArray()).ToArray() };

        return (Apply(train), Apply(test));
    }

    public static int ArgMax(double[] values)
    {
        var best = 0;
        for (var k = 1; k < values.Length; k++)
        {
            if (values[k] > values[best])
            {
                best = k;
            }
        }

        return best;
    }

    public static double Accuracy(ITrainedModel model, TrainingData test)
    {
        var predictions = model.Predict(test.Features);
        return predictions.Select((p, i) => ArgMax(p) == (int)test.Labels[i] ? 1.0 : 0.0).Average();
    }

    public static double RSquared(ITrainedModel model, TrainingData test)
    {
        var predictions = model.Predict(test.Features);
        var mean = test.Labels.Average();
        var residual = test.Labels.Select((y, i) => (y - predictions[i][0]) * (y - predictions[i][0])).Sum();
        var total = test.Labels.Sum(y => (y - mean) * (y - mean));
        return 1 - residual / total;
    }

    /// <summary>y = sin(x0)·3 + x1² + noise on x in [-2, 2]², a smooth nonlinear target.</summary>
    public static TrainingData SyntheticRegression(int rows, int seed)
    {
        var random = new Random(seed);
        var features = new double[rows][];
        var labels = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            var x0 = random.NextDouble() * 4 - 2;
            var x1 = random.NextDouble() * 4 - 2;
            features[i] = [x0, x1];
            labels[i] = 3 * Math.Sin(x0) + x1 * x1 + 0.05 * (random.NextDouble() - 0.5);
        }

        return new TrainingData(features, labels, ["x0", "x1"], []);
    }

    public static int[] ClassIndices(TrainingData data) => data.Labels.Select(l => (int)l).ToArray();

    public static readonly IReadOnlyDictionary<string, object> Defaults = new Dictionary<string, object>();
}
