using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Training.Unsupervised;

namespace MlopsAgents.Tests.Unsupervised;

public sealed class KMeansTests
{
    [Fact]
    public void Fit_WellSeparatedBlobs_RecoversTheBlobs()
    {
        var (x, truth) = Blobs.Make(60, Blobs.Corners(4, 3, 20), 0.8, seed: 5);

        var model = KMeans.Fit(x, new KMeansOptions(4), seed: 1);
        var labels = model.Assign(x);

        // Each true blob maps to exactly one cluster and vice versa.
        var pairs = truth.Zip(labels).Distinct().ToArray();
        Assert.Equal(4, pairs.Length);
        Assert.Equal(4, pairs.Select(p => p.Second).Distinct().Count());
        Assert.True(model.Inertia > 0);
    }

    [Fact]
    public void Fit_SameSeed_SameResult()
    {
        var (x, _) = Blobs.Make(50, Blobs.Corners(5, 2, 6), 1.5, seed: 8);

        var first = KMeans.Fit(x, new KMeansOptions(5, Restarts: 3), seed: 42);
        var second = KMeans.Fit(x, new KMeansOptions(5, Restarts: 3), seed: 42);

        Assert.Equal(first.Inertia, second.Inertia);
        Assert.Equal(first.Assign(x), second.Assign(x));
        Assert.Equal(first.Centres.SelectMany(c => c), second.Centres.SelectMany(c => c));
    }

    [Fact]
    public void Trainer_NoClusterCount_PicksTheTrueKBySilhouette()
    {
        var (x, _) = Blobs.Make(40, Blobs.Corners(5, 3, 15), 0.7, seed: 3);

        var result = UnsupervisedTrainer.Fit("kmeans", x, new Dictionary<string, object> { ["k_min"] = 2L, ["k_max"] = 8L, ["n_init"] = 4L }, seed: 7);

        Assert.Equal(5, ((KMeansModel)result.Model).ClusterCount);
        Assert.NotNull(result.SilhouetteByK);
        Assert.Equal(Enumerable.Range(2, 7), result.SilhouetteByK.Keys.Order());
        Assert.Equal(5, result.SilhouetteByK.MaxBy(p => p.Value).Key);
        Assert.Equal(result.SilhouetteByK[5], result.Metrics[UnsupervisedTrainer.Silhouette], 12);
        Assert.Equal(ClusteringMetrics.DaviesBouldin(x, result.Labels!), result.Metrics[UnsupervisedTrainer.DaviesBouldin], 12);
    }

    [Fact]
    public void Trainer_ClusterCountAlias_IsHonoured()
    {
        var (x, _) = Blobs.Make(30, Blobs.Corners(3, 2, 10), 0.5, seed: 2);

        var result = UnsupervisedTrainer.Fit("kmeans", x, new Dictionary<string, object> { ["k"] = 2L }, seed: 1);

        Assert.Equal(2, result.Labels!.Distinct().Count());
        Assert.Null(result.SilhouetteByK);
        Assert.Equal(2.0, result.Metrics[UnsupervisedTrainer.ClusterCount]);
    }

    [Fact]
    public void Assign_NewRows_GoToTheNearestCentre()
    {
        var x = new[] { new[] { 0.0, 0.0 }, [0.1, 0.0], [10.0, 10.0], [10.1, 10.0] };
        var model = KMeans.Fit(x, new KMeansOptions(2, Restarts: 2), seed: 0);

        var labels = model.Assign([[0.2, 0.1], [9.0, 9.5]]);

        Assert.Equal(model.Assign([x[0]])[0], labels[0]);
        Assert.Equal(model.Assign([x[2]])[0], labels[1]);
        Assert.NotEqual(labels[0], labels[1]);
    }
}
