using System.Globalization;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Tests.Support;
using Xunit.Abstractions;

namespace MlopsAgents.Tests.Workflow;

/// <summary>
/// The pipeline's own stages (CSV loading, preprocessing fitted per fold, training, evaluation) under the same
/// 5-fold stratified split scikit-learn used for the figures in examples/datasets/README.md.
/// </summary>
public sealed class ReferenceFiguresTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("breast_cancer.csv", "diagnosis", AlgorithmCatalog.XgBoost, 0.970)]
    [InlineData("breast_cancer.csv", "diagnosis", AlgorithmCatalog.RandomForest, 0.965)]
    [InlineData("breast_cancer.csv", "diagnosis", AlgorithmCatalog.LogisticRegression, 0.979)]
    [InlineData("wine.csv", "cultivar", AlgorithmCatalog.XgBoost, 0.949)]
    [InlineData("wine.csv", "cultivar", AlgorithmCatalog.RandomForest, 0.972)]
    [InlineData("wine.csv", "cultivar", AlgorithmCatalog.LogisticRegression, 0.983)]
    public void PipelineStages_FiveFoldStratified_AccuracyWithinTwoPointsOfScikitLearn(string file, string target, string algorithm, double reference)
    {
        var frame = DataFrame.ReadCsv(Examples.Dataset(file));
        var t = frame.IndexOf(target);
        var classNames = frame.Rows.Select(r => r[t]!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var labels = frame.Rows.Select(r => classNames.IndexOf(r[t]!)).ToArray();
        var features = frame.Columns.Where(c => c != target).ToList();
        var kinds = features.ToDictionary(c => c, c => frame.InferKind(frame.IndexOf(c)));

        // scikit-learn's reference scales only for logistic regression; trees are unaffected by scaling either way.
        var options = new DataPreprocessingOptions { Standardize = algorithm == AlgorithmCatalog.LogisticRegression };
        var accuracies = new List<double>();
        foreach (var fold in CrossValidation.StratifiedFolds(labels, 5))
        {
            var trainFrame = frame.WithRows(fold.Train.Select(i => frame.Rows[i]));
            var testFrame = frame.WithRows(fold.Test.Select(i => frame.Rows[i]));
            var preprocessor = FeaturePreprocessor.Fit(trainFrame, target, features, kinds, options, ModelTask.Classification, classNames);
            var test = preprocessor.ToTrainingData(testFrame);
            var model = ModelTrainers.Get(algorithm).Train(preprocessor.ToTrainingData(trainFrame), null, new Dictionary<string, object>(), seed: 0);
            var report = ClassificationEvaluator.Evaluate([.. test.Labels.Select(l => (int)l)], model.Predict(test.Features), classNames);
            accuracies.Add(report.Accuracy);
        }

        var mean = accuracies.Average();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file} {algorithm}: {mean:F4} vs scikit-learn {reference:F3}"));
        Assert.InRange(mean, reference - 0.02, reference + 0.02);
    }
}
