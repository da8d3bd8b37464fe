using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Plugins.Training.Search;

/// <summary>What a search optimizes: a score per fold for one hyperparameter setting.</summary>
public interface ITrialObjective
{
    /// <summary>The metric name, as in the evaluators' ToMetricDictionary.</summary>
    string Metric { get; }

    /// <summary>True for error metrics (rmse, mae, mape), which the search minimizes.</summary>
    bool LowerIsBetter { get; }

    int FoldCount { get; }

    /// <summary>The metric on fold <paramref name="fold"/> for the searched <paramref name="parameters"/>. Must be thread-safe.</summary>
    double EvaluateFold(IReadOnlyDictionary<string, object> parameters, int fold);
}

/// <summary>
/// k-fold cross-validated metric of one trainer: stratified folds for classification, shuffled folds for regression,
/// all drawn once from the seed so every trial sees the same folds. Trial parameters override the fixed ones.
/// </summary>
public sealed class CrossValidatedObjective : ITrialObjective
{
    private readonly IModelTrainer _trainer;
    private readonly TrainingData _data;
    private readonly IReadOnlyList<Fold> _folds;
    private readonly IReadOnlyDictionary<string, object> _fixed;
    private readonly int _seed;

    public CrossValidatedObjective(IModelTrainer trainer, TrainingData data, string metric, int folds, int seed, IReadOnlyDictionary<string, object>? fixedHyperparameters = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        var metrics = data.Task == ModelTask.Classification ? Metrics.Classification : Metrics.Regression;
        if (!metrics.Contains(metric))
        {
            throw new ArgumentException($"Metric '{metric}' does not apply to {data.Task.ToString().ToLowerInvariant()}; use one of {string.Join(", ", metrics)}.", nameof(metric));
        }

        _trainer = trainer;
        _data = data;
        _fixed = fixedHyperparameters ?? new Dictionary<string, object>();
        _seed = seed;
        Metric = metric;
        LowerIsBetter = Metrics.LowerIsBetter.Contains(metric);
        _folds = data.Task == ModelTask.Classification
            ? CrossValidation.StratifiedFolds(data.Labels.Select(l => (int)l).ToArray(), folds, seed)
            : CrossValidation.KFolds(data.RowCount, folds, seed);
    }

    public string Metric { get; }
    public bool LowerIsBetter { get; }
    public int FoldCount => _folds.Count;

    public double EvaluateFold(IReadOnlyDictionary<string, object> parameters, int fold)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var hyperparameters = new Dictionary<string, object>(_fixed, StringComparer.Ordinal);
        foreach (var (name, value) in parameters)
        {
            hyperparameters[name] = value;
        }

        var split = _folds[fold];
        var test = CrossValidation.Subset(_data, split.Test);
        var model = _trainer.Train(CrossValidation.Subset(_data, split.Train), null, hyperparameters, _seed);
        var predictions = model.Predict(test.Features);
        var scores = _data.Task == ModelTask.Classification
            ? ClassificationEvaluator.Evaluate(test.Labels.Select(l => (int)l).ToArray(), predictions, _data.ClassNames).ToMetricDictionary()
            : RegressionEvaluator.Evaluate(test.Labels, predictions.Select(p => p[0]).ToArray()).ToMetricDictionary();
        return scores.TryGetValue(Metric, out var score)
            ? score
            : throw new InvalidOperationException($"Metric '{Metric}' is undefined on fold {fold + 1}; a class may have fewer rows than there are folds.");
    }
}
