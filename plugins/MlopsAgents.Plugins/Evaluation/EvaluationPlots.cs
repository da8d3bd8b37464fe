using System.Globalization;
using ScottPlot;

namespace MlopsAgents.Plugins.Evaluation;

/// <summary>Renders evaluation charts (confusion matrix, ROC curves, predicted vs actual) to PNG files, headless.</summary>
public static class EvaluationPlots
{
    private static readonly Color LowCell = Color.FromHex("#F7FBFF");
    private static readonly Color HighCell = Color.FromHex("#08306B");


    /// <summary>
    /// Whether any font is installed. The bundled Skia build reads fonts straight from /usr/share/fonts without
    /// fontconfig; with none there, charts still render but every title, label and number is silently left out
    /// (on Debian, install <c>fonts-dejavu-core</c>). Callers can check this to warn instead of shipping blank charts.
    /// </summary>
    public static bool CanRenderText => PlotStyle.CanRenderText;

    /// <summary>
    /// Saves the confusion matrix as a heatmap: actual classes down the rows, predicted classes across the columns,
    /// each cell shaded by the share of its actual class and labelled with its count.
    /// </summary>
    public static void SaveConfusionMatrixPng(ClassificationReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var k = report.ClassNames.Count;
        var matrix = report.ConfusionMatrix;
        if (matrix.Length != k || matrix.Any(row => row.Length != k))
        {
            throw new ArgumentException($"The confusion matrix is not {k} by {k}.", nameof(report));
        }

        var plot = PlotStyle.NewPlot();
        var cellFont = Math.Clamp(28f - (1.5f * k), 11f, 22f);
        for (var a = 0; a < k; a++)
        {
            var rowTotal = matrix[a].Sum();
            var y = k - 1 - a;
            for (var p = 0; p < k; p++)
            {
                var share = rowTotal == 0 ? 0.0 : (double)matrix[a][p] / rowTotal;
                var cell = plot.Add.Rectangle(p - 0.5, p + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = LowCell.MixedWith(HighCell, (float)share);
                cell.LineColor = Colors.White;
                cell.LineWidth = 2;

                var text = plot.Add.Text(matrix[a][p].ToString(CultureInfo.InvariantCulture), p, y);
                text.LabelFontSize = cellFont;
                text.LabelFontName = PlotStyle.Font ?? text.LabelFontName;
                text.LabelBold = a == p;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = share > 0.5 ? Colors.White : PlotStyle.Ink;
            }
        }

        var positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        var labels = report.ClassNames.Select(Shorten).ToArray();
        plot.Axes.Bottom.SetTicks(positions, labels);
        plot.Axes.Left.SetTicks(positions, labels.Reverse().ToArray());
        var slantRoom = 0;
        if (labels.Sum(l => l.Length) > 8 * k)
        {
            // Long names would run into each other under narrow columns; slanting them keeps every one readable.
            plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;

            // ScottPlot sizes the axis for level labels; reserve room for the slanted ones (about 8 px a character at 14 pt).
            slantRoom = (int)(labels.Max(l => l.Length) * 8 * Math.Sqrt(0.5));
            plot.Axes.Bottom.MinimumSize = 40 + slantRoom;
        }

        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);
        plot.HideGrid();
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Confusion matrix (accuracy {report.Accuracy:0.000})"));
        plot.XLabel("Predicted class");
        plot.YLabel("Actual class");

        var size = Math.Clamp(260 + (70 * k), 480, 1200);
        PlotStyle.Save(plot, path, size + 40 + (slantRoom / 2), size + slantRoom);
    }

    /// <summary>
    /// Saves ROC curves, one line per class (pass only the positive class for a binary task), each labelled with its
    /// area under the curve, over the diagonal of a random classifier.
    /// </summary>
    public static void SaveRocCurvePng(IReadOnlyDictionary<string, IReadOnlyList<RocPoint>> curvesByClass, string path)
    {
        ArgumentNullException.ThrowIfNull(curvesByClass);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (curvesByClass.Count == 0)
        {
            throw new ArgumentException("There is no curve to plot.", nameof(curvesByClass));
        }

        var plot = PlotStyle.NewPlot();
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LineColor = Colors.Gray;
        chance.LinePattern = LinePattern.Dashed;
        chance.LineWidth = 1.5f;
        chance.LegendText = "Chance (AUC = 0.500)";

        var palette = new ScottPlot.Palettes.Category10();
        var index = 0;
        foreach (var (className, curve) in curvesByClass)
        {
            if (curve is null || curve.Count == 0)
            {
                throw new ArgumentException($"The curve of class '{className}' is empty.", nameof(curvesByClass));
            }

            var line = plot.Add.ScatterLine(
                curve.Select(pt => pt.FalsePositiveRate).ToArray(),
                curve.Select(pt => pt.TruePositiveRate).ToArray(),
                palette.GetColor(index++));
            line.LineWidth = 2.5f;
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{className} (AUC = {ClassificationEvaluator.AreaUnderCurve(curve):0.000})");
        }

        plot.Axes.SetLimits(-0.02, 1.02, -0.02, 1.02);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(0.1);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(0.1);
        plot.Title(curvesByClass.Count == 1 ? "ROC curve" : "ROC curves (one-vs-rest)");
        plot.XLabel("False positive rate");
        plot.YLabel("True positive rate");
        plot.ShowLegend(Alignment.LowerRight);
        PlotStyle.Save(plot, path, 700, 680);
    }

    /// <summary>Saves a scatter of predicted against actual values for a regression, with the y = x line of perfect predictions.</summary>
    public static void SaveResidualsPng(double[] actual, double[] predicted, string path)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (actual.Length != predicted.Length || actual.Length == 0)
        {
            throw new ArgumentException($"Expected as many predictions as actual values, and at least one; got {actual.Length} and {predicted.Length}.", nameof(predicted));
        }

        var report = RegressionEvaluator.Evaluate(actual, predicted);
        var low = Math.Min(actual.Min(), predicted.Min());
        var high = Math.Max(actual.Max(), predicted.Max());
        var pad = high > low ? (high - low) * 0.05 : Math.Max(Math.Abs(high) * 0.05, 1.0);
        (low, high) = (low - pad, high + pad);

        var plot = PlotStyle.NewPlot();
        var ideal = plot.Add.Line(low, low, high, high);
        ideal.LineColor = Color.FromHex("#D62728");
        ideal.LinePattern = LinePattern.Dashed;
        ideal.LineWidth = 2;
        ideal.LegendText = "Perfect prediction (y = x)";

        var points = plot.Add.ScatterPoints(actual, predicted, Color.FromHex("#1F77B4").WithAlpha(actual.Length > 500 ? 0.35 : 0.7));
        points.MarkerSize = actual.Length > 500 ? 5 : 8;
        points.LegendText = string.Create(CultureInfo.InvariantCulture, $"Test rows (n = {actual.Length})");

        plot.Axes.SetLimits(low, high, low, high);
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Predicted vs actual (R² = {report.R2:0.000}, RMSE = {report.Rmse:G4})"));
        plot.XLabel("Actual value");
        plot.YLabel("Predicted value");
        plot.ShowLegend(Alignment.UpperLeft);
        PlotStyle.Save(plot, path, 720, 640);
    }

    private static string Shorten(string label) => label.Length <= 24 ? label : label[..23] + "…";

}
