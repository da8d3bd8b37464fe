using System.Globalization;
using ScottPlot;

namespace MlopsAgents.Plugins.Evaluation.Explanations;

/// <summary>Renders explanation charts to PNG files, headless.</summary>
public static class ExplanationPlots
{
    /// <summary>
    /// Saves the global importance (mean |SHAP|) as a horizontal bar chart, the most important feature on top, showing
    /// at most <paramref name="maxFeatures"/> features. The title names the method and output space.
    /// </summary>
    public static void SaveGlobalImportancePng(ShapResult result, string path, int maxFeatures = 20)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFeatures, 1);
        if (result.GlobalImportance.Count == 0)
        {
            throw new ArgumentException("The result ranks no features.", nameof(result));
        }

        var shown = result.GlobalImportance.OrderBy(f => f.Rank).Take(maxFeatures).ToArray();
        var k = shown.Length;
        var plot = PlotStyle.NewPlot();

        // Position k−1 is the top of the chart, so rank 1 sits there.
        var bars = shown.Select((f, i) => new Bar
        {
            Position = k - 1 - i,
            Value = f.MeanAbsShap,
            FillColor = Color.FromHex("#1F77B4"),
            LineWidth = 0,
            Size = 0.7,
        }).ToArray();
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;

        var positions = Enumerable.Range(0, k).Select(i => (double)(k - 1 - i)).ToArray();
        var labels = shown.Select(f => PlotStyle.Shorten(f.Feature)).ToArray();
        plot.Axes.Left.SetTicks(positions, labels);
        plot.Axes.Left.MinimumSize = Math.Min(40 + (labels.Max(l => l.Length) * 8), 320);
        var max = shown.Max(f => f.MeanAbsShap);
        plot.Axes.SetLimits(0, max > 0 ? max * 1.08 : 1, -0.6, k - 0.4);
        plot.Grid.YAxisStyle.IsVisible = false;
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Global feature importance ({result.Method})"));
        plot.XLabel(string.Create(CultureInfo.InvariantCulture, $"mean |SHAP value| ({result.OutputSpace.Replace('_', '-')})"));
        PlotStyle.Save(plot, path, 900, Math.Clamp(140 + (34 * k), 320, 1000));
    }
}
