using System.Text.Json;
using MlopsAgents.Plugins.Evaluation;

namespace MlopsAgents.Tests.Evaluation;

/// <summary>Classification and regression metrics against scikit-learn 1.2.1 on the committed fixture (TestData/Evaluation/make_fixtures.py).</summary>
public sealed class ScikitLearnReferenceTests
{
    private static readonly JsonElement Fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Evaluation", "metrics.json"))).RootElement;

    public static TheoryData<string> ClassificationCases() => [.. Fixture.GetProperty("classification").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    public static TheoryData<string> RegressionCases() => [.. Fixture.GetProperty("regression").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    [Theory]
    [MemberData(nameof(ClassificationCases))]
    public void ClassificationEvaluator_Evaluate_MatchesScikitLearn(string name)
    {
        var c = Fixture.GetProperty("classification").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        var actual = c.GetProperty("actual").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var probabilities = c.GetProperty("probabilities").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var classes = Enumerable.Range(0, probabilities[0].Length).Select(i => $"c{i}").ToList();

        var report = ClassificationEvaluator.Evaluate(actual, probabilities, classes);

        var got = report.ToMetricDictionary();
        foreach (var metric in new[] { "accuracy", "precision", "recall", "f1_score", "precision_weighted", "recall_weighted", "f1_score_weighted", "auc_roc" })
        {
            Assert.True(Math.Abs(c.GetProperty(metric).GetDouble() - got[metric]) < 1e-9, $"{name} {metric}: scikit-learn {c.GetProperty(metric).GetDouble()}, ours {got[metric]}");
        }

        var matrix = c.GetProperty("confusion_matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.Equal(matrix, report.ConfusionMatrix);
    }

    [Theory]
    [MemberData(nameof(RegressionCases))]
    public void RegressionEvaluator_Evaluate_MatchesScikitLearn(string name)
    {
        var c = Fixture.GetProperty("regression").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        var actual = c.GetProperty("actual").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var predicted = c.GetProperty("predicted").EnumerateArray().Select(v => v.GetDouble()).ToArray();

        var got = RegressionEvaluator.Evaluate(actual, predicted).ToMetricDictionary();

        foreach (var metric in new[] { "rmse", "mae", "r2", "mape" })
        {
            Assert.True(Math.Abs(c.GetProperty(metric).GetDouble() - got[metric]) < 1e-9, $"{name} {metric}: scikit-learn {c.GetProperty(metric).GetDouble()}, ours {got[metric]}");
        }
    }
}
