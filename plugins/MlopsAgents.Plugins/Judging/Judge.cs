using System.Globalization;
using System.Text.Json.Serialization;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Plugins.Judging;

/// <summary>The Judge's three outcomes, as the workflow's DecisionSwitch reads them.</summary>
public static class JudgeDecisions
{
    public const string Pass = "pass";
    public const string Retrain = "retrain";
    public const string Fail = "fail";
}

/// <summary>A decision with the numbers behind it and the reason in plain words.</summary>
public sealed record JudgeVerdict(
    [property: JsonPropertyName("decision")] string Decision,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("value")] double? Value,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("retry_count")] int RetryCount,
    [property: JsonPropertyName("max_retry")] int MaxRetry,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>
/// The deterministic Judge: compares the primary metric with the threshold and decides pass, retrain or fail.
/// No model and no randomness is involved, so the same results always give the same verdict.
/// </summary>
public static class Judge
{
    /// <summary>The threshold used for a bounded score when the request sets none.</summary>
    public const double DefaultThreshold = 0.8;

    /// <summary>
    /// The threshold in force when a request sets none, by metric: 0.8 for the bounded classification scores, r2 and
    /// trustworthiness; 0.25 silhouette (the usual boundary of weak structure); 1.5 Davies–Bouldin; 0.5 explained
    /// variance (of PCA's components, or of the clusters); 195 average reward (CartPole's classic solve line) and 0.9 success rate; 0.2 MAPE. rmse, mae and
    /// episode_length are on the data's own scale, so they have none and need evaluation_threshold.
    /// </summary>
    public static double? DefaultThresholdFor(string metric) => metric switch
    {
        "silhouette_score" => 0.25,
        "davies_bouldin_index" => 1.5,
        "explained_variance_total" or "variance_explained" => 0.5,
        "average_reward" => 195,
        "success_rate" => 0.9,
        "mape" => 0.2,
        "rmse" or "mae" or "episode_length" => null,
        _ => DefaultThreshold,
    };

    /// <param name="metrics">The evaluation metrics on the test split.</param>
    /// <param name="metric">The primary metric.</param>
    /// <param name="threshold">The request's evaluation_threshold.</param>
    /// <param name="retryCount">Retrains already done for this request.</param>
    /// <param name="maxRetry">The request's max_retry.</param>
    public static JudgeVerdict Decide(IReadOnlyDictionary<string, double> metrics, string metric, double threshold, int retryCount, int maxRetry)
    {
        var inv = CultureInfo.InvariantCulture;
        var lowerIsBetter = Metrics.LowerIsBetter.Contains(metric);
        if (!metrics.TryGetValue(metric, out var value) || double.IsNaN(value))
        {
            return new JudgeVerdict(JudgeDecisions.Fail, metric, null, threshold, retryCount, maxRetry,
                $"The primary metric '{metric}' was not computed on the test split, so the model cannot be judged; it is not deployed.");
        }

        var passes = lowerIsBetter ? value <= threshold : value >= threshold;
        var comparison = lowerIsBetter ? "at or below" : "at or above";
        if (passes)
        {
            return new JudgeVerdict(JudgeDecisions.Pass, metric, value, threshold, retryCount, maxRetry,
                string.Create(inv, $"{metric} = {value:0.####} is {comparison} the threshold {threshold:0.####}, so the model passes and may be packaged and deployed."));
        }

        var gap = Math.Abs(value - threshold);
        if (retryCount < maxRetry)
        {
            return new JudgeVerdict(JudgeDecisions.Retrain, metric, value, threshold, retryCount, maxRetry,
                string.Create(inv, $"{metric} = {value:0.####} misses the threshold {threshold:0.####} by {gap:0.####}; {maxRetry - retryCount} of {maxRetry} retries remain, so the model should be retrained."));
        }

        return new JudgeVerdict(JudgeDecisions.Fail, metric, value, threshold, retryCount, maxRetry,
            string.Create(inv, $"{metric} = {value:0.####} misses the threshold {threshold:0.####} by {gap:0.####}, and all {maxRetry} retries are used, so the run fails and nothing is deployed."));
    }
}
