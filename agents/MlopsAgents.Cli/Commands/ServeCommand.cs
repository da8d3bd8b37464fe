using System.CommandLine;
using System.Globalization;
using MlopsAgents.Plugins.Alerts;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Cli.Commands;

/// <summary>
/// <c>mlops serve</c>: the local model server for every active deployment, with its dashboard, optionally a rollout of
/// another version with a strategy (canary, A/B, blue/green, shadow), alert notifications (Slack, SMTP, GitHub issues;
/// see <see cref="AlertNotifierSettings"/>) and the retraining watcher (see <see cref="ServeRetraining"/>).
/// </summary>
internal static class ServeCommand
{
    /// <summary>The environment variable holding the Slack incoming-webhook URL (a secret, so not an option).</summary>
    public const string SlackWebhookVariable = AlertNotifierSettings.SlackVariable;

    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var workers = new Option<int>("--workers") { Description = "Worker instances per model version.", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var maxBatch = new Option<int>("--max-batch-rows") { Description = "Most rows one worker predicts in one call when requests queue up.", DefaultValueFactory = _ => 256 };
        var sampleRate = new Option<double>("--inference-sample-rate") { Description = "Share of predictions written to the inference log in the store (0 to 1).", DefaultValueFactory = _ => 0.0 };
        var strategy = new Option<string?>("--strategy") { Description = "Roll out --version with: canary, ab, blue-green or shadow." };
        var model = new Option<string?>("--model") { Description = "The model to roll out (default: the most recently deployed)." };
        var version = new Option<string?>("--version") { Description = "The registered version to roll out." };
        var steps = new Option<string>("--steps") { Description = "Canary steps in percent.", DefaultValueFactory = _ => "10,50,100" };
        var bake = new Option<int>("--bake") { Description = "Canary bake time per step, in seconds.", DefaultValueFactory = _ => 600 };
        var maxErrorRate = new Option<double>("--max-error-rate") { Description = "Roll back when the canary's 5xx rate exceeds this fraction during bake.", DefaultValueFactory = _ => 0.01 };
        var maxP95 = new Option<double>("--max-p95-ms") { Description = "Roll back when the canary's p95 latency exceeds this many milliseconds during bake.", DefaultValueFactory = _ => 100 };
        var abPercent = new Option<int>("--ab-percent") { Description = "B's share of traffic in an A/B test.", DefaultValueFactory = _ => 50 };
        var keepOld = new Option<int>("--keep-old") { Description = "Blue/green: seconds the old version stays loaded after the switch.", DefaultValueFactory = _ => 3600 };
        var alertInterval = new Option<int>("--alert-interval") { Description = "Seconds between alert rule evaluations when a notifier is set (MLOPS_SLACK_WEBHOOK, MLOPS_SMTP, MLOPS_ALERT_REPO).", DefaultValueFactory = _ => 30 };
        var command = new Command("serve", "Serve the deployed model versions on 127.0.0.1: POST /predict, POST /feedback, GET /health, /metrics, /openapi.json and the live /dashboard.")
        {
            port, workers, maxBatch, sampleRate, strategy, model, version, steps, bake, maxErrorRate, maxP95, abPercent, keepOld, alertInterval,
        };
        foreach (var option in ServeRetraining.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            var p = parse.GetValue(port);
            if (p is < 0 or > 65535)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"--port: {p} is not a port; allowed: 0 to 65535.");
            }

