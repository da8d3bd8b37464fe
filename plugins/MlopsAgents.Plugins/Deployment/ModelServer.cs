using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlopsAgents.Plugins.Packaging;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// The local model server: serves deployed model versions on 127.0.0.1 with POST /predict, GET /health and
/// GET /openapi.json. The most recently deployed model answers the root routes; every model also answers under
/// /models/{name}/.
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    /// <summary>The largest batch one request may carry.</summary>
    public const int MaxRowsPerRequest = 10_000;

    private readonly WebApplication _app;

    private ModelServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Starts the server. Port 0 picks a free port; <see cref="BaseAddress"/> tells which.</summary>
    public static async Task<ModelServer> StartAsync(IReadOnlyList<ModelPackage> packages, int port, LogLevel logLevel = LogLevel.Warning, CancellationToken cancellationToken = default)
    {
        if (packages.Count == 0)
        {
            throw new InvalidOperationException("No model is deployed, so there is nothing to serve. Run `mlops run ISSUE.md` first.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var byName = packages.ToDictionary(p => p.Metadata.ModelName, StringComparer.Ordinal);
        var primary = packages[0];

        app.MapGet("/health", () => Results.Json(new
        {
            status = "ok",
            models = packages.Select(p => new { name = p.Metadata.ModelName, version = p.Metadata.Version, algorithm = p.Metadata.Algorithm }),
        }));
        app.MapGet("/openapi.json", (HttpRequest http) => OpenApiFor(primary, http));
        app.MapPost("/predict", (HttpRequest http) => PredictAsync(primary, http));
        app.MapGet("/models/{name}/openapi.json", (string name, HttpRequest http) =>
            byName.TryGetValue(name, out var p) ? OpenApiFor(p, http) : UnknownModel(name, byName.Keys));
        app.MapPost("/models/{name}/predict", (string name, HttpRequest http) =>
            byName.TryGetValue(name, out var p) ? PredictAsync(p, http) : Task.FromResult(UnknownModel(name, byName.Keys)));

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ModelServer(app, new Uri(address));
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static IResult OpenApiFor(ModelPackage package, HttpRequest http)
    {
        var doc = package.OpenApi.DeepClone().AsObject();
        doc["servers"] = new JsonArray(new JsonObject { ["url"] = $"{http.Scheme}://{http.Host}" });
        return Results.Text(doc.ToJsonString(), "application/json");
    }

    private static IResult UnknownModel(string name, IEnumerable<string> known) =>
        Problem(404, $"Model '{name}' is not deployed here; deployed: {string.Join(", ", known)}.", []);

    private static async Task<IResult> PredictAsync(ModelPackage package, HttpRequest http)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Body, cancellationToken: http.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return Problem(400, $"The body is not valid JSON: {e.Message}", []);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array)
            {
                return Problem(400, "The body must be a JSON object with a 'rows' array of row objects, e.g. {\"rows\": [{\"column\": 1.0}]}.", []);
            }

            var count = rows.GetArrayLength();
            if (count == 0 || count > MaxRowsPerRequest)
            {
                return Problem(400, $"'rows' has {count} rows; allowed: 1 to {MaxRowsPerRequest}.", []);
            }

            var (predictions, errors) = package.Predict([.. rows.EnumerateArray()]);
            if (predictions is null)
            {
                return Problem(400, $"{errors.Select(e => e.Row).Distinct().Count()} of {count} rows are invalid.", errors);
            }

            return Results.Json(new
            {
                model = package.Metadata.ModelName,
                version = package.Metadata.Version,
                predictions = predictions.Select(p => p.Probabilities is null
                    ? (object)new { prediction = p.Prediction }
                    : new { prediction = p.Prediction, probabilities = p.Probabilities }),
            });
        }
    }

    private static IResult Problem(int status, string title, IReadOnlyList<RowError> errors) =>
        Results.Json(new { title, status, errors = errors.Select(e => new { row = e.Row, message = e.Message }) }, statusCode: status, contentType: "application/problem+json");
}
