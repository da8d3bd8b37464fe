using System.Globalization;
using System.Text.Json.Serialization;
using MlopsAgents.Plugins.Training;
using ScottPlot;

namespace MlopsAgents.Plugins.Evaluation;

/// <summary>One point of a learning curve: the model trained on <see cref="TrainRows"/> rows, scored on them and on the test split.</summary>
public sealed record LearningCurvePoint(
    [property: JsonPropertyName("fraction")] double Fraction,
    [property: JsonPropertyName("train_rows")] int TrainRows,
    [property: JsonPropertyName("train_score")] double TrainScore,
    [property: JsonPropertyName("test_score")] double TestScore);

/// <summary>Score against training-set size; <see cref="Metric"/> is accuracy for classification and R² for regression.</summary>
public sealed record LearningCurve(
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("test_rows")] int TestRows,
    [property: JsonPropertyName("points")] IReadOnlyList<LearningCurvePoint> Points);

/// <summary>
/// Learning curves: the same trainer, hyperparameters and seed on growing shares of the training split, each scored on
/// the same test split. The subsets are nested (each holds the previous one) and, for classification, stratified with
/// at least one row of every class the split has, so the curve moves with the amount of data rather than with the draw.
/// </summary>
public static class LearningCurves
{
    /// <summary>Seven steps from 10% to 100% of the training split.</summary>
    public static readonly IReadOnlyList<double> DefaultFractions = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0];

    public static LearningCurve Compute(
        IModelTrainer trainer,
        TrainingData train,
        TrainingData test,
        IReadOnlyDictionary<string, object> hyperparameters,
        int seed,
        IReadOnlyList<double>? fractions = null,
        IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(hyperparameters);
        fractions ??= DefaultFractions;
        if (fractions.Count == 0 || fractions.Any(f => !(f > 0 && f <= 1)))
        {
            throw new ArgumentException("Fractions must lie in (0, 1], and at least one is needed.", nameof(fractions));
        }

        if (train.RowCount < 2 || test.RowCount == 0)
        {
            throw new ArgumentException($"A learning curve needs at least two training rows and one test row; got {train.RowCount} and {test.RowCount}.", nameof(train));
        }

        var classification = train.Task == ModelTask.Classification;
        var random = new Random(seed);

        // One shuffled order per class (one overall for regression); a subset takes a prefix of each, so subsets nest.
        var orders = classification
            ? Enumerable.Range(0, train.RowCount).GroupBy(i => (int)train.Labels[i]).OrderBy(g => g.Key).Select(g => Shuffled(g.ToArray(), random)).ToArray()
            : [Shuffled(Enumerable.Range(0, train.RowCount).ToArray(), random)];
        var points = new List<LearningCurvePoint>();
        foreach (var fraction in fractions.Order())
        {
            var rows = orders.SelectMany(order => order.Take(Math.Max(classification ? 1 : 2, (int)Math.Round(fraction * order.Length)))).Order().ToArray();
            var subset = train with { Features = rows.Select(i => train.Features[i]).ToArray(), Labels = rows.Select(i => train.Labels[i]).ToArray() };
            var model = trainer.Train(subset, null, hyperparameters, seed);
            var point = new LearningCurvePoint(fraction, rows.Length, Score(model, subset), Score(model, test));
            points.Add(point);
            progress?.Report(string.Create(CultureInfo.InvariantCulture,
                $"learning curve: {trainer.Algorithm} on {point.TrainRows} rows, train {point.TrainScore:0.000}, test {point.TestScore:0.000}."));
        }

        return new LearningCurve(trainer.Algorithm, classification ? "accuracy" : "r2", test.RowCount, points);
    }

    /// <summary>Saves the curve as a PNG: train and test score against the number of training rows.</summary>
    public static void SavePng(LearningCurve curve, string path)
    {
        ArgumentNullException.ThrowIfNull(curve);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (curve.Points.Count == 0)
        {
            throw new ArgumentException("The curve has no points.", nameof(curve));
        }

        var plot = PlotStyle.NewPlot();
        var x = curve.Points.Select(p => (double)p.TrainRows).ToArray();
        var trainLine = plot.Add.Scatter(x, curve.Points.Select(p => p.TrainScore).ToArray(), Color.FromHex("#1F77B4"));
        trainLine.LineWidth = 2.5f;
        trainLine.MarkerSize = 8;
        trainLine.LegendText = "Training score";
        var testLine = plot.Add.Scatter(x, curve.Points.Select(p => p.TestScore).ToArray(), Color.FromHex("#FF7F0E"));
        testLine.LineWidth = 2.5f;
        testLine.MarkerSize = 8;
        testLine.LegendText = string.Create(CultureInfo.InvariantCulture, $"Test score (n = {curve.TestRows})");

        var scores = curve.Points.SelectMany(p => new[] { p.TrainScore, p.TestScore }).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        var (low, high) = (scores.Min(), scores.Max());
        var pad = high > low ? (high - low) * 0.1 : 0.05;
        var (left, right) = (x.Min(), x.Max());
        var padX = right > left ? (right - left) * 0.04 : 1;
        plot.Axes.SetLimits(left - padX, right + padX, low - pad, high + pad);
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Learning curve ({curve.Algorithm})"));
        plot.XLabel("Training rows");
        plot.YLabel(curve.Metric == "r2" ? "R²" : "Accuracy");
        plot.ShowLegend(Alignment.LowerRight);
        PlotStyle.Save(plot, path, 760, 560);
    }

    private static double Score(ITrainedModel model, TrainingData data)
    {
        var predictions = model.Predict(data.Features);
        if (data.Task == ModelTask.Classification)
        {
            return predictions.Select((p, i) => Array.IndexOf(p, p.Max()) == (int)data.Labels[i] ? 1.0 : 0.0).Average();
        }

        return RegressionEvaluator.Evaluate(data.Labels, predictions.Select(p => p[0]).ToArray()).R2;
    }

    private static int[] Shuffled(int[] items, Random random)
    {
        random.Shuffle(items);
        return items;
    }
}