            // Settings that need nothing deployed are checked first, so a typo fails before any model loads.
            AlertNotifierSettings notifiers;
            try
            {
                notifiers = AlertNotifierSettings.FromEnvironment();
            }
            catch (ArgumentException e)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }

            if (ServeRetraining.Read(parse, out var retrainingError) is not { } retraining)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, retrainingError);
            }

            if (parse.GetValue(alertInterval) < 1)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"--alert-interval: {parse.GetValue(alertInterval)}; allowed: 1 or more seconds.");
            }

            var context = CliEnvironment.Context();
            var home = context.Home;
            var store = context.Store;
            var registry = context.Registry;
            var cache = Path.Combine(home.Root, "cache");
            var packages = await new LocalDeployer(registry, store, cache).LoadActiveAsync(ct);
            if (packages.Count == 0)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"nothing is deployed under {home.Root}; run `mlops run ISSUE.md` first.");
            }

            RolloutRequest? rollout = null;
            ModelPackage? incoming = null;
            var strategyName = parse.GetValue(strategy);
            try
            {
                if (strategyName is not null)
                {
                    var target = parse.GetValue(model) ?? packages[0].Metadata.ModelName;
                    var targetVersion = parse.GetValue(version) ?? throw new ArgumentException("--version: required with --strategy; give the registered version to roll out.");
                    if (registry.GetModelVersion(target, targetVersion) is not { Pruned: false })
                    {
                        return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"--version: {target} {targetVersion} is not a registered version with its files (never registered, or pruned by retention).");
                    }

                    rollout = new RolloutRequest
                    {
                        Model = target,
                        Version = targetVersion,
                        Strategy = RolloutRequest.ParseStrategy(strategyName),
                        Steps = RolloutRequest.ParseSteps(parse.GetValue(steps)!),
                        BakeTime = TimeSpan.FromSeconds(parse.GetValue(bake)),
                        MaxErrorRate = parse.GetValue(maxErrorRate),
                        MaxP95Seconds = parse.GetValue(maxP95) / 1000,
                        AbPercent = parse.GetValue(abPercent),
                        KeepOldFor = TimeSpan.FromSeconds(parse.GetValue(keepOld)),
                    };
                    rollout.Validate();
                    incoming = await ModelPackage.LoadAsync(store, target, targetVersion, cache, ct);
                }
            }
            catch (ArgumentException e)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }

            var baselines = new Dictionary<string, DriftBaseline>(StringComparer.Ordinal);
            foreach (var package in packages)
            {
                if (await ServingArtifacts.BaselineAsync(store, package.Metadata.ModelName, package.Metadata.Version, ct) is { } baseline)
                {
                    baselines[package.Metadata.ModelName] = baseline;
                }
            }

            var options = new ModelServerOptions
            {
                WorkersPerVersion = parse.GetValue(workers),
                MaxBatchRows = parse.GetValue(maxBatch),
                InferenceSampleRate = parse.GetValue(sampleRate),
                InferenceStore = store,
                Baselines = baselines,
                DeploymentLog = new DeploymentLog(Path.Combine(home.Root, "deployments", "deployment-log.jsonl")),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }

            await using var server = await ModelServer.StartAsync(packages, p, new Dictionary<string, RoutingTable>(StringComparer.Ordinal), options, cancellationToken: ct);
            foreach (var package in packages)
            {
                Console.Error.WriteLine($"loaded {package.Metadata.ModelName} {package.Metadata.Version}");
            }

            Console.Error.WriteLine($"serving on {server.BaseAddress} (POST /predict, POST /feedback, GET /health, /metrics, /openapi.json); dashboard: {new Uri(server.BaseAddress, "dashboard")}; Ctrl+C stops");
            if (rollout is not null && incoming is not null)
            {
                if (!server.VersionsOf(rollout.Model).Contains(rollout.Version, StringComparer.Ordinal))
                {
                    server.AddVersion(incoming);
                }

                using var http = new HttpClient();
                var warmup = baselines.TryGetValue(rollout.Model, out var b) ? ServingArtifacts.TypicalRowBody(b) : null;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rolling out {rollout.Model} {rollout.Version} with {strategyName}; the deployment log is {Path.Combine(home.Root, "deployments", "deployment-log.jsonl")}"));
                Console.Error.WriteLine(await new RolloutRunner(server, http).RunAsync(rollout, warmup, ct));
            }

            using var alertHttp = new HttpClient();
            using var stopAlerts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var alerts = !notifiers.Any
                ? Task.CompletedTask
                : new AlertMonitor(server, AlertRule.Defaults, new AlertDispatcher(notifiers.CreateNotifiers(alertHttp, Path.Combine(home.Root, "alerts", "incidents.db"))))
                    .RunAsync(TimeSpan.FromSeconds(parse.GetValue(alertInterval)), e => Console.Error.WriteLine($"alert notification failed: {e.InnerExceptions[0].Message}"), stopAlerts.Token);
            if (notifiers.Any)
            {
                Console.Error.WriteLine($"alert rules evaluated every {parse.GetValue(alertInterval)} s; notifications go to: {string.Join("; ", notifiers.Describe())}");
            }

            RunningWatcher? watcher = null;
            if (retraining.Enabled)
            {
                (watcher, var watcherError) = await ServeRetraining.StartAsync(retraining, context, server, packages, baselines, ct);
                if (watcher is null)
                {
                    await stopAlerts.CancelAsync();
                    return CliEnvironment.Fail(CliEnvironment.InvalidInput, watcherError);
                }

                watcher.Start();
            }

            await using var stopWatcher = watcher;

            await server.WaitForShutdownAsync(ct);
            await stopAlerts.CancelAsync();
            try
            {
                await alerts;
            }
            catch (OperationCanceledException) when (stopAlerts.IsCancellationRequested)
            {
                // The monitor loop ends by cancellation when the server stops.
            }
            return CliEnvironment.Ok;
        });
        return command;
    }
}
