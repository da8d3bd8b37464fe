using System.Text.Json.Nodes;
using MlopsAgents.Agents.Explainer;

namespace MlopsAgents.Agents.Tests.Explainer;

public sealed class NumberFaithfulnessTests
{
    private static readonly JsonNode Results = JsonNode.Parse(Support.Agents.Results("classification-breast-cancer.json"))!;

    [Theory]
    [InlineData("F1 is 0.9398, above the 0.85 threshold.")]
    [InlineData("Accuracy reached 95.58% and recall 92.9 %.")]
    [InlineData("AUC-ROC 0.997; 113 test rows; the malignant class has 42 examples.")]
    [InlineData("Run train-20261124-032415-8ec941 trained breast-cancer-classifier v1.0.0 on dataset-bc-001.")]
    [InlineData("1. Deploy the model.\n2. Watch drift.")]
    [InlineData("Precision was 0.95 and recall 0.93.")]
    public void Check_NumbersFromTheResults_Faithful(string text)
    {
        var report = NumberFaithfulness.Check(text, Results);

        Assert.True(report.IsFaithful, "unmatched: " + string.Join(", ", report.Unmatched));
    }

    [Theory]
    [InlineData("F1 is 0.9412.", "0.9412")]
    [InlineData("Recall improved by 12% over the last version.", "12%")]
    [InlineData("Accuracy was 96.1%.", "96.1%")]
    [InlineData("The model is now version 2.3.0.", "2.3.0")]
    [InlineData("F1 is 0.94 with 7 misclassified rows.", "7")]
    public void Check_InventedNumber_ReportsIt(string text, string invented)
    {
        var report = NumberFaithfulness.Check(text, Results);

        Assert.False(report.IsFaithful);
        Assert.Contains(invented, report.Unmatched);
    }

    [Fact]
    public void Check_ThousandsSeparator_ReadsTheWholeNumber()
    {
        var results = JsonNode.Parse("""{"rows": 12345}""")!;

        Assert.True(NumberFaithfulness.Check("12,345 rows", results).IsFaithful);
        Assert.False(NumberFaithfulness.Check("12,346 rows", results).IsFaithful);
    }

    [Theory]
    [InlineData("classification-breast-cancer.json")]
    [InlineData("clustering-iris.json")]
    public void Template_AnyResults_IsFaithfulByConstruction(string file)
    {
        var results = (JsonObject)JsonNode.Parse(Support.Agents.Results(file))!;

        var comment = ResultsTemplate.Comment(results);
        var narrative = ResultsTemplate.Narrative(results);

        Assert.True(NumberFaithfulness.Check(comment, results).IsFaithful, comment);
        Assert.True(NumberFaithfulness.Check(narrative, results).IsFaithful, narrative);
        Assert.Contains("**Judge: pass.**", comment, StringComparison.Ordinal);
    }
}
