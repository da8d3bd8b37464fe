using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Tests.Training;

public sealed class ModelSerializerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mlops-training-tests", Guid.NewGuid().ToString("N"));

    public static TheoryData<string, string> Cases => new()
    {
        { AlgorithmCatalog.XgBoost, "breast_cancer.csv" },
        { AlgorithmCatalog.XgBoost, "wine.csv" },
        { AlgorithmCatalog.XgBoost, "synthetic" },
        { AlgorithmCatalog.RandomForest, "breast_cancer.csv" },
        { AlgorithmCatalog.RandomForest, "wine.csv" },
        { AlgorithmCatalog.RandomForest, "synthetic" },
        { AlgorithmCatalog.LogisticRegression, "breast_cancer.csv" },
        { AlgorithmCatalog.LogisticRegression, "wine.csv" },
        { AlgorithmCatalog.LinearRegression, "synthetic" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Load_SavedModel_PredictsIdentically(string algorithm, string dataset)
    {
        var data = dataset == "synthetic" ? TestCsv.SyntheticRegression(300, seed: 1) : TestCsv.LoadClassification(dataset);
        if (algorithm == AlgorithmCatalog.LogisticRegression)
        {
            (data, _) = TestCsv.Standardize(data, data);
        }

        var model = ModelTrainers.Get(algorithm).Train(data, null, TestCsv.Defaults, seed: 3);
        model.Save(_directory);
        var loaded = ModelSerializer.Load(_directory);

        Assert.Equal(model.GetType(), loaded.GetType());
        Assert.Equal(algorithm, loaded.Algorithm);
        Assert.Equal(model.Task, loaded.Task);
        Assert.Equal(model.FeatureCount, loaded.FeatureCount);
        Assert.Equal(model.ClassCount, loaded.ClassCount);
        Assert.Equal(data.FeatureNames, loaded.FeatureNames);
        Assert.Equal(data.ClassNames, loaded.ClassNames);
        Assert.Equal(model.Predict(data.Features), loaded.Predict(data.Features));
    }

    [Fact]
    public void Load_DirectoryWithoutModel_ThrowsFileNotFound()
    {
        Directory.CreateDirectory(_directory);

        Assert.Throws<FileNotFoundException>(() => ModelSerializer.Load(_directory));
    }

    [Fact]
    public void Load_UnknownAlgorithm_ThrowsInvalidData()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "model.json"), """{"algorithm":"svm","task":"classification"}""");

        var error = Assert.Throws<InvalidDataException>(() => ModelSerializer.Load(_directory));
        Assert.Contains("svm", error.Message);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
