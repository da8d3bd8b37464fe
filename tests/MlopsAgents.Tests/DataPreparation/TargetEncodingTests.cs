using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Tests.DataPreparation;

public sealed class TargetEncodingTests
{
    private static readonly DataPreprocessingOptions Target = new() { EncodeCategorical = TargetEncoder.EncodingName };
    private static readonly Dictionary<string, ColumnKind> Kinds = new() { ["x"] = ColumnKind.Numeric, ["color"] = ColumnKind.Categorical };

    private static DataFrame Frame(string csv) => DataFrame.ReadCsv(new StringReader(csv), "t.csv");

    // Class b is index 1: prior P(b) = 3/5. With m = 2: red (n = 3, mean 2/3) → (2 + 1.2)/5 = 0.64,
    // blue (n = 1, mean 0) → 1.2/3 = 0.4, green (n = 1, mean 1) → 2.2/3.
    private const string Train = "x,color,y\n1,red,a\n2,red,b\n3,red,b\n4,blue,a\n5,green,b\n";

    [Fact]
    public void Fit_BinaryTarget_MEstimatePerCategoryComputedByHand()
    {
        var p = FeaturePreprocessor.Fit(Frame(Train), "y", ["x", "color"], Kinds, Target, ModelTask.Classification, ["a", "b"], targetSmoothing: 2);

        var data = p.ToTrainingData(Frame(Train));

        Assert.Equal(["x", "color"], p.FeatureNames);
        Assert.Equal([0.64, 0.64, 0.64, 0.4, 2.2 / 3], data.Features.Select(r => r[1]).ToArray(), new Tolerance(1e-12));
        Assert.Equal([0.6], p.Columns[1].TargetEncoding!.Prior);
    }

    [Fact]
    public void Transform_UnseenCategory_TakesThePriorAndMissingTakesTheMode()
    {
        var p = FeaturePreprocessor.Fit(Frame(Train), "y", ["x", "color"], Kinds, Target, ModelTask.Classification, ["a", "b"], targetSmoothing: 2);
        var errors = new List<string>();

        var unseen = p.TryTransform(c => (true, c == "x" ? "1" : "purple"), errors);
        var missing = p.TryTransform(c => (true, c == "x" ? "1" : null), errors);

        Assert.Empty(errors);
        Assert.Equal(0.6, unseen![1], 12);
        Assert.Equal(0.64, missing![1], 12);
    }

    [Fact]
    public void Fit_Multiclass_OneColumnPerClass()
    {
        // Prior (a, b, c) = (2/5, 2/5, 1/5); red has rows a, b, c: (1/3 each · 3 + m·prior)/(3 + m) with m = 1.
        var csv = "x,color,y\n1,red,a\n2,red,b\n3,red,c\n4,blue,a\n5,blue,b\n";
        var p = FeaturePreprocessor.Fit(Frame(csv), "y", ["x", "color"], Kinds, Target, ModelTask.Classification, ["a", "b", "c"], targetSmoothing: 1);

        var red = p.ToTrainingData(Frame(csv)).Features[0];

        Assert.Equal(["x", "color@a", "color@b", "color@c"], p.FeatureNames);
        Assert.Equal([(1 + 0.4) / 4, (1 + 0.4) / 4, (1 + 0.2) / 4], red[1..], new Tolerance(1e-12));
    }

    [Fact]
    public void Fit_Regression_SmoothedMeanOfTheTarget()
    {
        // Prior mean 4; red: (2 + 4 + 1·4)/3 = 10/3 with m = 1; blue: (6 + 4)/2 = 5.
        var csv = "x,color,y\n1,red,2\n2,red,4\n3,blue,6\n";
        var p = FeaturePreprocessor.Fit(Frame(csv), "y", ["x", "color"], Kinds, Target, ModelTask.Regression, [], targetSmoothing: 1);

        var data = p.ToTrainingData(Frame(csv));

        Assert.Equal([10.0 / 3, 10.0 / 3, 5.0], data.Features.Select(r => r[1]).ToArray(), new Tolerance(1e-12));
    }

    [Fact]
    public void Transform_TestRows_UseOnlyTrainingStatistics()
    {
        var p = FeaturePreprocessor.Fit(Frame(Train), "y", ["x", "color"], Kinds, Target, ModelTask.Classification, ["a", "b"], targetSmoothing: 2);

        // Test labels contradict training (every red row is a) and bring a category training never saw.
        var test = p.ToTrainingData(Frame("x,color,y\n1,red,a\n2,red,a\n3,teal,b\n"));

        Assert.Equal([0.64, 0.64, 0.6], test.Features.Select(r => r[1]).ToArray(), new Tolerance(1e-12));
        Assert.Equal([0.0, 0.0, 1.0], test.Labels);
    }

    [Fact]
    public void Json_TargetEncodedColumn_RoundTripsAndOldFilesStillRead()
    {
        var p = FeaturePreprocessor.Fit(Frame(Train), "y", ["x", "color"], Kinds, Target, ModelTask.Classification, ["a", "b"], targetSmoothing: 2);
        var onehot = FeaturePreprocessor.Fit(Frame(Train), "y", ["x", "color"], Kinds, new DataPreprocessingOptions(), ModelTask.Classification, ["a", "b"]);

        var restored = FeaturePreprocessor.FromJson(p.ToJson());

        Assert.Equal(p.ToTrainingData(Frame(Train)).Features, restored.ToTrainingData(Frame(Train)).Features);
        Assert.Contains("\"target_encoding\"", p.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("target_encoding", onehot.ToJson(), StringComparison.Ordinal);
        Assert.Null(FeaturePreprocessor.FromJson(onehot.ToJson()).Columns[1].TargetEncoding);
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
