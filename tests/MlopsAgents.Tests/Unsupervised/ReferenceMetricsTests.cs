using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Training.Unsupervised;

namespace MlopsAgents.Tests.Unsupervised;

/// <summary>Metrics, PCA and DBSCAN against the scikit-learn 1.2 values in TestData/Unsupervised.</summary>
public sealed class ReferenceMetricsTests
{
    [Fact]
    public void Silhouette_GivenLabelVectors_MatchesScikitLearn()
    {
        foreach (var c in SklearnFixtures.Cases("clustering_metrics.json"))
        {
            var x = SklearnFixtures.Input(c.GetProperty("input").GetString()!);
            var labels = SklearnFixtures.Ints(c.GetProperty("labels"));
            SklearnFixtures.Close(c.GetProperty("silhouette").GetDouble(), ClusteringMetrics.Silhouette(x, labels), what: c.GetProperty("name").GetString());
        }
    }

    [Fact]
    public void DaviesBouldin_GivenLabelVectors_MatchesScikitLearn()
    {
        foreach (var c in SklearnFixtures.Cases("clustering_metrics.json"))
        {
            var x = SklearnFixtures.Input(c.GetProperty("input").GetString()!);
            var labels = SklearnFixtures.Ints(c.GetProperty("labels"));
            SklearnFixtures.Close(c.GetProperty("davies_bouldin").GetDouble(), ClusteringMetrics.DaviesBouldin(x, labels), what: c.GetProperty("name").GetString());
        }
    }

    [Fact]
    public void Silhouette_OneLabel_Throws()
    {
        var x = SklearnFixtures.Input("blobs");

        Assert.Throws<ArgumentException>(() => ClusteringMetrics.Silhouette(x, new int[x.Length]));
    }

    [Fact]
    public void DbscanFit_ReferenceCases_GivesScikitLearnLabelsExactly()
    {
        foreach (var c in SklearnFixtures.Cases("dbscan.json"))
        {
            var input = c.GetProperty("input").GetString()!;
            var eps = c.GetProperty("eps").GetDouble();
            var minSamples = c.GetProperty("min_samples").GetInt32();
            var x = SklearnFixtures.Input(input);

            var model = Dbscan.Fit(x, eps, minSamples);

            Assert.True(SklearnFixtures.Ints(c.GetProperty("labels")).SequenceEqual(model.Labels), $"{input} eps={eps} min_samples={minSamples}");
        }
    }

    [Fact]
    public void DbscanLabels_WithNoise_ScoreAsScikitLearn()
    {
        foreach (var c in SklearnFixtures.Cases("dbscan.json").Where(c => c.TryGetProperty("silhouette", out _)))
        {
            var x = SklearnFixtures.Input(c.GetProperty("input").GetString()!);
            var labels = SklearnFixtures.Ints(c.GetProperty("labels"));

            SklearnFixtures.Close(c.GetProperty("silhouette").GetDouble(), ClusteringMetrics.Silhouette(x, labels), what: "silhouette");
            SklearnFixtures.Close(c.GetProperty("davies_bouldin").GetDouble(), ClusteringMetrics.DaviesBouldin(x, labels), what: "davies_bouldin");
        }
    }

    [Fact]
    public void PcaFit_ReferenceCases_MatchesRatiosVariancesComponentsAndSigns()
    {
        foreach (var c in SklearnFixtures.Cases("pca.json"))
        {
            var input = c.GetProperty("input").GetString()!;
            var x = SklearnFixtures.Input(input);
            var ratios = SklearnFixtures.Doubles(c.GetProperty("explained_variance_ratio"));
            var variances = SklearnFixtures.Doubles(c.GetProperty("explained_variance"));
            var components = SklearnFixtures.Matrix(c.GetProperty("components"));
            var transformed = SklearnFixtures.Matrix(c.GetProperty("transform_first_rows"));

            var model = Pca.Fit(x, ratios.Length);
            var projection = model.Transform(x.Take(transformed.Length).ToArray());

            for (var k = 0; k < ratios.Length; k++)
            {
                SklearnFixtures.Close(ratios[k], model.ExplainedVarianceRatio[k], what: $"{input} ratio {k}");
                SklearnFixtures.Close(variances[k], model.ExplainedVariance[k], what: $"{input} variance {k}");

                // Components are unit vectors: compare entries absolutely. The sign follows scikit-learn's svd_flip.
                for (var j = 0; j < components[k].Length; j++)
                {
                    SklearnFixtures.Close(components[k][j], model.Components[k][j], relative: 0, absolute: 1e-8, what: $"{input} component {k}[{j}]");
                }

                for (var i = 0; i < transformed.Length; i++)
                {
                    SklearnFixtures.Close(transformed[i][k], projection[i][k], relative: 1e-9, absolute: 1e-9, what: $"{input} transform [{i}][{k}]");
                }
            }
        }
    }

    [Fact]
    public void ExplainedVarianceRatio_Iris_IsLargestFirstAndSumsToOne()
    {
        var reference = SklearnFixtures.Doubles(SklearnFixtures.Cases("pca.json").First().GetProperty("explained_variance_ratio"));

        var ratios = EmbeddingMetrics.ExplainedVarianceRatio(SklearnFixtures.Input("iris"));

        Assert.Equal(reference.Length, ratios.Count);
        Assert.True(ratios.Zip(ratios.Skip(1)).All(p => p.First >= p.Second));
        SklearnFixtures.Close(1.0, ratios.Sum());
    }

    [Fact]
    public void Trustworthiness_ReferenceEmbeddings_MatchesScikitLearn()
    {
        foreach (var c in SklearnFixtures.Cases("trustworthiness.json"))
        {
            var x = SklearnFixtures.Input(c.GetProperty("input").GetString()!);
            var embedding = SklearnFixtures.Matrix(c.GetProperty("embedding"));
            var k = c.GetProperty("n_neighbors").GetInt32();

            SklearnFixtures.Close(c.GetProperty("trustworthiness").GetDouble(), EmbeddingMetrics.Trustworthiness(x, embedding, k), what: $"trustworthiness k={k}");
        }
    }
}
