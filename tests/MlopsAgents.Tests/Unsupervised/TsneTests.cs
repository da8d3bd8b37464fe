using System.Diagnostics;
using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Training.Unsupervised;
using MlopsAgents.Tests.Support;
using MlopsAgents.Tests.Training;

namespace MlopsAgents.Tests.Unsupervised;

public sealed class TsneTests
{
    [Fact]
    public void Fit_IrisExact_IsTrustworthyAndSeparatesTheSpecies()
    {
        var iris = TestCsv.LoadClassification("iris.csv");
        var species = iris.Labels.Select(l => (int)l).ToArray();

        var result = UnsupervisedTrainer.Fit("tsne", iris.Features, new Dictionary<string, object> { ["method"] = "exact" }, seed: 0);

        Assert.Equal("exact", ((TsneModel)result.Model).Method);
        Assert.Equal(iris.Features.Length, result.Embedding!.Length);
        Assert.True(result.Metrics[UnsupervisedTrainer.Trustworthiness] >= 0.9, $"trustworthiness {result.Metrics[UnsupervisedTrainer.Trustworthiness]}");
        var separation = ClusteringMetrics.Silhouette(result.Embedding, species);
        Assert.True(separation > 0.3, $"silhouette by species {separation}");
        Assert.True(result.Metrics[UnsupervisedTrainer.KlDivergence] is > 0 and < 2);
    }

    [Fact]
    public void Fit_SameSeed_SameEmbedding()
    {
        var (x, _) = Blobs.Make(20, Blobs.Corners(3, 5, 8), 1.0, seed: 4);
        var options = new TsneOptions(Perplexity: 10, Iterations: 300);

        var first = Tsne.Fit(x, options, seed: 9);
        var second = Tsne.Fit(x, options, seed: 9);

        Assert.Equal(first.Embedding.SelectMany(r => r), second.Embedding.SelectMany(r => r));
    }

    [Fact]
    public void Fit_BarnesHutSmall_AgreesWithExactOnStructure()
    {
        var (x, labels) = Blobs.Make(40, Blobs.Corners(3, 6, 10), 1.0, seed: 6);

        var model = Tsne.Fit(x, new TsneOptions(Perplexity: 15, Method: Tsne.BarnesHut), seed: 0);

        Assert.Equal(Tsne.BarnesHut, model.Method);
        var embedding = model.Embedding.ToArray();
        Assert.True(EmbeddingMetrics.Trustworthiness(x, embedding) >= 0.9);
        Assert.True(ClusteringMetrics.Silhouette(embedding, labels) > 0.5);
    }

    // About 15 s of CPU in an optimised build and several times that in Debug on a loaded machine.
    [SlowFact]
    [Trait("Category", "Slow")]
    public void Fit_ThreeThousandRowsAuto_UsesBarnesHutQuicklyAndTrustworthily()
    {
        var (x, labels) = Blobs.Make(300, Blobs.Corners(10, 10, 6), 1.0, seed: 11);
        var watch = Stopwatch.StartNew();

        var result = UnsupervisedTrainer.Fit("tsne", x, new Dictionary<string, object>(), seed: 0);

        watch.Stop();
        Assert.Equal(Tsne.BarnesHut, ((TsneModel)result.Model).Method);
        Assert.True(result.Metrics[UnsupervisedTrainer.Trustworthiness] >= 0.85, $"trustworthiness {result.Metrics[UnsupervisedTrainer.Trustworthiness]}");
        Assert.True(ClusteringMetrics.Silhouette(result.Embedding!, labels) > 0.3);
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Fit_PerplexityNotBelowRowCount_Throws()
    {
        var x = Enumerable.Range(0, 10).Select(i => new[] { (double)i, i * 2.0 }).ToArray();

        Assert.Throws<ArgumentException>(() => Tsne.Fit(x, new TsneOptions(Perplexity: 30), seed: 0));
    }
}
