using System.Globalization;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Workflow.Pipeline;

/// <summary>
/// What a retrain changes when the Judge asks for one: a deterministic step up in model capacity or down in
/// regularization, so a retry is never the same model again. Each step is bounded by the catalog's ranges.
/// </summary>
public static class RetryPolicy
{
    /// <summary>The next configuration, or null when the algorithm has no stronger setting left.</summary>
    public static Dictionary<string, object>? Escalate(string algorithm, IReadOnlyDictionary<string, object> current)
    {
        var next = new Dictionary<string, object>(current);
        var spec = AlgorithmCatalog.Find(algorithm) ?? throw new ArgumentException($"Unknown algorithm '{algorithm}'.", nameof(algorithm));
        switch (algorithm)
        {
            case AlgorithmCatalog.XgBoost:
                return Scale(next, spec, "num_round", 2) ? next : null;
            case AlgorithmCatalog.RandomForest:
                return Scale(next, spec, "n_estimators", 2) ? next : null;
            case AlgorithmCatalog.LogisticRegression:
                return Scale(next, spec, "C", 10) ? next : null;
            case AlgorithmCatalog.LinearRegression:
                var alpha = Number(next, spec, "alpha");
                if (alpha <= 0)
                {
                    return null;
                }

                next["alpha"] = alpha < 1e-6 ? 0.0 : alpha / 10;
                return next;
            default:
                return null;
        }
    }

    /// <summary>A short description of the settings a retry changes, for progress lines.</summary>
    public static string Describe(string algorithm, IReadOnlyDictionary<string, object> hyperparameters)
    {
        var spec = AlgorithmCatalog.Find(algorithm);
        if (spec is null)
        {
            return "";
        }

        var key = algorithm switch
        {
            AlgorithmCatalog.XgBoost => "num_round",
            AlgorithmCatalog.RandomForest => "n_estimators",
            AlgorithmCatalog.LogisticRegression => "C",
            _ => "alpha",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{key}={Number(hyperparameters, spec, key)}");
    }

    private static bool Scale(Dictionary<string, object> values, AlgorithmSpec spec, string name, double factor)
    {
        var h = spec.FindHyperparameter(name)!;
        var current = Number(values, spec, name);
        var scaled = Math.Min(current * factor, h.Max ?? double.MaxValue);
        if (scaled <= current)
        {
            return false;
        }

        values[name] = h.Type == HyperparameterType.Int ? (object)(long)scaled : scaled;
        return true;
    }

    private static double Number(IReadOnlyDictionary<string, object> values, AlgorithmSpec spec, string name) =>
        Convert.ToDouble(values.TryGetValue(name, out var v) ? v : spec.FindHyperparameter(name)!.Default ?? 0.0, CultureInfo.InvariantCulture);
}
