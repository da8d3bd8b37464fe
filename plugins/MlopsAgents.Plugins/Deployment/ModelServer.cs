using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Packaging;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// The local model server: serves deployed model versions on 127.0.0.1 with POST /predict, GET /health,
/// GET /openapi.json, GET /metrics, POST /feedback and the live GET /dashboard. The most recently deployed model
/// answers the root routes; every model also answers under /models/{name}/. Several versions of one model can be live
/// at once: a <see cref="TrafficRouter"/> picks the serving version per request, and the response names it in the
/// X-Model-Version header and the body. Versions can be added and retired while the server runs, which is what the
/// rollout strategies (<see cref="RolloutRunner"/>) build on.
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    /// <summary>The largest batch one request may carry.</summary>
    public const int MaxRowsPerRequest = 10_000;

    /// <summary>The response header naming the version that served the request.</summary>
    public const string VersionHeader = "X-Model-Version";

    /// <summary>The request header carrying a sticky routing key; the query parameter routing_key works too.</summary>
    public const string RoutingKeyHeader = "X-Routing-Key";

    /// <summary>The request and response header carrying the request id that /feedback refers to.</summary>
    public const string RequestIdHeader = "X-Request-Id";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, VersionWorkers>> _versions;
    private readonly ModelServerOptions _options;
    private readonly InferenceLog? _inferenceLog;
    private readonly List<Task> _retired = [];

    private ModelServer(
        WebApplication app,
        Uri baseAddress,
        TrafficRouter router,
        ServingMetrics metrics,
        ConcurrentDictionary<string, ConcurrentDictionary<string, VersionWorkers>> versions,
        ModelServerOptions options,
        LiveMonitor monitor,
        DeploymentLog log,
        InferenceLog? inferenceLog)
    {
        _app = app;
        BaseAddress = baseAddress;
        Router = router;
        Metrics = metrics;
        _versions = versions;
        _options = options;
        Monitor = monitor;
        DeploymentLog = log;
        _inferenceLog = inferenceLog;
    }

    public Uri BaseAddress { get; }

    /// <summary>The live routing tables, one per model.</summary>
    public TrafficRouter Router { get; }

    /// <summary>Request counts, latencies and shadow comparisons per model version.</summary>
    public ServingMetrics Metrics { get; }

    /// <summary>Recent inputs, predictions and feedback per model: drift, estimated and realised accuracy.</summary>
    public LiveMonitor Monitor { get; }

    /// <summary>Every traffic shift, switch and rollback on this server.</summary>
    public DeploymentLog DeploymentLog { get; }

    /// <summary>The models served, in ordinal order.</summary>
    public IReadOnlyList<string> Models => [.. _versions.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Starts the server. Port 0 picks a free port; <see cref="BaseAddress"/> tells which.</summary>
    public static Task<ModelServer> StartAsync(IReadOnlyList<ModelPackage> packages, int port, LogLevel logLevel = LogLevel.Warning, CancellationToken cancellationToken = default) =>
        StartAsync(packages, port, new Dictionary<string, RoutingTable>(StringComparer.Ordinal), ModelServerOptions.Default, logLevel, cancellationToken);

    /// <summary>Starts the server with a routing table per model and the default options.</summary>
    public static Task<ModelServer> StartAsync(IReadOnlyList<ModelPackage> packages, int port, IReadOnlyDictionary<string, RoutingTable> routing, LogLevel logLevel = LogLevel.Warning, CancellationToken cancellationToken = default) =>
        StartAsync(packages, port, routing, ModelServerOptions.Default, logLevel, cancellationToken);

    /// <summary>
    /// Starts the server with a routing table per model. A model without one sends all its traffic to its first
    /// version in <paramref name="packages"/> (the most recently deployed, as <see cref="LocalDeployer"/> orders them).
    /// </summary>
    public static async Task<ModelServer> StartAsync(
        IReadOnlyList<ModelPackage> packages,
        int port,
        IReadOnlyDictionary<string, RoutingTable> routing,
        ModelServerOptions options,
        LogLevel logLevel = LogLevel.Warning,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(packages);
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (packages.Count == 0)
        {
            throw new InvalidOperationException("No model is deployed, so there is nothing to serve. Run `mlops run ISSUE.md` first.");
        }

        var versions = new ConcurrentDictionary<string, ConcurrentDictionary<string, VersionWorkers>>(StringComparer.Ordinal);
        foreach (var package in packages)
        {
            var byVersion = versions.GetOrAdd(package.Metadata.ModelName, _ => new ConcurrentDictionary<string, VersionWorkers>(StringComparer.Ordinal));
            if (byVersion.ContainsKey(package.Metadata.Version))
            {
                throw new InvalidOperationException($"Model {package.Metadata.ModelName} {package.Metadata.Version} is listed twice; deploy each version once.");
            }

            byVersion[package.Metadata.Version] = new VersionWorkers(package, options.WorkersPerVersion, options.MaxBatchRows, options.Interceptor);
        }

        var router = new TrafficRouter();
        foreach (var model in versions.Keys)
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
        var primaryModel = packages[0].Metadata.ModelName;
        var monitor = new LiveMonitor(options.FeedbackCapacity, options.MonitorWindowRows, options.Baselines, options.Drift);
        var log = options.DeploymentLog ?? new DeploymentLog();
        var inferenceLog = options.InferenceSampleRate > 0
            ? new InferenceLog(options.InferenceStore!, options.InferenceSampleRate, options.InferenceChunkRows, options.TimeProvider)
            : null;
        var handler = new PredictHandler(router, metrics, versions, monitor, inferenceLog, options, app.Logger);

        app.MapGet("/health", () => Results.Json(new
        {
            status = "ok",
            models = versions.OrderBy(m => m.Key, StringComparer.Ordinal).SelectMany(m => m.Value.Values.OrderBy(v => v.Package.Metadata.Version, StringComparer.Ordinal)
                .Select(v => new { name = m.Key, version = v.Package.Metadata.Version, algorithm = v.Package.Metadata.Algorithm })),
        }));
        app.MapGet("/metrics", () => Results.Text(metrics.ToPrometheusText(), ServingMetrics.ContentType));
        app.MapGet("/openapi.json", (HttpRequest http) => OpenApiFor(versions, router, primaryModel, http));
        app.MapPost("/predict", (HttpRequest http) => handler.PredictAsync(primaryModel, null, http.HttpContext));
        app.MapPost("/feedback", (HttpRequest http) => handler.FeedbackAsync(http.HttpContext));
        app.MapGet("/models/{name}/openapi.json", (string name, HttpRequest http) =>
            versions.ContainsKey(name) ? OpenApiFor(versions, router, name, http) : UnknownModel(name, versions.Keys));
        app.MapPost("/models/{name}/predict", (string name, HttpRequest http) =>
            versions.ContainsKey(name) ? handler.PredictAsync(name, null, http.HttpContext) : Task.FromResult(UnknownModel(name, versions.Keys)));
        app.MapPost("/models/{name}/versions/{version}/predict", (string name, string version, HttpRequest http) =>
            versions.TryGetValue(name, out var byVersion) && byVersion.ContainsKey(version)
                ? handler.PredictAsync(name, version, http.HttpContext)
                : Task.FromResult(UnknownVersion(versions, name, version)));
        app.MapGet("/models/{name}/versions/{version}/health", (string name, string version) =>
            versions.TryGetValue(name, out var byVersion) && byVersion.ContainsKey(version)
                ? (options.Interceptor?.IsHealthy(name, version) ?? true)
                    ? Results.Json(new { status = "ok", model = name, version })
                    : Results.Json(new { status = "unhealthy", model = name, version }, statusCode: 503)
                : UnknownVersion(versions, name, version));

        var server = default(ModelServer);
        app.MapGet("/dashboard", () => Results.Text(DashboardPage.Html, "text/html; charset=utf-8"));
        app.MapGet("/dashboard/data", () => Results.Text(DashboardPage.Data(server!).ToJsonString(), "application/json"));

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new ModelServer(app, new Uri(address), router, metrics, versions, options, monitor, log, inferenceLog);
        return server;
    }

    /// <summary>The versions of <paramref name="model"/> loaded on this server, in ordinal order.</summary>
    public IReadOnlyList<string> VersionsOf(string model) =>
        _versions.TryGetValue(model, out var byVersion) ? [.. byVersion.Keys.Order(StringComparer.Ordinal)] : [];

    /// <summary>The package of a loaded version.</summary>
    public ModelPackage PackageOf(string model, string version) =>
        _versions.TryGetValue(model, out var byVersion) && byVersion.TryGetValue(version, out var slot)
            ? slot.Package
            : throw new ArgumentException($"{model} {version} is not loaded here; loaded: {string.Join(", ", VersionsOf(model))}.", nameof(version));

    /// <summary>
    /// Loads another version next to the live ones without routing any traffic to it yet; a model new to the server
    /// starts with all its traffic on this version.
    /// </summary>
    public void AddVersion(ModelPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        var model = package.Metadata.ModelName;
        var byVersion = _versions.GetOrAdd(model, _ => new ConcurrentDictionary<string, VersionWorkers>(StringComparer.Ordinal));
        lock (byVersion)
        {
            if (byVersion.ContainsKey(package.Metadata.Version))
            {
                throw new InvalidOperationException($"{model} {package.Metadata.Version} is already loaded on this server.");
            }

            byVersion[package.Metadata.Version] = new VersionWorkers(package, _options.WorkersPerVersion, _options.MaxBatchRows, _options.Interceptor);
        }

        if (Router.TableFor(model) is null)
        {
            Router.SetRouting(model, RoutingTable.Single(package.Metadata.Version));
        }
    }

    /// <summary>Unloads a version that the routing no longer names (serving or shadow).</summary>
    public void RetireVersion(string model, string version)
    {
        if (Router.TableFor(model) is { } table && table.Versions.Contains(version, StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"{model} {version} still gets traffic ({table.Weights.Count} routed versions); route it away before retiring it.");
        }

        if (!_versions.TryGetValue(model, out var byVersion) || !byVersion.TryRemove(version, out var workers))
        {
            throw new ArgumentException($"{model} {version} is not loaded here; loaded: {string.Join(", ", VersionsOf(model))}.", nameof(version));
        }

        // Requests already queued finish; the server's disposal waits for the workers to drain.
        lock (_retired)
        {
            _retired.Add(workers.DisposeAsync().AsTask());
        }
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

    /// <summary>Writes every sampled prediction and feedback line queued so far to the store.</summary>
    public Task FlushInferenceLogAsync(CancellationToken cancellationToken = default) =>
        _inferenceLog?.FlushAsync(cancellationToken) ?? Task.CompletedTask;

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        foreach (var workers in _versions.Values.SelectMany(v => v.Values))
        {
            await workers.DisposeAsync().ConfigureAwait(false);
        }

        Task[] retired;
        lock (_retired)
        {
            retired = [.. _retired];
        }

        await Task.WhenAll(retired).ConfigureAwait(false);
        if (_inferenceLog is not null)
        {
            await _inferenceLog.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void Validate(ConcurrentDictionary<string, ConcurrentDictionary<string, VersionWorkers>> versions, string model, RoutingTable table)
    {
        if (!versions.TryGetValue(model, out var byVersion))
        {
            throw new ArgumentException($"Model '{model}' is not deployed here; deployed: {string.Join(", ", versions.Keys.Order(StringComparer.Ordinal))}.", nameof(model));
        }

        foreach (var version in table.Versions.Where(v => !byVersion.ContainsKey(v)))
        {
            throw new ArgumentException($"The routing for {model} names version {version}, which is not deployed; deployed: {string.Join(", ", byVersion.Keys.Order(StringComparer.Ordinal))}.", nameof(table));
        }
    }

    private static IResult OpenApiFor(ConcurrentDictionary<string, ConcurrentDictionary<string, VersionWorkers>> versions, TrafficRouter router, string model, HttpRequest http)
    {
        // The document of the version taking most of the traffic: that is the contract most callers meet.
        var main = router.TableFor(model)!.Weights.MaxBy(w => w.Weight)!.Version;
        var package = versions[model][main].Package;
        var doc = package.OpenApi.DeepClone().AsObject();
        doc["servers"] = new JsonArray(new JsonObject { ["url"] = $"{http.Scheme}://{http.Host}" });
        return Results.Text(doc.ToJsonString(), "application/json");
    }

    private static IResult UnknownModel(string name, IEnumerable<string> known) =>
        PredictHandler.Problem(404, $"Model '{name}' is not deployed here; deployed: {string.Join(", ", known.Order(StringComparer.Ordinal))}.", []);

    private static IResult UnknownVersion(ConcurrentDictionary<string, ConcurrentDictionary<string, VersionWorkers>> versions, string name, string version) =>
        versions.TryGetValue(name, out var byVersion)
            ? PredictHandler.Problem(404, $"Version '{version}' of {name} is not loaded here; loaded: {string.Join(", ", byVersion.Keys.Order(StringComparer.Ordinal))}.", [])
            : UnknownModel(name, versions.Keys);
}
