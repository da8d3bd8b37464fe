using ScottPlot;

namespace MlopsAgents.Plugins.Evaluation;

/// <summary>
/// The look of <see cref="EvaluationPlots"/> (sans-serif face, dark ink, sizes) for the explanation and learning-curve
/// charts, with the same atomic PNG write. EvaluationPlots keeps its helpers private, hence this small copy.
/// </summary>
internal static class PlotStyle
{
    public static readonly Color Ink = Color.FromHex("#1F2937");

    private static readonly string[] PreferredFonts = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "FreeSans"];
    private static readonly Lazy<string?> SansFont = new(() =>
    {
        var installed = SkiaSharp.SKFontManager.Default.GetFontFamilies().Where(name => !string.IsNullOrWhiteSpace(name)).ToArray();
        return PreferredFonts.FirstOrDefault(name => installed.Contains(name, StringComparer.OrdinalIgnoreCase));
    });

    public static string? Font => SansFont.Value;

    public static Plot NewPlot()
    {
        var plot = new Plot();
        var font = SansFont.Value ?? plot.Axes.Title.Label.FontName;
        plot.Axes.Title.Label.FontName = font;
        plot.Axes.Title.Label.FontSize = 20;
        plot.Axes.Title.Label.Bold = true;
        plot.Axes.Title.Label.ForeColor = Ink;
        foreach (var axis in new IAxis[] { plot.Axes.Bottom, plot.Axes.Left })
        {
            axis.Label.FontName = font;
            axis.TickLabelStyle.FontName = font;
            axis.Label.FontSize = 16;
            axis.Label.Bold = false;
            axis.Label.ForeColor = Ink;
            axis.TickLabelStyle.FontSize = 14;
            axis.TickLabelStyle.ForeColor = Ink;
        }

        plot.Legend.FontName = font;
        plot.Legend.FontSize = 14;
        return plot;
    }

    public static void Save(Plot plot, string path, int width, int height)
    {
        var bytes = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    public static string Shorten(string label, int max = 32) => label.Length <= max ? label : label[..(max - 1)] + "…";
}
