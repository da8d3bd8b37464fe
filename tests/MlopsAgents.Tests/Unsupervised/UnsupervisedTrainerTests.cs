using System.Globalization;
using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Training.Unsupervised;
using MlopsAgents.Tests.Evaluation;
using MlopsAgents.Tests.Training;

namespace MlopsAgents.Tests.Unsupervised;

public sealed class UnsupervisedTrainerTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void KMeans_SaveThenLoad_AssignsTheSame()
    {
        using var dir = new TempDirectory();
        var (x, _) = Blobs.Make(30, Blobs.Corners(3, 4, 10), 1.0, seed: 1);
        var result = UnsupervisedTrainer.Fit("kmeans", x, new Dictionary<string, object> { ["n_clusters"] = 3L }, seed: 2);

        result.Model.Save(dir.Path);
        var loaded = Assert.IsType<KMeansModel>(UnsupervisedModels.Load(dir.Path));

        Assert.Equal(result.Labels, loaded.Assign(x));
        Assert.Equal(((KMeansModel)result.Model).Inertia, loaded.Inertia);
    }

    [Fact]
    public void Pca_SaveThenLoad_TransformsTheSame()
    {
        using var dir = new TempDirectory();
        var iris = TestCsv.LoadClassification("iris.csv");
        var result = UnsupervisedTrainer.Fit("pca", iris.Features, new Dictionary<string, object> { ["n_components"] = 3L }, seed: 0);

        result.Model.Save(dir.Path);
        var loaded = Assert.IsType<PcaModel>(UnsupervisedModels.Load(dir.Path));

        Assert.Equal(result.Embedding!.SelectMany(r => r), loaded.Transform(iris.Features).SelectMany(r => r));
        Assert.Equal(3, result.ExplainedVarianceRatio!.Count);
        Assert.Equal(result.ExplainedVarianceRatio.Sum(), result.Metrics[UnsupervisedTrainer.ExplainedVarianceTotal], 12);
        Assert.True(result.Metrics[UnsupervisedTrainer.Trustworthiness] > 0.9);
    }

    [Fact]
    public void Dbscan_SaveThenLoad_AssignsCorePointsToTheirClusters()
    {
        using var dir = new TempDirectory();
        var x = SklearnFixtures.Input("blobs");
        var result = UnsupervisedTrainer.Fit("dbscan", x, new Dictionary<string, object> { ["eps"] = 0.6, ["min_samples"] = 5L }, seed: 0);
        var model = (DbscanModel)result.Model;

        model.Save(dir.Path);
        var loaded = Assert.IsType<DbscanModel>(UnsupervisedModels.Load(dir.Path));
        var again = loaded.Assign(x);

        // Every core point falls in its own cluster; a noise point stays noise unless it is within eps of a core point,
        // which by definition it is not.
        Assert.Equal(result.Labels, loaded.Labels);
        for (var i = 0; i < x.Length; i++)
        {
            if (result.Labels![i] == -1)
            {
                Assert.Equal(-1, again[i]);
            }
        }

        Assert.Equal(model.ClusterCount, (int)result.Metrics[UnsupervisedTrainer.ClusterCount]);
        Assert.Equal(result.Labels!.Count(l => l == -1), (int)result.Metrics[UnsupervisedTrainer.NoiseCount]);
        Assert.Equal(ClusteringMetrics.Silhouette(x, result.Labels!), result.Metrics[UnsupervisedTrainer.Silhouette], 12);
        Assert.Equal([-1], loaded.Assign([[1000.0, 1000.0, 1000.0]]));
    }

    [Fact]
    public void Tsne_SaveThenLoad_KeepsTheEmbedding()
    {
        using var dir = new TempDirectory();
        var (x, _) = Blobs.Make(15, Blobs.Corners(3, 4, 8), 1.0, seed: 3);
        var result = UnsupervisedTrainer.Fit("tsne", x, new Dictionary<string, object> { ["perplexity"] = 8.0, ["n_iter"] = 300L }, seed: 0);

        result.Model.Save(dir.Path);
        var loaded = Assert.IsType<TsneModel>(UnsupervisedModels.Load(dir.Path));

        Assert.Equal(result.Embedding!.SelectMany(r => r), loaded.Embedding.SelectMany(r => r));
        Assert.Equal(8.0, loaded.Options.Perplexity);
    }

    [Fact]
    public void Fit_SupervisedAlgorithm_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => UnsupervisedTrainer.Fit("random_forest", [[1.0]], null, seed: 0));

        Assert.Contains("kmeans", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteAssignments_Labels_OneClusterColumnInRowOrder()
    {
        using var dir = new TempDirectory();
        var path = dir.File(UnsupervisedCsv.AssignmentsFileName);

        UnsupervisedCsv.WriteAssignments(path, [2, -1, 0]);

        Assert.Equal("cluster\n2\n-1\n0\n", File.ReadAllText(path));
        Assert.Equal([UnsupervisedCsv.AssignmentsFileName], dir.FileNames());
    }

    [Fact]
    public void WriteEmbedding_Rows_ColumnsC1ToCnWithRoundTripNumbers()
    {
        using var dir = new TempDirectory();
        var path = dir.File(UnsupervisedCsv.EmbeddingFileName);
        var embedding = new[] { new[] { 0.1, -2.5e-7, 3.0 }, [1.0 / 3.0, 4.0, -5.0] };

        UnsupervisedCsv.WriteEmbedding(path, embedding);

        var lines = File.ReadAllLines(path);
        Assert.Equal("c1,c2,c3", lines[0]);
        Assert.Equal(3, lines.Length);
        var parsed = lines.Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(embedding.SelectMany(r => r), parsed.SelectMany(r => r));
    }

    [Fact]
    public void SaveScatterPng_ClustersWithNoise_WritesOnlyAValidPng()
    {
        using var dir = new TempDirectory();
        var x = SklearnFixtures.Input("blobs");
        var embedding = Pca.Fit(x, 2).Transform(x);
        var labels = Dbscan.Fit(x, 0.6, 5).Labels;

        EmbeddingPlots.SaveScatterPng(embedding, dir.File(EmbeddingPlots.FileName), labels, "PCA of blobs");

        Assert.Equal([EmbeddingPlots.FileName], dir.FileNames());
        Assert.Equal(PngSignature, File.ReadAllBytes(dir.File(EmbeddingPlots.FileName)).Take(8));
    }

    [Fact]
    public void SaveScatterPng_SpeciesNames_WritesAValidPng()
    {
        using var dir = new TempDirectory();
        var iris = TestCsv.LoadClassification("iris.csv");
        var embedding = Pca.Fit(iris.Features, 2).Transform(iris.Features);
        var species = iris.Labels.Select(l => iris.ClassNames[(int)l]).ToArray();

        EmbeddingPlots.SaveScatterPng(embedding, dir.File("iris.png"), species, "Iris PCA");

        Assert.Equal(PngSignature, File.ReadAllBytes(dir.File("iris.png")).Take(8));
    }
}
