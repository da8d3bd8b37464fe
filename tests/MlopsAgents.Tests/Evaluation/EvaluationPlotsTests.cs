using MlopsAgents.Plugins.Evaluation;

namespace MlopsAgents.Tests.Evaluation;

public sealed class EvaluationPlotsTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly string[] ClassNames = ["setosa", "versicolor", "virginica"];

    [Fact]
    public void SaveConfusionMatrixPng_ThreeClasses_WritesOnlyAValidPng()
    {
        using var dir = new TempDirectory();
        var (actual, probabilities) = ThreeClassSample();
        var report = ClassificationEvaluator.Evaluate(actual, probabilities, ClassNames);

        EvaluationPlots.SaveConfusionMatrixPng(report, dir.File("confusion_matrix.png"));

        AssertOnlyPng(dir, "confusion_matrix.png");
    }

    [Fact]
    public void SaveConfusionMatrixPng_ExistingFile_IsReplaced()
    {
        using var dir = new TempDirectory();
        var path = dir.File("confusion_matrix.png");
        File.WriteAllText(path, "stale");
        var (actual, probabilities) = ThreeClassSample();

        EvaluationPlots.SaveConfusionMatrixPng(ClassificationEvaluator.Evaluate(actual, probabilities, ClassNames), path);

        AssertOnlyPng(dir, "confusion_matrix.png");
    }

    [Fact]
    public void SaveRocCurvePng_OneCurvePerClass_WritesOnlyAValidPng()
    {
        using var dir = new TempDirectory();
        var (actual, probabilities) = ThreeClassSample();
        var curves = new Dictionary<string, IReadOnlyList<RocPoint>>();
        for (var c = 0; c < ClassNames.Length; c++)
        {
            curves[ClassNames[c]] = ClassificationEvaluator.RocCurve(actual, probabilities.Select(p => p[c]).ToArray(), c);
        }

        EvaluationPlots.SaveRocCurvePng(curves, dir.File("roc.png"));

        AssertOnlyPng(dir, "roc.png");
    }

    [Fact]
    public void SaveRocCurvePng_NoCurves_Throws()
    {
        using var dir = new TempDirectory();

        Assert.Throws<ArgumentException>(() => EvaluationPlots.SaveRocCurvePng(new Dictionary<string, IReadOnlyList<RocPoint>>(), dir.File("roc.png")));
        Assert.Empty(dir.FileNames());
    }

    [Fact]
    public void SaveResidualsPng_Regression_WritesOnlyAValidPng()
    {
        using var dir = new TempDirectory();
        var random = new Random(42);
        var actual = Enumerable.Range(0, 200).Select(_ => 100 + (random.NextDouble() * 400)).ToArray();
        var predicted = actual.Select(v => v + ((random.NextDouble() - 0.5) * 60)).ToArray();

        EvaluationPlots.SaveResidualsPng(actual, predicted, dir.File("residuals.png"));

        AssertOnlyPng(dir, "residuals.png");
    }

    [Fact]
    public void CanRenderText_FontsInstalled_IsTrue() =>
        Assert.True(EvaluationPlots.CanRenderText, "No font under /usr/share/fonts: charts would have no text. Install fonts-dejavu-core.");

    private static void AssertOnlyPng(TempDirectory dir, string name)
    {
        Assert.Equal([name], dir.FileNames());
        var bytes = File.ReadAllBytes(dir.File(name));
        // Without fonts the text is left out and a chart shrinks to a few kB, so the size also catches that.
        Assert.True(bytes.Length > 10_000, $"{name} holds only {bytes.Length} bytes.");
        Assert.Equal(PngSignature, bytes[..PngSignature.Length]);
    }

    private static (int[] Actual, double[][] Probabilities) ThreeClassSample()
    {
        var random = new Random(7);
        var actual = Enumerable.Range(0, 90).Select(i => i % 3).ToArray();
        var probabilities = actual.Select(a =>
        {
            var raw = Enumerable.Range(0, 3).Select(c => random.NextDouble() + (c == a ? 0.8 : 0.0)).ToArray();
            var sum = raw.Sum();
            return raw.Select(v => v / sum).ToArray();
        }).ToArray();
        return (actual, probabilities);
    }
}
