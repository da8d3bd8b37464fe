using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MlopsAgents.Plugins.Packaging;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// Serves one prediction request: routes it to a version, mirrors it to the shadow if there is one, and records
/// the serving version's status and latency.
/// </summary>
internal sealed partial class PredictHandler(
    TrafficRouter router,
    ServingMetrics metrics,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, ModelPackage>> versions,
    ILogger logger)
{
    public async Task<IResult> PredictAsync(string model, HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        var decision = router.Choose(model, RoutingKey(http.Request));
        var byVersion = versions[model];
        var shadow = decision.ShadowVersion is null ? null : byVersion[decision.ShadowVersion];
        var (status, result) = await PredictAsync(byVersion[decision.Version], shadow, http).ConfigureAwait(false);
        http.Response.Headers[ModelServer.VersionHeader] = decision.Version;
        metrics.For(model, decision.Version).Record(status, Stopwatch.GetElapsedTime(started));
        return result;
    }

    internal static IResult Problem(int status, string title, IReadOnlyList<RowError> errors) =>
        Results.Json(new { title, status, errors = errors.Select(e => new { row = e.Row, message = e.Message }) }, statusCode: status, contentType: "application/problem+json");

    private static string? RoutingKey(HttpRequest request)
    {
        var header = request.Headers[ModelServer.RoutingKeyHeader].ToString();
        return header.Length > 0 ? header : request.Query["routing_key"].ToString() is { Length: > 0 } query ? query : null;
    }

    private async Task<(int Status, IResult Result)> PredictAsync(ModelPackage package, ModelPackage? shadow, HttpContext http)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return (400, Problem(400, $"The body is not valid JSON: {e.Message}", []));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array)
            {
                return (400, Problem(400, "The body must be a JSON object with a 'rows' array of row objects, e.g. {\"rows\": [{\"column\": 1.0}]}.", []));
            }

            var count = rows.GetArrayLength();
            if (count == 0 || count > ModelServer.MaxRowsPerRequest)
            {
                return (400, Problem(400, $"'rows' has {count} rows; allowed: 1 to {ModelServer.MaxRowsPerRequest}.", []));
            }

            JsonElement[] input = [.. rows.EnumerateArray()];

            // The shadow runs alongside the primary, on the same parsed rows (read-only, so safe to share), and
            // finishes before the document is disposed; only the primary's answer goes back to the caller.
            var shadowTask = shadow is null ? null : Task.Run(() => shadow.Predict(input));
            var (predictions, errors) = package.Predict(input);
            if (shadowTask is not null)
            {
                await RecordShadowAsync(package, shadow!, predictions, shadowTask).ConfigureAwait(false);
            }

            if (predictions is null)
            {
                return (400, Problem(400, $"{errors.Select(e => e.Row).Distinct().Count()} of {count} rows are invalid.", errors));
            }

            return (200, Results.Json(new
            {
                model = package.Metadata.ModelName,
                version = package.Metadata.Version,
                predictions = predictions.Select(p => p.Probabilities is null
                    ? (object)new { prediction = p.Prediction }
                    : new { prediction = p.Prediction, probabilities = p.Probabilities }),
            }));
        }
    }

    private async Task RecordShadowAsync(
        ModelPackage primary,
        ModelPackage shadow,
        IReadOnlyList<RowPrediction>? primaryPredictions,
        Task<(IReadOnlyList<RowPrediction>? Predictions, IReadOnlyList<RowError> Errors)> shadowTask)
    {
        // A broken challenger must never break the traffic it shadows: its failure is logged and counted, not thrown.
        await ((Task)shadowTask).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var comparison = metrics.ShadowFor(primary.Metadata.ModelName, primary.Metadata.Version, shadow.Metadata.Version);
        if (shadowTask.IsFaulted)
        {
            ShadowFailed(logger, shadowTask.Exception.InnerException ?? shadowTask.Exception, shadow.Metadata.ModelName, shadow.Metadata.Version);
            comparison.Record(primaryPredictions, null);
            return;
        }

        comparison.Record(primaryPredictions, shadowTask.Result.Predictions);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shadow version {Model} {Version} failed on a mirrored request")]
    private static partial void ShadowFailed(ILogger logger, Exception exception, string model, string version);
}
