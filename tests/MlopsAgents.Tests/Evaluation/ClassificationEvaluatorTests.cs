using MlopsAgents.Plugins.Evaluation;

namespace MlopsAgents.Tests.Evaluation;

public sealed class ClassificationEvaluatorTests
{
    private const int Precision = 12;

    // scikit-learn's roc_auc_score documentation example: y = [0, 0, 1, 1], scores of class 1 = [0.1, 0.4, 0.35, 0.8].
    private static readonly int[] DocActual = [0, 0, 1, 1];
    private static readonly double[][] DocProbabilities = [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]];

    [Fact]
    public void Evaluate_BinaryDocExample_MatchesScikitLearn()
    {
        var report = ClassificationEvaluator.Evaluate(DocActual, DocProbabilities, ["neg", "pos"]);

        // Predicted [0, 0, 0, 1]: class 1 has tp 1, fp 0, fn 1; class 0 has tp 2, fp 1, fn 0.
        Assert.Equal(0.75, report.Accuracy, Precision);
        Assert.Equal(1.0, report.Precision, Precision);
        Assert.Equal(0.5, report.Recall, Precision);
        Assert.Equal(2.0 / 3.0, report.F1Score, Precision);
        Assert.Equal(5.0 / 6.0, report.PrecisionWeighted, Precision);
        Assert.Equal(0.75, report.RecallWeighted, Precision);
        Assert.Equal((0.8 + (2.0 / 3.0)) / 2.0, report.F1ScoreWeighted, Precision);
        Assert.Equal(0.75, report.AucRoc!.Value, Precision);
        Assert.Equal([[2, 0], [1, 1]], report.ConfusionMatrix);

        var negative = report.PerClass[0];
        Assert.Equal("neg", negative.ClassName);
        Assert.Equal(2.0 / 3.0, negative.Precision, Precision);
        Assert.Equal(1.0, negative.Recall, Precision);
        Assert.Equal(0.8, negative.F1Score, Precision);
        Assert.Equal(2, negative.Support);
        Assert.Equal(0.75, negative.AucRoc!.Value, Precision);
    }

    [Fact]
    public void Evaluate_ThreeClasses_MacroAndWeightedAveragesMatchHandComputation()
    {
        int[] actual = [0, 0, 0, 1, 1, 2, 2, 2, 2, 2];
        int[] predicted = [0, 1, 1, 1, 1, 2, 2, 2, 0, 1];

        var report = ClassificationEvaluator.Evaluate(actual, OneHot(predicted, 3), ["a", "b", "c"]);

        // Confusion [[1,2,0],[0,2,0],[1,1,3]]:
        // a: P 1/2, R 1/3, F1 2/5 (support 3); b: P 2/5, R 1, F1 4/7 (support 2); c: P 1, R 3/5, F1 3/4 (support 5).
        Assert.Equal([[1, 2, 0], [0, 2, 0], [1, 1, 3]], report.ConfusionMatrix);
        Assert.Equal(0.6, report.Accuracy, Precision);
        Assert.Equal((0.5 + 0.4 + 1.0) / 3.0, report.Precision, Precision);
        Assert.Equal(((1.0 / 3.0) + 1.0 + 0.6) / 3.0, report.Recall, Precision);
        Assert.Equal((0.4 + (4.0 / 7.0) + 0.75) / 3.0, report.F1Score, Precision);
        Assert.Equal(((3 * 0.5) + (2 * 0.4) + (5 * 1.0)) / 10.0, report.PrecisionWeighted, Precision);
        Assert.Equal(0.6, report.RecallWeighted, Precision);
        Assert.Equal(((3 * 0.4) + (2 * 4.0 / 7.0) + (5 * 0.75)) / 10.0, report.F1ScoreWeighted, Precision);
        Assert.Equal([3, 2, 5], report.PerClass.Select(m => m.Support));
        Assert.Equal(0.4, report.PerClass[0].F1Score, Precision);
        Assert.Equal(4.0 / 7.0, report.PerClass[1].F1Score, Precision);
    }

    [Fact]
    public void Evaluate_ThreeClassesWithTiedScores_OneVsRestMacroAucFromPairwiseRanking()
    {
        int[] actual = [0, 0, 1, 1, 2, 2];
        double[][] probabilities =
        [
            [0.6, 0.3, 0.1],
            [0.4, 0.4, 0.2],
            [0.5, 0.3, 0.2],
            [0.1, 0.7, 0.2],
            [0.2, 0.2, 0.6],
            [0.3, 0.5, 0.2],
        ];

        var report = ClassificationEvaluator.Evaluate(actual, probabilities, ["a", "b", "c"]);

        // Positive/negative pairs won, with ties counting one half, out of 2 x 4 pairs per class:
        // a: 0.6 beats all 4, 0.4 beats 3 -> 7/8; b: 0.3 wins 1 and ties 1, 0.7 beats 4 -> 5.5/8;
        // c: 0.6 beats 4, 0.2 beats 0.1 and ties three 0.2 -> 6.5/8.
        Assert.Equal(0.875, report.PerClass[0].AucRoc!.Value, Precision);
        Assert.Equal(0.6875, report.PerClass[1].AucRoc!.Value, Precision);
        Assert.Equal(0.8125, report.PerClass[2].AucRoc!.Value, Precision);
        Assert.Equal((0.875 + 0.6875 + 0.8125) / 3.0, report.AucRoc!.Value, Precision);

        // Row 1 ties classes a and b at 0.4; the lower index wins, so both rows of class a are predicted a.
        Assert.Equal([[2, 0, 0], [1, 1, 0], [0, 1, 1]], report.ConfusionMatrix);
    }

    [Fact]
    public void Evaluate_ClassAbsentAndNeverPredicted_LeftOutOfMacroAverages()
    {
        int[] actual = [0, 1, 0, 1];
        double[][] probabilities = [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.3, 0.6, 0.1], [0.1, 0.8, 0.1]];

        var report = ClassificationEvaluator.Evaluate(actual, probabilities, ["a", "b", "c"]);

        // a: P 1, R 1/2, F1 2/3; b: P 2/3, R 1, F1 4/5; c never occurs and is never predicted.
        Assert.Equal((1.0 + (2.0 / 3.0)) / 2.0, report.Precision, Precision);
        Assert.Equal(0.75, report.Recall, Precision);
        Assert.Equal(((2.0 / 3.0) + 0.8) / 2.0, report.F1Score, Precision);
        Assert.Null(report.PerClass[2].AucRoc);
        Assert.Equal(0, report.PerClass[2].Support);

        // a's scores [0.8, 0.3] against b's rows [0.2, 0.1]: 4/4; b's [0.7, 0.8] against [0.1, 0.6]: 4/4.
        Assert.Equal(1.0, report.AucRoc!.Value, Precision);
    }

    [Fact]
    public void Evaluate_NoPredictedPositives_ZeroDivisionGivesZero()
    {
        int[] actual = [0, 1, 1];
        double[][] probabilities = [[0.9, 0.1], [0.7, 0.3], [0.6, 0.4]];

        var report = ClassificationEvaluator.Evaluate(actual, probabilities, ["no", "yes"]);

        Assert.Equal(0.0, report.Precision);
        Assert.Equal(0.0, report.Recall);
        Assert.Equal(0.0, report.F1Score);
        Assert.Equal(1.0 / 3.0, report.PerClass[0].Precision, Precision);
        Assert.Equal(0.5, report.PerClass[0].F1Score, Precision);
        Assert.Equal(1.0 / 9.0, report.PrecisionWeighted, Precision);
        Assert.Equal(1.0, report.AucRoc!.Value, Precision);
    }

    [Fact]
    public void Evaluate_OnlyOneClassPresent_AucIsNullAndRecallOfAbsentClassIsZero()
    {
        int[] actual = [0, 0];
        double[][] probabilities = [[0.9, 0.1], [0.2, 0.8]];

        var report = ClassificationEvaluator.Evaluate(actual, probabilities, ["no", "yes"]);

        Assert.Null(report.AucRoc);
        Assert.Null(report.PerClass[0].AucRoc);
        Assert.Equal(0.0, report.Precision);
        Assert.Equal(0.0, report.Recall);
        Assert.Equal(0.5, report.Accuracy, Precision);
        Assert.False(report.ToMetricDictionary().ContainsKey("auc_roc"));
    }

    [Fact]
    public void Evaluate_AllScoresEqual_AucIsOneHalfAndLowestIndexPredicted()
    {
        int[] actual = [0, 1, 0, 1];
        double[][] probabilities = [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]];

        var report = ClassificationEvaluator.Evaluate(actual, probabilities, ["no", "yes"]);

        Assert.Equal(0.5, report.AucRoc!.Value, Precision);
        Assert.Equal([[2, 0], [2, 0]], report.ConfusionMatrix);
    }

    [Fact]
    public void Evaluate_MismatchedLengths_Throws()
    {
        Assert.Throws<ArgumentException>(() => ClassificationEvaluator.Evaluate([0, 1], [[0.5, 0.5]], ["a", "b"]));
        Assert.Throws<ArgumentException>(() => ClassificationEvaluator.Evaluate([0, 2], [[0.5, 0.5], [0.5, 0.5]], ["a", "b"]));
        Assert.Throws<ArgumentException>(() => ClassificationEvaluator.Evaluate([0], [[0.5, 0.3, 0.2]], ["a", "b"]));
    }

    [Fact]
    public void RocCurve_DocExample_MatchesScikitLearn()
    {
        var curve = ClassificationEvaluator.RocCurve(DocActual, [0.1, 0.4, 0.35, 0.8], positiveClass: 1);

        // sklearn.metrics.roc_curve: fpr [0, 0, .5, .5, 1], tpr [0, .5, .5, 1, 1], thresholds [inf, .8, .4, .35, .1].
        Assert.Equal([0.0, 0.0, 0.5, 0.5, 1.0], curve.Select(p => p.FalsePositiveRate));
        Assert.Equal([0.0, 0.5, 0.5, 1.0, 1.0], curve.Select(p => p.TruePositiveRate));
        Assert.Equal([double.PositiveInfinity, 0.8, 0.4, 0.35, 0.1], curve.Select(p => p.Threshold));
        Assert.Equal(0.75, ClassificationEvaluator.AreaUnderCurve(curve), Precision);
    }

    [Fact]
    public void RocCurve_TiedScores_CollapseIntoOneStepAndAreaMatchesRankAuc()
    {
        int[] actual = [0, 1, 0, 1, 1];
        double[] scores = [0.2, 0.5, 0.5, 0.9, 0.1];

        var curve = ClassificationEvaluator.RocCurve(actual, scores, positiveClass: 1);

        Assert.Equal([0.0, 0.0, 0.5, 1.0, 1.0], curve.Select(p => p.FalsePositiveRate));
        Assert.Equal([0.0, 1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 1.0], curve.Select(p => p.TruePositiveRate));
        Assert.Equal(3.5 / 6.0, ClassificationEvaluator.AreaUnderCurve(curve), Precision);
        Assert.Equal(3.5 / 6.0, ClassificationEvaluator.AucRoc(actual, scores, 1)!.Value, Precision);
    }

    [Fact]
    public void RocCurve_CollinearPoints_DroppedUnlessAsked()
    {
        int[] actual = [1, 1, 1, 0, 0, 0];
        double[] scores = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];

        var dropped = ClassificationEvaluator.RocCurve(actual, scores, positiveClass: 1);
        var full = ClassificationEvaluator.RocCurve(actual, scores, positiveClass: 1, dropIntermediate: false);

        Assert.Equal([double.PositiveInfinity, 0.9, 0.7, 0.1], dropped.Select(p => p.Threshold));
        Assert.Equal([0.0, 0.0, 0.0, 1.0], dropped.Select(p => p.FalsePositiveRate));
        Assert.Equal([0.0, 1.0 / 3.0, 1.0, 1.0], dropped.Select(p => p.TruePositiveRate));
        Assert.Equal(7, full.Count);
        Assert.Equal(1.0, ClassificationEvaluator.AreaUnderCurve(dropped), Precision);
    }

    private static double[][] OneHot(int[] predicted, int classes) =>
        predicted.Select(p => Enumerable.Range(0, classes).Select(c => c == p ? 0.8 : 0.2 / (classes - 1)).ToArray()).ToArray();
}
