using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Evaluation.Fairness;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Fairness;

public sealed class BiasCheckTests
{
    [Fact]
    public void Evaluate_HandMadeTable_MatchesHandComputedMetrics()
    {
        // Group a: 4 rows, actual 1 1 0 0, predicted 1 0 1 0 → selection 2/4, TPR 1/2, FPR 1/2.
        // Group b: 5 rows, actual 1 0 0 0 0, predicted 1 1 0 0 0 → selection 2/5, TPR 1/1, FPR 1/4.
        // Group c: 1 row, actual 0, predicted 0 → selection 0, TPR undefined, FPR 0.
        string?[] sensitive = ["a", "a", "a", "a", "b", "b", "b", "b", "b", null];
        string[] actual = ["1", "1", "0", "0", "1", "0", "0", "0", "0", "0"];
        string[] predicted = ["1", "0", "1", "0", "1", "1", "0", "0", "0", "0"];

        var report = BiasCheck.Evaluate("sex", sensitive, actual, predicted, positiveLabel: "1");

        Assert.Equal(["(missing)", "a", "b"], report.Groups.Select(g => g.Group));
        var (missing, a, b) = (report.Groups[0], report.Groups[1], report.Groups[2]);
        Assert.Equal((4, 2, 2, 0.5, 0.5, 0.5), (a.Count, a.ActualPositives, a.PredictedPositives, a.SelectionRate, a.TruePositiveRate, a.FalsePositiveRate));
        Assert.Equal((5, 1, 2, 0.4, 1.0, 0.25), (b.Count, b.ActualPositives, b.PredictedPositives, b.SelectionRate, b.TruePositiveRate, b.FalsePositiveRate));
        Assert.Equal((1, 0.0, (double?)null, 0.0), (missing.Count, missing.SelectionRate, missing.TruePositiveRate, missing.FalsePositiveRate));
        Assert.Equal(0.5, report.DemographicParityDifference, 1e-12);       // 0.5 − 0
        Assert.Equal(0.5, report.EqualizedOddsDifference, 1e-12);           // max(TPR 1 − 0.5, FPR 0.5 − 0)
        Assert.Equal(0.0, report.DisparateImpactRatio!.Value, 1e-12);       // 0 / 0.5
        Assert.True(report.FailsFourFifthsRule);
    }

    [Fact]
    public void Evaluate_TwoGroups_RatioAndFlag()
    {
        // Selection rates 3/4 and 2/4: ratio 2/3, parity difference 1/4.
        string?[] sensitive = ["m", "m", "m", "m", "f", "f", "f", "f"];
        string[] actual = ["yes", "yes", "no", "no", "yes", "yes", "no", "no"];
        string[] predicted = ["yes", "yes", "yes", "no", "yes", "no", "yes", "no"];

        var report = BiasCheck.Evaluate("sex", sensitive, actual, predicted, "yes");

        Assert.Equal(2.0 / 3.0, report.DisparateImpactRatio!.Value, 1e-12);
        Assert.Equal(0.25, report.DemographicParityDifference, 1e-12);
        Assert.Equal(0.5, report.EqualizedOddsDifference, 1e-12); // TPR 1 vs 0.5; FPR 0.5 vs 0.5
        Assert.True(report.FailsFourFifthsRule);

        var markdown = BiasCheck.ToMarkdown(report);
        Assert.Contains("### Fairness: `sex`", markdown, StringComparison.Ordinal);
        Assert.Contains("**Possible bias:** the disparate-impact ratio is 0.667", markdown, StringComparison.Ordinal);
        Assert.Contains("| f | 4 | 2 | 2 | 0.500 | 0.500 | 0.500 |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_EqualRates_PassesTheFourFifthsRule()
    {
        var report = BiasCheck.Evaluate("g", ["x", "x", "y", "y"], ["1", "0", "1", "0"], ["1", "0", "1", "0"], "1");

        Assert.Equal(1.0, report.DisparateImpactRatio);
        Assert.False(report.FailsFourFifthsRule);
        Assert.Contains("within the four-fifths rule", BiasCheck.ToMarkdown(report), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_LoansLabels_FlagsTheInjectedBiasAgainstWomen()
    {
        var frame = DataFrame.ReadCsv(Examples.Dataset("loans.csv"));
        var sex = frame.IndexOf("sex");
        var label = frame.IndexOf("default");
        var sensitive = frame.Rows.Select(r => r[sex]).ToArray();
        var labels = frame.Rows.Select(r => r[label]!).ToArray();

        var report = BiasCheck.Evaluate("sex", sensitive, labels, labels, positiveLabel: "1");

        // Women default (are "selected") at about 15.3%, men at about 10.6%: ratio ≈ 0.69.
        Assert.True(report.FailsFourFifthsRule);
        Assert.InRange(report.DisparateImpactRatio!.Value, 0.6, 0.8);
        var female = report.Groups.Single(g => g.Group == "female");
        var male = report.Groups.Single(g => g.Group == "male");
        Assert.True(female.SelectionRate > male.SelectionRate);
    }

    [Fact]
    public void Evaluate_LoansModelTrainedWithSex_FlagsThePredictions()
    {
        var frame = DataFrame.ReadCsv(Examples.Dataset("loans.csv"));
        var order = Enumerable.Range(0, frame.RowCount).ToArray();
        new Random(7).Shuffle(order);
        var train = frame.WithRows(order.Take(3500).Select(i => frame.Rows[i]));
        var test = frame.WithRows(order.Skip(3500).Select(i => frame.Rows[i]));
        var columns = frame.Columns.Where(c => c != "default").ToArray();
        var kinds = columns.ToDictionary(c => c, c => frame.InferKind(frame.IndexOf(c)));
        var preprocessor = FeaturePreprocessor.Fit(train, "default", columns, kinds, new DataPreprocessingOptions { Standardize = true }, ModelTask.Classification, ["0", "1"]);
        var model = new LogisticRegressionTrainer().Train(preprocessor.ToTrainingData(train), null, new Dictionary<string, object>(), seed: 0);

        var probabilities = model.Predict(preprocessor.ToTrainingData(test).Features);
        // The classes are imbalanced (about 13% default), so flag the riskiest fifth of applicants rather than p > 0.5.
        var cut = probabilities.Select(p => p[1]).Order().ElementAt((int)(0.8 * probabilities.Length));
        var predicted = probabilities.Select(p => p[1] >= cut ? "1" : "0").ToArray();
        var sex = frame.IndexOf("sex");
        var label = frame.IndexOf("default");
        var report = BiasCheck.Evaluate("sex", test.Rows.Select(r => r[sex]).ToArray(), test.Rows.Select(r => r[label]!).ToArray(), predicted, "1");

        Assert.True(report.FailsFourFifthsRule, $"disparate impact {report.DisparateImpactRatio}");
        Assert.True(report.Groups.Single(g => g.Group == "female").SelectionRate > report.Groups.Single(g => g.Group == "male").SelectionRate);
    }
}
