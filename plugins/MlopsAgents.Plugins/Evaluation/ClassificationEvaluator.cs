namespace MlopsAgents.Plugins.Evaluation;

/// <summary>Computes classification metrics and ROC curves from class probabilities, following scikit-learn's definitions.</summary>
public static class ClassificationEvaluator
{
    /// <summary>
    /// Evaluates predicted probabilities against actual class indices. The predicted class is the arg-max of each row
    /// (ties go to the lowest index). Ratios whose denominator is 0 are reported as 0, as scikit-learn does with
    /// <c>zero_division=0</c>. Macro averages run over the classes that occur in the actual or the predicted labels,
    /// as scikit-learn does when no label list is given.
    /// </summary>
    /// <param name="actual">Actual class index of each row, in 0..classNames.Count-1.</param>
    /// <param name="probabilities">One probability vector per row, of length classNames.Count.</param>
    /// <param name="classNames">Class labels by index; at least two.</param>
    public static ClassificationReport Evaluate(int[] actual, double[][] probabilities, IReadOnlyList<string> classNames)
    {
        ValidateInputs(actual, probabilities, classNames);
        var k = classNames.Count;
        var n = actual.Length;

        var confusion = new int[k][];
        for (var c = 0; c < k; c++)
        {
            confusion[c] = new int[k];
        }

        for (var i = 0; i < n; i++)
        {
            confusion[actual[i]][ArgMax(probabilities[i])]++;
        }

        var support = new int[k];
        var predictedCount = new int[k];
        var correct = 0;
        for (var a = 0; a < k; a++)
        {
            for (var p = 0; p < k; p++)
            {
                support[a] += confusion[a][p];
                predictedCount[p] += confusion[a][p];
            }

            correct += confusion[a][a];
        }

        var perClass = new ClassMetrics[k];
        var scores = new double[n];
        for (var c = 0; c < k; c++)
        {
            var tp = confusion[c][c];
            var fp = predictedCount[c] - tp;
            var fn = support[c] - tp;
            for (var i = 0; i < n; i++)
            {
                scores[i] = probabilities[i][c];
            }

            perClass[c] = new ClassMetrics(
                classNames[c],
                Ratio(tp, tp + fp),
                Ratio(tp, tp + fn),
                Ratio(2.0 * tp, (2.0 * tp) + fp + fn),
                support[c],
                AucRoc(actual, scores, c));
        }

        double precision, recall, f1;
        double? auc;
        if (k == 2)
        {
            (precision, recall, f1, auc) = (perClass[1].Precision, perClass[1].Recall, perClass[1].F1Score, perClass[1].AucRoc);
        }
        else
        {
            var seen = Enumerable.Range(0, k).Where(c => support[c] > 0 || predictedCount[c] > 0).ToArray();
            precision = seen.Average(c => perClass[c].Precision);
            recall = seen.Average(c => perClass[c].Recall);
            f1 = seen.Average(c => perClass[c].F1Score);
            var aucs = perClass.Where(m => m.AucRoc.HasValue).Select(m => m.AucRoc!.Value).ToArray();
            auc = aucs.Length > 0 ? aucs.Average() : null;
        }

        return new ClassificationReport(
            Accuracy: (double)correct / n,
            Precision: precision,
            Recall: recall,
            F1Score: f1,
            PrecisionWeighted: perClass.Sum(m => m.Precision * m.Support) / n,
            RecallWeighted: perClass.Sum(m => m.Recall * m.Support) / n,
            F1ScoreWeighted: perClass.Sum(m => m.F1Score * m.Support) / n,
            AucRoc: auc,
            PerClass: perClass,
            ConfusionMatrix: confusion,
            ClassNames: classNames.ToArray());
    }

    /// <summary>Index of the largest value; the lowest index wins a tie.</summary>
    public static int ArgMax(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0)
        {
            throw new ArgumentException("The vector is empty.", nameof(values));
        }

        var best = 0;
        for (var j = 1; j < values.Length; j++)
        {
            if (values[j] > values[best])
            {
                best = j;
            }
        }

