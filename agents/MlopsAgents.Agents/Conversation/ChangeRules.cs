using System.Globalization;
using System.Text.RegularExpressions;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Agents.Conversation;

/// <summary>
/// The deterministic reading of a comment when no model is available: slash commands are the parser's job; this class
/// tells questions from requested changes, and reads the changes people ask for most ("use bayesian search with
/// 30 trials", "switch to random forest", "set the threshold to 0.9") into field paths.
/// </summary>
public static partial class ChangeRules
{
    [GeneratedRegex(@"^\s*(why|what|how|when|where|which|who|is|are|was|were|did|does|do|can|could|should|will|would)\b", RegexOptions.IgnoreCase)]
    private static partial Regex QuestionStart();

    [GeneratedRegex(@"\b(grid|random|bayesian)\s+(?:hyper-?parameter\s+)?search\b", RegexOptions.IgnoreCase)]
    private static partial Regex SearchMethod();

    [GeneratedRegex(@"\b(\d{1,4})\s+trials?\b", RegexOptions.IgnoreCase)]
    private static partial Regex Trials();

    [GeneratedRegex(@"\b(\d{1,2})[- ]fold\b", RegexOptions.IgnoreCase)]
    private static partial Regex Folds();

    [GeneratedRegex(@"\b(xgboost|random[ _]forest|logistic[ _]regression|linear[ _]regression|neural[ _]network)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Algorithm();

    [GeneratedRegex(@"\bthreshold\b[^0-9]{0,20}?(\d*\.\d+|\d+(?:\.\d+)?\s*%)", RegexOptions.IgnoreCase)]
    private static partial Regex Threshold();

    [GeneratedRegex(@"\b(canary|blue[ -_]?green|shadow|a/?b[ _-]?test|direct)\b(?=[^.]*\b(deploy|deployment|rollout|release|strategy)\b)|\b(deploy|deployment|rollout|release|strategy)\b[^.]*\b(canary|blue[ -_]?green|shadow|a/?b[ _-]?test|direct)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Strategy();

    [GeneratedRegex(@"\b(?:optimi[sz]e\s+(?:for\s+)?|primary\s+metric\s+(?:to\s+|=\s*)?|focus\s+on\s+)(recall|precision|f1(?:[ _]score)?|accuracy|auc(?:[ _]roc)?|rmse|mae|r2|mape)\b", RegexOptions.IgnoreCase)]
    private static partial Regex PrimaryMetric();

    [GeneratedRegex(@"\b(smote|undersampl(?:e|ing)|class[ _]weights?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Imbalance();

    [GeneratedRegex(@"\b(max_depth|num_round|learning_rate|n_estimators|eta)\b\D{0,10}?(\d*\.?\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex Hyperparameter();

    public static bool IsQuestion(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        return trimmed.EndsWith('?') || QuestionStart().IsMatch(trimmed);
    }

    /// <summary>The field changes a comment asks for, as paths to values; empty when it asks for none the rules know.</summary>
    public static IReadOnlyDictionary<string, object?> ReadChanges(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var patch = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        if (SearchMethod().Match(text) is { Success: true } method)
        {
            patch["hpo.method"] = method.Groups[1].Value.ToLowerInvariant();
        }

        if (Trials().Match(text) is { Success: true } trials)
        {
            patch["hpo.max_trials"] = long.Parse(trials.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        if (Folds().Match(text) is { Success: true } folds)
        {
            patch["hpo.cv_folds"] = long.Parse(folds.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        if (Algorithm().Match(text) is { Success: true } algorithm)
        {
            patch["algorithm"] = Snake(algorithm.Groups[1].Value);
        }

        if (Threshold().Match(text) is { Success: true } threshold)
        {
            var raw = threshold.Groups[1].Value.Trim();
            patch["evaluation_threshold"] = raw.EndsWith('%')
                ? Math.Round(double.Parse(raw.TrimEnd('%').Trim(), CultureInfo.InvariantCulture) / 100, 6)
                : double.Parse(raw, CultureInfo.InvariantCulture);
        }

        if (Strategy().Match(text) is { Success: true } strategy)
        {
            var word = (strategy.Groups[1].Success ? strategy.Groups[1].Value : strategy.Groups[4].Value).ToLowerInvariant();
            patch["deployment_strategy"] = word switch
            {
                _ when word.StartsWith("blue", StringComparison.Ordinal) => DeploymentStrategies.BlueGreen,
                _ when word.StartsWith('a') && word.Contains('b', StringComparison.Ordinal) => DeploymentStrategies.AbTest,
                _ => word,
            };
        }

        if (PrimaryMetric().Match(text) is { Success: true } metric)
        {
            var m = Snake(metric.Groups[1].Value);
            patch["primary_metric"] = m switch { "f1" => "f1_score", "auc" => "auc_roc", _ => m };
        }

        if (Imbalance().Match(text) is { Success: true } imbalance)
        {
            var word = imbalance.Groups[1].Value.ToLowerInvariant();
            patch["data_preprocessing.class_imbalance"] = word.StartsWith("smote", StringComparison.Ordinal) ? "smote" : word.StartsWith("under", StringComparison.Ordinal) ? "undersample" : "class_weight";
        }

        foreach (Match hp in Hyperparameter().Matches(text))
        {
            var name = hp.Groups[1].Value.ToLowerInvariant();
            var raw = hp.Groups[2].Value;
            patch["hyperparameters." + name] = raw.Contains('.', StringComparison.Ordinal)
                ? (object)double.Parse(raw, CultureInfo.InvariantCulture)
                : long.Parse(raw, CultureInfo.InvariantCulture);
        }

        return patch;
    }

    private static string Snake(string text) => text.ToLowerInvariant().Replace(' ', '_');
}
