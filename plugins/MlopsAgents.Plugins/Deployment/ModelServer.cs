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
/// The local model server: serves deployed model versions on 127.0.0.1 with POST /predict, GET /health,
/// GET /openapi.json and GET /metrics. The most recently deployed model answers the root routes; every model also
/// answers under /models/{name}/. Several versions of one model can be live at once: a <see cref="TrafficRouter"/>
/// picks the serving version per request, and the response names it in the X-Model-Version header and the body.
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    /// <summary>The largest batch one request may carry.</summary>
    public const int MaxRowsPerRequest = 10_000;

    /// <summary>The response header naming the version that served the request.</summary>
    public const string VersionHeader = "X-Model-Version";

    /// <summary>The request header carrying a sticky routing key; the query parameter routing_key works too.</summary>
    public const string RoutingKeyHeader = "X-Routing-Key";

    private readonly WebApplication _app;
    private readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, ModelPackage>> _versions;

    private ModelServer(WebApplication app, Uri baseAddress, TrafficRouter router, ServingMetrics metrics, IReadOnlyDictionary<string, IReadOnlyDictionary<string, ModelPackage>> versions)
    {
        _app = app;
        BaseAddress = baseAddress;
        Router = router;
        Metrics = metrics;
        _versions = versions;
    }

    public Uri BaseAddress { get; }

    /// <summary>The live routing tables, one per model.</summary>
    public TrafficRouter Router { get; }

    /// <summary>Request counts, latencies and shadow comparisons per model version.</summary>
    public ServingMetrics Metrics { get; }

    /// <summary>Starts the server. Port 0 picks a free port; <see cref="BaseAddress"/> tells which.</summary>
    public static Task<ModelServer> StartAsync(IReadOnlyList<ModelPackage> packages, int port, LogLevel logLevel = LogLevel.Warning, CancellationToken cancellationToken = default) =>
        StartAsync(packages, port, new Dictionary<string, RoutingTable>(StringComparer.Ordinal), logLevel, cancellationToken);

    /// <summary>
    /// Starts the server with a routing table per model. A model without one sends all its traffic to its first
    /// version in <paramref name="packages"/> (the most recently deployed, as <see cref="LocalDeployer"/> orders them).
    /// </summary>
    public static async Task<ModelServer> StartAsync(IReadOnlyList<ModelPackage> packages, int port, IReadOnlyDictionary<string, RoutingTable> routing, LogLevel logLevel = LogLevel.Warning, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(packages);
        ArgumentNullException.ThrowIfNull(routing);
        if (packages.Count == 0)
        {
            throw new InvalidOperationException("No model is deployed, so there is nothing to serve. Run `mlops run ISSUE.md` first.");
        }

        var versions = new Dictionary<string, IReadOnlyDictionary<string, ModelPackage>>(StringComparer.Ordinal);
        foreach (var group in packages.GroupBy(p => p.Metadata.ModelName, StringComparer.Ordinal))
        {
            var byVersion = new Dictionary<string, ModelPackage>(StringComparer.Ordinal);
            foreach (var package in group)
            {
                if (!byVersion.TryAdd(package.Metadata.Version, package))
                {
                    throw new InvalidOperationException($"Model {group.Key} {package.Metadata.Version} is listed twice; deploy each version once.");
                }
            }

            versions[group.Key] = byVersion;
        }

        var router = new TrafficRouter();
        foreach (var (model, byVersion) in versions)
        {
            var table = routing.TryGetValue(model, out var given) ? given : RoutingTable.Single(packages.First(p => p.Metadata.ModelName == model).Metadata.Version);
            Validate(versions, model, table);
            router.SetRouting(model, table);
        }

        foreach (var model in routing.Keys.Where(m => !versions.ContainsKey(m)))
        {
            throw new ArgumentException($"The routing names model '{model}', which is not deployed here; deployed: {string.Join(", ", versions.Keys)}.", nameof(routing));
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var metrics = new ServingMetrics();
        var primary = packages[0];
        var handler = new PredictHandler(router, metrics, versions, app.Logger);

        app.MapGet("/health", () => Results.Json(new
        {
            status = "ok",
            models = packages.Select(p => new { name = p.Metadata.ModelName, version = p.Metadata.Version, algorithm = p.Metadata.Algorithm }),
        }));
        app.MapGet("/metrics", () => Results.Text(metrics.ToPrometheusText(), ServingMetrics.ContentType));
        app.MapGet("/openapi.json", (HttpRequest http) => OpenApiFor(primary, http));
        app.MapPost("/predict", (HttpRequest http) => handler.PredictAsync(primary.Metadata.ModelName, http.HttpContext));
        app.MapGet("/models/{name}/openapi.json", (string name, HttpRequest http) =>
            versions.ContainsKey(name) ? OpenApiFor(packages.First(p => p.Metadata.ModelName == name), http) : UnknownModel(name, versions.Keys));
        app.MapPost("/models/{name}/predict", (string name, HttpRequest http) =>
            versions.ContainsKey(name) ? handler.PredictAsync(name, http.HttpContext) : Task.FromResult(UnknownModel(name, versions.Keys)));

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ModelServer(app, new Uri(address), router, metrics, versions);
    }

    /// <summary>
    /// Replaces a model's routing table atomically. Every version it names must be deployed on this server; requests
    /// already routed finish on the version they were given.
    /// </summary>
    public void UpdateRouting(string model, RoutingTable table)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentNullException.ThrowIfNull(table);
        Validate(_versions, model, table);
        Router.SetRouting(model, table);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static void Validate(IReadOnlyDictionary<string, IReadOnlyDictionary<string, ModelPackage>> versions, string model, RoutingTable table)
    {
        if (!versions.TryGetValue(model, out var byVersion))
        {
            throw new ArgumentException($"Model '{model}' is not deployed here; deployed: {string.Join(", ", versions.Keys)}.", nameof(model));
        }

        foreach (var version in table.Versions.Where(v => !byVersion.ContainsKey(v)))
        {
            throw new ArgumentException($"The routing for {model} names version {version}, which is not deployed; deployed: {string.Join(", ", byVersion.Keys)}.", nameof(table));
        }
    }

    private static IResult OpenApiFor(ModelPackage package, HttpRequest http)
    {
        var doc = package.OpenApi.DeepClone().AsObject();
        doc["servers"] = new JsonArray(new JsonObject { ["url"] = $"{http.Scheme}://{http.Host}" });
        return Results.Text(doc.ToJsonString(), "application/json");
    }

    private static IResult UnknownModel(string name, IEnumerable<string> known) =>
        PredictHandler.Problem(404, $"Model '{name}' is not deployed here; deployed: {string.Join(", ", known)}.", []);
}
