using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Packaging;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// Serves one prediction request: routes it to a version, waits for one of that version's workers, mirrors it to the
/// shadow if there is one, records the serving version's status and latency, and hands the rows and predictions to
/// the live monitor and (when sampled) the inference log. Also joins labels posted to /feedback.
/// </summary>
internal sealed partial class PredictHandler(
    TrafficRouter router,
    ServingMetrics metrics,
    ConcurrentDictionary<string, ConcurrentDictionary<string, VersionWorkers>> versions,
    LiveMonitor monitor,
    InferenceLog? inferenceLog,
    ModelServerOptions options,
    ILogger logger)
{
    private const int MaxRequestIdLength = 128;

    /// <summary>Predicts for <paramref name="model"/>; <paramref name="pinnedVersion"/> bypasses routing (warm-up, checks).</summary>
    public async Task<IResult> PredictAsync(string model, string? pinnedVersion, HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        var decision = pinnedVersion is null ? router.Choose(model, RoutingKey(http.Request)) : new RouteDecision(pinnedVersion, null);
        var byVersion = versions[model];
        if (!byVersion.TryGetValue(decision.Version, out var slot))
        {
            // The version was retired between routing and lookup: the table moved on, so route again once.
            decision = router.Choose(model, RoutingKey(http.Request));
            slot = byVersion[decision.Version];
        }

        var shadow = decision.ShadowVersion is null ? null : byVersion.GetValueOrDefault(decision.ShadowVersion)?.Package;
        var requestId = RequestId(http.Request);
        http.Response.Headers[ModelServer.VersionHeader] = decision.Version;
        http.Response.Headers[ModelServer.RequestIdHeader] = requestId;
        var (status, result) = await PredictAsync(slot, shadow, requestId, http).ConfigureAwait(false);
        metrics.For(model, decision.Version).Record(status, Stopwatch.GetElapsedTime(started));
        return result;
    }

    /// <summary>
    /// POST /feedback: <c>{"feedback": [{"request_id": "…", "row": 0, "label": "yes"}]}</c>. Joins each label to the
    /// prediction it judges, writes the joined rows to the inference log, and answers with what was joined and rejected.
    /// </summary>
    public async Task<IResult> FeedbackAsync(HttpContext http)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return Problem(400, $"The body is not valid JSON: {e.Message}", []);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("feedback", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            {
                return Problem(400, "The body must be {\"feedback\": [{\"request_id\": \"…\", \"row\": 0, \"label\": …}]} with at least one item.", []);
            }

            var items = new List<FeedbackItem>();
            var errors = new List<RowError>();
            var index = 0;
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("request_id", out var id) || id.ValueKind != JsonValueKind.String
                    || !item.TryGetProperty("label", out var label) || label.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add(new RowError(index, "each item needs request_id (a string) and label (a string, number or boolean); row (an integer) defaults to 0"));
                }
                else
                {
                    var row = item.TryGetProperty("row", out var r) && r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out var n) ? n : 0;
                    var text = label.ValueKind == JsonValueKind.String ? label.GetString()! : label.GetRawText();
                    items.Add(new FeedbackItem(id.GetString()!, row, text));
                }

                index++;
            }

            if (errors.Count > 0)
            {
                return Problem(400, $"{errors.Count} feedback items are invalid.", errors);
            }

            var result = monitor.RecordFeedback(items, options.TimeProvider.GetUtcNow());
            if (inferenceLog is not null)
            {
                foreach (var outcome in result.Joined)
                {
                    inferenceLog.Append(InferenceLog.FeedbackPrefix, JsonSerializer.Serialize(outcome));
                }
            }

            return Results.Json(new { joined = result.Joined.Count, rejected = result.Rejected });
        }
    }

    internal static IResult Problem(int status, string title, IReadOnlyList<RowError> errors) =>
        Results.Json(new { title, status, errors = errors.Select(e => new { row = e.Row, message = e.Message }) }, statusCode: status, contentType: "application/problem+json");

    private static string? RoutingKey(HttpRequest request)
    {
        var header = request.Headers[ModelServer.RoutingKeyHeader].ToString();
        return header.Length > 0 ? header : request.Query["routing_key"].ToString() is { Length: > 0 } query ? query : null;
    }

    private static string RequestId(HttpRequest request)
    {
        var given = request.Headers[ModelServer.RequestIdHeader].ToString();
        return given.Length is > 0 and <= MaxRequestIdLength ? given : RequestIds.Next();
    }

    private async Task<(int Status, IResult Result)> PredictAsync(VersionWorkers workers, ModelPackage? shadow, string requestId, HttpContext http)
    {
        var package = workers.Package;
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
            var work = await workers.PredictAsync(input, http.RequestAborted).ConfigureAwait(false);
            var (predictions, errors) = (work.Predictions, work.Errors);
            if (shadowTask is not null)
            {
                await RecordShadowAsync(package, shadow!, predictions, shadowTask).ConfigureAwait(false);
            }

            if (work.InjectedStatus is { } injected)
            {
                return (injected, Problem(injected, $"Injected failure {injected} for {package.Metadata.ModelName} {package.Metadata.Version}.", []));
            }

            if (predictions is null)
            {
                return (400, Problem(400, $"{errors.Select(e => e.Row).Distinct().Count()} of {count} rows are invalid.", errors));
            }

            Observe(package, requestId, rows, input, predictions);
            return (200, new PredictionsResult(package.Metadata.ModelName, package.Metadata.Version, requestId, predictions));
        }
    }

    private void Observe(ModelPackage package, string requestId, JsonElement rows, JsonElement[] input, IReadOnlyList<RowPrediction> predictions)
    {
        var labels = new string[predictions.Count];
        var confidences = new double?[predictions.Count];
        for (var i = 0; i < predictions.Count; i++)
        {
            labels[i] = Convert.ToString(predictions[i].Prediction, CultureInfo.InvariantCulture) ?? string.Empty;
            confidences[i] = predictions[i].Probabilities is { Count: > 0 } p ? p.Values.Max() : null;
        }

        var now = options.TimeProvider.GetUtcNow();
        monitor.RecordPrediction(new PredictionTrace(requestId, package.Metadata.ModelName, package.Metadata.Version, now, labels, confidences), input);
        if (inferenceLog is not null && inferenceLog.IsSampled(requestId))
        {
            var line = new JsonObject
            {
                ["request_id"] = requestId,
                ["time"] = now.ToString("O", CultureInfo.InvariantCulture),
                ["model"] = package.Metadata.ModelName,
                ["version"] = package.Metadata.Version,
                ["rows"] = JsonNode.Parse(rows.GetRawText()),
                ["predictions"] = new JsonArray([.. labels.Select(l => (JsonNode?)JsonValue.Create(l))]),
            };
            inferenceLog.Append(InferenceLog.PredictionsPrefix, line.ToJsonString());
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
