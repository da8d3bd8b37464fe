using ScottPlot;

namespace MlopsAgents.Plugins.Evaluation;

/// <summary>The one look of every chart (sans-serif face, dark ink, sizes) and its atomic PNG write.</summary>
internal static class PlotStyle
{
    public static readonly Color Ink = Color.FromHex("#1F2937");

    // ScottPlot falls back to the first installed family when its preferred fonts are missing, which on Debian is
    // DejaVu Serif; a sans-serif face reads better on charts, so the first installed one from this list is used.
    private static readonly string[] PreferredFonts = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "FreeSans"];

    // With no font on disk Skia reports one family with an empty name, so only named families count.
    private static readonly Lazy<string[]> InstalledFonts = new(() =>
        SkiaSharp.SKFontManager.Default.GetFontFamilies().Where(name => !string.IsNullOrWhiteSpace(name)).ToArray());

    private static readonly Lazy<string?> SansFont = new(() =>
        PreferredFonts.FirstOrDefault(name => InstalledFonts.Value.Contains(name, StringComparer.OrdinalIgnoreCase)));

    public static string? Font => SansFont.Value;

    /// <summary>Whether any font is installed; without one, charts render with every label silently missing.</summary>
    public static bool CanRenderText => InstalledFonts.Value.Length > 0;

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
