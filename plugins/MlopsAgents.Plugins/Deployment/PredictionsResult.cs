using System.Text.Json;
using Microsoft.AspNetCore.Http;
using MlopsAgents.Plugins.Packaging;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// The 200 answer of POST /predict, <c>{"model", "version", "request_id", "predictions": [{"prediction",
/// "probabilities"}]}</c>, written straight into the response pipe. It is the same JSON that <c>Results.Json</c> made
/// of an anonymous object (same names, same number format, same default escaping), without the reflection-driven
/// serializer and the per-row anonymous objects, which were a fifth of a request's own time.
/// </summary>
public sealed class PredictionsResult(string model, string version, string requestId, IReadOnlyList<RowPrediction> predictions) : IResult
{
    public const string ContentType = "application/json; charset=utf-8";

    private static readonly JsonEncodedText ModelName = JsonEncodedText.Encode("model");
    private static readonly JsonEncodedText VersionName = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText RequestIdName = JsonEncodedText.Encode("request_id");
    private static readonly JsonEncodedText PredictionsName = JsonEncodedText.Encode("predictions");
    private static readonly JsonEncodedText PredictionName = JsonEncodedText.Encode("prediction");
    private static readonly JsonEncodedText ProbabilitiesName = JsonEncodedText.Encode("probabilities");

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = ContentType;
        var pipe = httpContext.Response.BodyWriter;
        await using (var writer = new Utf8JsonWriter(pipe))
        {
            Write(writer);
        }

        await pipe.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes the answer as one JSON object.</summary>
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString(ModelName, model);
        writer.WriteString(VersionName, version);
        writer.WriteString(RequestIdName, requestId);
        writer.WriteStartArray(PredictionsName);
        foreach (var p in predictions)
        {
            writer.WriteStartObject();
            writer.WritePropertyName(PredictionName);
            switch (p.Prediction)
            {
                case string label:
                    writer.WriteStringValue(label);
                    break;
                case double value:
                    writer.WriteNumberValue(value);
                    break;
                default:
                    JsonSerializer.Serialize(writer, p.Prediction, p.Prediction.GetType());
                    break;
            }

            if (p.Probabilities is { } probabilities)
            {
                writer.WriteStartObject(ProbabilitiesName);
                foreach (var (label, probability) in probabilities)
                {
                    writer.WriteNumber(label, probability);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
