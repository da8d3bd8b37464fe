namespace MlopsAgents.Plugins.Evaluation;

/// <summary>Metrics for one class of a classifier, one-vs-rest.</summary>
public sealed record ClassMetrics(string ClassName, double Precision, double Recall, double F1Score, int Support, double? AucRoc);

/// <summary>
/// Classification metrics on a held-out set. For a binary task precision, recall and F1 are those of the positive
/// class (index 1); for multiclass they are macro averages. AucRoc is that of class 1 for a binary task and the
/// one-vs-rest macro average over the classes present for multiclass; it is null when undefined (fewer than two
/// classes present in the set). A class's own AucRoc is null when that class is absent or is the only one present.
/// </summary>
public sealed record ClassificationReport(
    double Accuracy,
    double Precision,
    double Recall,
    double F1Score,
    double PrecisionWeighted,
    double RecallWeighted,
    double F1ScoreWeighted,
    double? AucRoc,
    IReadOnlyList<ClassMetrics> PerClass,
    int[][] ConfusionMatrix,
    IReadOnlyList<string> ClassNames)
{
    /// <summary>The headline metrics by their request names (accuracy, precision, recall, f1_score, auc_roc, *_weighted).</summary>
    public IReadOnlyDictionary<string, double> ToMetricDictionary()
    {
        var d = new Dictionary<string, double>
        {
            ["accuracy"] = Accuracy,
            ["precision"] = Precision,
            ["recall"] = Recall,
            ["f1_score"] = F1Score,
            ["precision_weighted"] = PrecisionWeighted,
            ["recall_weighted"] = RecallWeighted,
            ["f1_score_weighted"] = F1ScoreWeighted,
        };
        if (AucRoc is { } auc)
        {
            d["auc_roc"] = auc;
        }

        return d;
    }
}

/// <summary>Regression metrics on a held-out set. Mape is a fraction (0.05 = 5%), over rows whose actual value is not 0.</summary>
public sealed record RegressionReport(double Rmse, double Mae, double R2, double Mape)
{
    public IReadOnlyDictionary<string, double> ToMetricDictionary() =>
        new Dictionary<string, double> { ["rmse"] = Rmse, ["mae"] = Mae, ["r2"] = R2, ["mape"] = Mape };
}

/// <summary>One point of a ROC curve.</summary>
public sealed record RocPoint(double FalsePositiveRate, double TruePositiveRate, double Threshold);
