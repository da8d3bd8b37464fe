using System.Globalization;
using ScottPlot;

namespace MlopsAgents.Plugins.Evaluation;

/// <summary>Renders a 2-D embedding (PCA, t-SNE) as a scatter PNG, headless, coloured by cluster or label when given.</summary>
public static class EmbeddingPlots
{
    public const string FileName = "embedding.png";

    private static readonly Color Noise = Color.FromHex("#9CA3AF");


    /// <summary>
    /// Saves the first two columns of <paramref name="embedding"/> as a scatter, one colour per cluster label;
    /// label -1 is drawn grey as noise. Labels may be null for a single colour.
    /// </summary>
    public static void SaveScatterPng(IReadOnlyList<double[]> embedding, string path, IReadOnlyList<int>? clusters, string title = "Embedding")
    {
        ArgumentNullException.ThrowIfNull(embedding);
        var groups = clusters?.Select(c => c < 0 ? "noise" : "cluster " + c.ToString(CultureInfo.InvariantCulture)).ToArray();
        SaveScatterPng(embedding, path, groups, title);
    }

    /// <summary>Saves the first two columns of <paramref name="embedding"/> as a scatter, one colour per group name (such as the species).</summary>
    public static void SaveScatterPng(IReadOnlyList<double[]> embedding, string path, IReadOnlyList<string>? groups, string title = "Embedding")
    {
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(title);
        if (embedding.Count == 0)
        {
            throw new ArgumentException("The embedding has no rows.", nameof(embedding));
        }

        if (embedding.Any(r => r is null || r.Length < 2))
        {
            throw new ArgumentException("A scatter needs at least two embedding columns in every row.", nameof(embedding));
        }

        if (groups is not null && groups.Count != embedding.Count)
        {
            throw new ArgumentException($"There are {embedding.Count} embedded rows but {groups.Count} labels.", nameof(groups));
        }

        var plot = PlotStyle.NewPlot();
        var many = embedding.Count > 1000;
        var palette = new ScottPlot.Palettes.Category10();
        var names = groups is null ? [title] : groups.Distinct().Order(GroupOrder.Instance).ToArray();
        for (var g = 0; g < names.Length; g++)
        {
            var rows = Enumerable.Range(0, embedding.Count).Where(i => groups is null || groups[i] == names[g]).ToArray();
            var color = names[g] == "noise" ? Noise : palette.GetColor(g);
            var points = plot.Add.ScatterPoints(rows.Select(i => embedding[i][0]).ToArray(), rows.Select(i => embedding[i][1]).ToArray(), color.WithAlpha(many ? 0.5 : 0.8));
            points.MarkerSize = many ? 4 : 7;
            if (groups is not null)
            {
                points.LegendText = string.Create(CultureInfo.InvariantCulture, $"{names[g]} (n = {rows.Length})");
            }
        }

        plot.Title(title);
        plot.XLabel("Component 1");
        plot.YLabel("Component 2");
        if (groups is not null && names.Length <= 20)
        {
            plot.ShowLegend(Alignment.UpperRight);
        }

        PlotStyle.Save(plot, path, 760, 640);
    }

    /// <summary>Orders "cluster 2" before "cluster 10" and puts noise last.</summary>
    private sealed class GroupOrder : IComparer<string>
    {
        public static readonly GroupOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x == y)
            {
                return 0;
            }

            if (x == "noise" || y == "noise")
            {
                return x == "noise" ? 1 : -1;
            }

            return x is not null && y is not null && x.Length != y.Length && x.StartsWith("cluster ", StringComparison.Ordinal) && y.StartsWith("cluster ", StringComparison.Ordinal)
                ? x.Length.CompareTo(y.Length)
                : string.CompareOrdinal(x, y);
        }
    }
}
