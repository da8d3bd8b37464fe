using System.Text.Json;

namespace MlopsAgents.Tests.Unsupervised;

/// <summary>Reads the scikit-learn reference values written by TestData/Unsupervised/make_fixtures.py.</summary>
internal static class SklearnFixtures
{
    private static readonly Lazy<JsonElement> Inputs = new(() => Load("inputs.json"));

    public static JsonElement Load(string fileName) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "Unsupervised", fileName))).RootElement.Clone();

    public static IEnumerable<JsonElement> Cases(string fileName) => Load(fileName).GetProperty("cases").EnumerateArray();

    /// <summary>An input matrix by name: iris (raw), wine_std (StandardScaler), blobs (make_blobs, 300 × 3).</summary>
    public static double[][] Input(string name) => Matrix(Inputs.Value.GetProperty(name));

    public static int[] IntegerLabels(string name) => Ints(Inputs.Value.GetProperty(name));

    public static double[][] Matrix(JsonElement element) =>
        element.EnumerateArray().Select(Doubles).ToArray();

    public static double[] Doubles(JsonElement element) => element.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static int[] Ints(JsonElement element) => element.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public static void Close(double expected, double actual, double relative = 1e-9, double absolute = 1e-12, string? what = null)
    {
        var tolerance = Math.Max(absolute, relative * Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance,
            FormattableString.Invariant($"{what ?? "value"}: expected {expected:R}, got {actual:R} (difference {Math.Abs(expected - actual):G3}, tolerance {tolerance:G3})"));
    }
}

/// <summary>Seeded Gaussian blobs for the tests.</summary>
internal static class Blobs
{
    public static (double[][] X, int[] Labels) Make(int perCluster, double[][] centres, double spread, int seed)
    {
        var random = new Random(seed);
        var x = new List<double[]>();
        var labels = new List<int>();
        for (var i = 0; i < perCluster; i++)
        {
            for (var c = 0; c < centres.Length; c++)
            {
                x.Add(centres[c].Select(v => v + (spread * Gaussian(random))).ToArray());
                labels.Add(c);
            }
        }

        return (x.ToArray(), labels.ToArray());
    }

    public static double[][] Corners(int clusters, int dims, double distance)
    {
        var random = new Random(1234);
        return Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dims).Select(_ => (random.NextDouble() - 0.5) * 2 * distance).ToArray()).ToArray();
    }

    private static double Gaussian(Random random)
    {
        var u = 1.0 - random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