        return best;
    }

    /// <summary>
    /// Area under the ROC curve of <paramref name="positiveClass"/> against the rest, computed exactly through the
    /// Mann–Whitney rank statistic (tied scores count one half). Null when the set holds no positive or no negative row.
    /// </summary>
    public static double? AucRoc(int[] actual, double[] scoresForClass, int positiveClass)
    {
        ValidateScores(actual, scoresForClass);
        var n = actual.Length;
        var order = SortedIndices(scoresForClass, descending: false);

        long positives = 0;
        var positiveRankSum = 0.0;
        var start = 0;
        while (start < n)
        {
            var end = start;
            while (end + 1 < n && scoresForClass[order[end + 1]] == scoresForClass[order[start]])
            {
                end++;
            }

            // Ranks are 1-based; every member of a tie group takes the group's mean rank.
            var meanRank = ((start + 1) + (end + 1)) / 2.0;
            for (var r = start; r <= end; r++)
            {
                if (actual[order[r]] == positiveClass)
                {
                    positives++;
                    positiveRankSum += meanRank;
                }
            }

            start = end + 1;
        }

        long negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return null;
        }

        return (positiveRankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
    }

    /// <summary>
    /// The ROC curve of <paramref name="positiveClass"/> against the rest, as scikit-learn's <c>roc_curve</c> returns it:
    /// one point per distinct score (ties collapse into one step), by decreasing threshold, starting at (0, 0) with an
    /// infinite threshold. With <paramref name="dropIntermediate"/> the points in the middle of a straight segment are
    /// left out, which does not change the area. When the set holds no positive (or no negative) row the true (or false)
    /// positive rate is 0 throughout.
    /// </summary>
    public static IReadOnlyList<RocPoint> RocCurve(int[] actual, double[] scoresForClass, int positiveClass, bool dropIntermediate = true)
    {
        ValidateScores(actual, scoresForClass);
        var n = actual.Length;
        var order = SortedIndices(scoresForClass, descending: true);

        var truePositives = new List<long>();
        var falsePositives = new List<long>();
        var thresholds = new List<double>();
        long tp = 0, fp = 0;
        for (var r = 0; r < n; r++)
        {
            if (actual[order[r]] == positiveClass)
            {
                tp++;
            }
            else
            {
                fp++;
            }

            var score = scoresForClass[order[r]];
            if (r == n - 1 || scoresForClass[order[r + 1]] != score)
            {
                truePositives.Add(tp);
                falsePositives.Add(fp);
                thresholds.Add(score);
            }
        }

        var keep = Enumerable.Range(0, thresholds.Count).ToList();
        if (dropIntermediate && thresholds.Count > 2)
        {
            keep = keep.Where(i => i == 0 || i == thresholds.Count - 1
                || falsePositives[i + 1] - (2 * falsePositives[i]) + falsePositives[i - 1] != 0
                || truePositives[i + 1] - (2 * truePositives[i]) + truePositives[i - 1] != 0).ToList();
        }

        var points = new List<RocPoint>(keep.Count + 1) { new(0.0, 0.0, double.PositiveInfinity) };
        foreach (var i in keep)
        {
            points.Add(new RocPoint(Ratio(falsePositives[i], fp), Ratio(truePositives[i], tp), thresholds[i]));
        }

        return points;
    }

    /// <summary>Area under a curve given as points ordered by false positive rate, by the trapezoid rule.</summary>
    public static double AreaUnderCurve(IReadOnlyList<RocPoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var area = 0.0;
        for (var i = 1; i < curve.Count; i++)
        {
            area += (curve[i].FalsePositiveRate - curve[i - 1].FalsePositiveRate)
                * (curve[i].TruePositiveRate + curve[i - 1].TruePositiveRate) / 2.0;
        }

        return area;
    }

    private static double Ratio(double numerator, double denominator) => denominator == 0 ? 0.0 : numerator / denominator;

    private static int[] SortedIndices(double[] scores, bool descending)
    {
        var order = Enumerable.Range(0, scores.Length).ToArray();
        // A stable sort keeps the output independent of the runtime's sort algorithm for equal scores.
        return descending
            ? order.OrderByDescending(i => scores[i]).ToArray()
            : order.OrderBy(i => scores[i]).ToArray();
    }

    private static void ValidateScores(int[] actual, double[] scores)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(scores);
        if (actual.Length != scores.Length)
        {
            throw new ArgumentException($"There are {actual.Length} actual labels but {scores.Length} scores.", nameof(scores));
        }

        if (actual.Length == 0)
        {
            throw new ArgumentException("The set is empty.", nameof(actual));
        }

        if (Array.FindIndex(scores, double.IsNaN) is var bad and >= 0)
        {
            throw new ArgumentException($"The score of row {bad} is NaN.", nameof(scores));
        }
    }

    private static void ValidateInputs(int[] actual, double[][] probabilities, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count < 2)
        {
            throw new ArgumentException($"A classifier needs at least two classes; got {classNames.Count}.", nameof(classNames));
        }

        if (actual.Length != probabilities.Length)
        {
            throw new ArgumentException($"There are {actual.Length} actual labels but {probabilities.Length} probability rows.", nameof(probabilities));
        }

        if (actual.Length == 0)
        {
            throw new ArgumentException("The set is empty.", nameof(actual));
        }

        for (var i = 0; i < actual.Length; i++)
        {
            if (actual[i] < 0 || actual[i] >= classNames.Count)
            {
                throw new ArgumentException($"Row {i} has class index {actual[i]}, outside 0..{classNames.Count - 1}.", nameof(actual));
            }

            var row = probabilities[i] ?? throw new ArgumentException($"Probability row {i} is null.", nameof(probabilities));
            if (row.Length != classNames.Count)
            {
                throw new ArgumentException($"Probability row {i} has {row.Length} values; expected {classNames.Count}.", nameof(probabilities));
            }

            if (Array.Exists(row, double.IsNaN))
            {
                throw new ArgumentException($"Probability row {i} holds NaN.", nameof(probabilities));
            }
        }
    }
}
