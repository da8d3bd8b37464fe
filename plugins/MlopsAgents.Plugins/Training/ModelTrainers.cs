using MlopsAgents.Plugins.Training.NeuralNetworks;

namespace MlopsAgents.Plugins.Training;

/// <summary>Finds the trainer for a catalog algorithm name.</summary>
public static class ModelTrainers
{
    private static readonly IReadOnlyDictionary<string, IModelTrainer> Trainers = new IModelTrainer[]
    {
        new XgBoostTrainer(),
        new RandomForestTrainer(),
        new LogisticRegressionTrainer(),
        new LinearRegressionTrainer(),
        new MlpTrainer(),
    }.ToDictionary(t => t.Algorithm, StringComparer.Ordinal);

    /// <summary>Algorithm names that have a trainer.</summary>
    public static IReadOnlyCollection<string> Algorithms => Trainers.Keys.Order(StringComparer.Ordinal).ToArray();

    public static IModelTrainer Get(string algorithm)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return Trainers.TryGetValue(algorithm, out var trainer)
            ? trainer
            : throw new ArgumentException($"Unknown algorithm '{algorithm}'. Known algorithms: {string.Join(", ", Algorithms)}.", nameof(algorithm));
    }
}

/// <summary>Loads a model saved by <see cref="ITrainedModel.Save"/>.</summary>
public static class ModelSerializer
{
    /// <summary>Reads <c>model.json</c> in <paramref name="directory"/> and restores the model its <c>algorithm</c> field names.</summary>
    public static ITrainedModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var header = ModelFile.Read<ModelHeader>(directory);
        return header.Algorithm switch
        {
            AlgorithmCatalog.XgBoost => XgBoostModel.Load(directory),
            AlgorithmCatalog.RandomForest => RandomForestModel.Load(directory),
            AlgorithmCatalog.LogisticRegression => LogisticRegressionModel.Load(directory),
            AlgorithmCatalog.LinearRegression => LinearRegressionModel.Load(directory),
            NeuralNetworkAlgorithms.NeuralNetwork => MlpModel.Load(directory),
            _ => throw new InvalidDataException($"'{Path.Combine(directory, ModelFile.FileName)}' names unknown algorithm '{header.Algorithm}'."),
        };
    }
}
