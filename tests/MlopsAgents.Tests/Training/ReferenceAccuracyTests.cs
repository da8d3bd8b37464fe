using System.Globalization;
using MlopsAgents.Plugins.Training;
using Xunit.Abstractions;

namespace MlopsAgents.Tests.Training;

/// <summary>
/// 5-fold stratified cross-validation against the scikit-learn figures in examples/datasets/README.md, on the same
/// unshuffled folds scikit-learn used, so only the learners differ.
/// </summary>
public sealed class ReferenceAccuracyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("breast_cancer.csv", AlgorithmCatalog.XgBoost, 0.970)]
    [InlineData("breast_cancer.csv", AlgorithmCatalog.RandomForest, 0.965)]
    [InlineData("breast_cancer.csv", AlgorithmCatalog.LogisticRegression, 0.979)]
    [InlineData("wine.csv", AlgorithmCatalog.XgBoost, 0.949)]
    [InlineData("wine.csv", AlgorithmCatalog.RandomForest, 0.972)]
    [InlineData("wine.csv", AlgorithmCatalog.LogisticRegression, 0.983)]
    public void Train_DefaultHyperparameters_CrossValidatedAccuracyMatchesScikitLearn(string dataset, string algorithm, double reference)
    {
        var data = TestCsv.LoadClassification(dataset);
        var trainer = ModelTrainers.Get(algorithm);
        var accuracies = new List<double>();
        foreach (var fold in CrossValidation.StratifiedFolds(TestCsv.ClassIndices(data), 5))
        {
            var train = CrossValidation.Subset(data, fold.Train);
            var test = CrossValidation.Subset(data, fold.Test);
            if (algorithm == AlgorithmCatalog.LogisticRegression)
            {
                (train, test) = TestCsv.Standardize(train, test);
            }

            var model = trainer.Train(train, null, TestCsv.Defaults, seed: 0);
            accuracies.Add(TestCsv.Accuracy(model, test));
        }

        var mean = accuracies.Average();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{dataset} {algorithm}: mean accuracy {mean:F4} (folds {string.Join(", ", accuracies.Select(a => a.ToString("F3", CultureInfo.InvariantCulture)))}), scikit-learn {reference:F3}, diff {mean - reference:+0.0000;-0.0000}"));
        Assert.True(Math.Abs(mean - reference) <= 0.02, string.Create(CultureInfo.InvariantCulture, $"{algorithm} on {dataset}: {mean:F4} vs reference {reference:F3}"));
    }
}
