namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// A test seam around every prediction and version health check, so that tests can inject failures and latency into
/// one version of a live server without touching the shipped prediction path. The server has none by default.
/// </summary>
public interface IPredictionInterceptor
{
    /// <summary>
    /// Runs before the version predicts. Returning a status code (e.g. 500) fails the request with it; returning
    /// null lets the prediction go ahead.
    /// </summary>
    ValueTask<int?> BeforePredictAsync(string model, string version, CancellationToken cancellationToken);

    /// <summary>False makes the version's health check fail.</summary>
    bool IsHealthy(string model, string version);
}
