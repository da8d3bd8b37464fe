using System.CommandLine;
using System.Globalization;
using Cronos;
using Microsoft.AspNetCore.Builder;
using MlopsAgents.Aws.Configuration;
using MlopsAgents.Aws.StepFunctions;
using MlopsAgents.GitHub;
using MlopsAgents.GitHub.Webhooks;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Retraining;
using MlopsAgents.Workflow.Retraining;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.Cli.Commands;

/// <summary>
/// The retraining watcher of <c>mlops serve</c>: its options, their checks, and the running watcher (with the MCP
/// server its workflow executions call and, for <c>--retrain-on-push</c>, the webhook receiver).
/// </summary>
internal static class ServeRetraining
{
    public const string LauncherVariable = "MLOPS_RETRAIN_LAUNCHER";
    public const string ScheduleVariable = "MLOPS_RETRAIN_SCHEDULE";
    public const string BranchVariable = "MLOPS_RETRAIN_BRANCH";
    public const string IssueRepositoryVariable = "MLOPS_RETRAIN_REPO";
    public const string MergeFeedbackVariable = "MLOPS_RETRAIN_MERGE_FEEDBACK";

    public static readonly Option<string[]> Requests = new("--retrain-request")
    {
        Description = "Watch the model this training request (issue Markdown) trained, with its retrain_triggers; repeat for several models.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static readonly Option<string?> Launcher = new("--retrain-launcher") { Description = $"What a trigger does: workflow (start an execution of the ASL workflow; default) or issue (open an issue with the reason). Env {LauncherVariable}." };
    public static readonly Option<string?> Schedule = new("--retrain-schedule") { Description = $"Also retrain on this five-field cron (UTC), e.g. '0 3 * * 1'. Env {ScheduleVariable}." };
    public static readonly Option<string?> Branch = new("--retrain-on-push") { Description = $"Also retrain on each push to this branch, received at the webhook (needs GITHUB_WEBHOOK_SECRET). Env {BranchVariable}." };
    public static readonly Option<int> WebhookPort = new("--webhook-port") { Description = "Port on 127.0.0.1 for the push webhook of --retrain-on-push (0 picks a free one).", DefaultValueFactory = _ => 8090 };
    public static readonly Option<int> Interval = new("--retrain-interval") { Description = "Seconds between checks of drift, accuracy, schedule and data versions.", DefaultValueFactory = _ => 60 };
    public static readonly Option<int> Cooldown = new("--retrain-cooldown") { Description = "Minutes a model rests after a retraining fires before another may.", DefaultValueFactory = _ => 360 };
    public static readonly Option<double> MaxAccuracyDrop = new("--retrain-max-accuracy-drop") { Description = "metric_degradation fires when accuracy on posted labels falls this far below the test accuracy.", DefaultValueFactory = _ => 0.05 };
    public static readonly Option<string> Metric = new("--retrain-metric") { Description = "Champion/challenger deciding metric: accuracy, macro_f1, rmse or mae.", DefaultValueFactory = _ => "accuracy" };
    public static readonly Option<double?> MinAbsoluteChange = new("--retrain-min-absolute-change") { Description = "The challenger must beat the champion by at least this much (metric units)." };
    public static readonly Option<double?> MinRelativeChange = new("--retrain-min-relative-change") { Description = "…and by at least this fraction of the champion's value (0.02 is 2%)." };

    public static readonly Option<bool> MergeFeedback = new("--retrain-merge-feedback")
    {
        Description = $"Before each retraining, merge the labelled production rows (inference log + /feedback) into the next dataset version and train on it. Off by default: /feedback labels are not reviewed. Env {MergeFeedbackVariable}=true.",
    };

    public static IEnumerable<Option> All => [Requests, Launcher, Schedule, Branch, WebhookPort, Interval, Cooldown, MaxAccuracyDrop, Metric, MinAbsoluteChange, MinRelativeChange, MergeFeedback];

    /// <summary>The checked settings; null with <paramref name="error"/> naming the option, its value and what is allowed.</summary>
    public static Settings? Read(ParseResult parse, out string error)
    {
        error = string.Empty;
        var requests = parse.GetValue(Requests) ?? [];
        var launcher = parse.GetValue(Launcher) ?? Env(LauncherVariable) ?? "workflow";
        var cron = parse.GetValue(Schedule) ?? Env(ScheduleVariable);
        var branch = parse.GetValue(Branch) ?? Env(BranchVariable);
        if (launcher is not ("workflow" or "issue"))
        {
            error = $"--retrain-launcher: '{launcher}' → workflow or issue";
            return null;
        }

        if (cron is not null && !TryCron(cron, out var cronError))
        {
            error = $"--retrain-schedule: '{cron}' → a five-field cron (minute hour day month weekday), e.g. '0 3 * * 1' ({cronError})";
            return null;
        }

        if (branch is not null && (branch.StartsWith("refs/", StringComparison.Ordinal) || branch.Any(char.IsWhiteSpace)))
        {
            error = $"--retrain-on-push: '{branch}' → a branch name such as main, without refs/heads/";
            return null;
        }

        var interval = parse.GetValue(Interval);
        if (interval is < 1)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"--retrain-interval: {interval} → 1 or more seconds");
            return null;
        }

        var cooldown = parse.GetValue(Cooldown);
        if (cooldown is < 0)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"--retrain-cooldown: {cooldown} → 0 or more minutes");
            return null;
        }

        var drop = parse.GetValue(MaxAccuracyDrop);
        if (double.IsNaN(drop) || drop is < 0 or > 1)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"--retrain-max-accuracy-drop: {drop} → a fraction from 0 to 1");
            return null;
        }

        var port = parse.GetValue(WebhookPort);
        if (port is < 0 or > 65535)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"--webhook-port: {port} → 0 to 65535");
            return null;
        }

        PromotionCriteria criteria;
        try
        {
            criteria = new PromotionCriteria(parse.GetValue(Metric)!, parse.GetValue(MinAbsoluteChange), parse.GetValue(MinRelativeChange));
        }
        catch (ArgumentException e)
        {
            error = "--retrain-" + e.Message.Split(" (Parameter", 2)[0];
            return null;
        }

        bool mergeFeedback;
        if (parse.GetResult(MergeFeedback) is { Implicit: false })
        {
            mergeFeedback = parse.GetValue(MergeFeedback);
        }
        else if (Env(MergeFeedbackVariable) is not { } mergeText)
        {
            mergeFeedback = false;
        }
        else if (mergeText.ToLowerInvariant() is "true" or "1" or "false" or "0")
        {
            mergeFeedback = mergeText.ToLowerInvariant() is "true" or "1";
        }
        else
        {
            error = $"{MergeFeedbackVariable}: '{mergeText}' → true or false";
            return null;
        }

        var repository = Env(IssueRepositoryVariable);
        if (repository is not null)
        {
            try
            {
                GitHubOptions.SplitRepository(repository);
            }
            catch (ArgumentException)
            {
                error = $"{IssueRepositoryVariable}: '{repository}' → owner/name of the repository retraining issues open in";
                return null;
            }
        }

        if (requests.Length == 0)
        {
            if (cron is not null || branch is not null || parse.GetValue(Launcher) is not null || parse.GetValue(MergeFeedback))
            {
                error = "--retrain-request: none given → the training request (issue Markdown) of each model to retrain; the other --retrain-* settings need it";
                return null;
            }

            return new Settings([], launcher, null, null, TimeSpan.Zero, TimeSpan.Zero, 0, 0, criteria, null);
        }

        return new Settings(requests, launcher, cron, branch, TimeSpan.FromSeconds(interval), TimeSpan.FromMinutes(cooldown), drop, port, criteria, repository) { MergeFeedback = mergeFeedback };
    }

    /// <summary>
    /// Starts watching: reads each request (its model must be served here), starts mlops-mcp for the workflow launcher
    /// or the push webhook, and runs the watcher loop. Null with <paramref name="error"/> set when a request is unusable.
    /// </summary>
    public static async Task<(RunningWatcher? Watcher, string Error)> StartAsync(
        Settings settings, MlopsContext context, ModelServer server, IReadOnlyList<ModelPackage> packages, IReadOnlyDictionary<string, DriftBaseline> baselines, CancellationToken ct)
    {
        var watches = new List<RetrainingWatch>();
        var datasets = new Dictionary<string, string>(StringComparer.Ordinal);
        var requests = new Dictionary<string, (TrainingRequest Request, string Text)>(StringComparer.Ordinal);
        foreach (var path in settings.Requests)
        {
            if (!File.Exists(path))
            {
                return (null, $"--retrain-request: '{path}' does not exist");
            }

            var text = await File.ReadAllTextAsync(path, ct);
            var parsed = TrainingRequestParser.Parse(text, new RequestParseOptions { DataRoot = context.DataRoot });
            if (!parsed.IsValid || parsed.Request is not { } request)
            {
                return (null, $"--retrain-request: '{path}' is not a valid training request: {new RequestValidationException(parsed.Errors).Message}");
            }

            if (request.DatasetId is null)
            {
                return (null, $"--retrain-request: '{path}' has no dataset_id → retraining needs a registered dataset, so that new versions can be picked up");
            }

            var model = request.ModelName ?? PackagingService.DefaultModelName(request.DatasetId, request.Algorithm);
            if (packages.FirstOrDefault(p => p.Metadata.ModelName == model) is not { } package)
            {
                return (null, $"--retrain-request: '{path}' trains {model}, which is not deployed here → one of {string.Join(", ", packages.Select(p => p.Metadata.ModelName))}");
            }

            RetrainingWatch watch;
            try
            {
                watch = RetrainingWatch.FromRequest(model, request, settings.Cron, settings.Branch is not null,
                    package.Metadata.Metrics.TryGetValue("accuracy", out var accuracy) ? accuracy : null, settings.MaxAccuracyDrop, package.Metadata.Dataset?.Version);
            }
            catch (ArgumentException e)
            {
                return (null, $"--retrain-request: '{path}': {e.Message}");
            }

            if (watch.Triggers.Count == 0)
            {
                return (null, $"--retrain-request: '{path}' has no retrain_triggers and neither --retrain-schedule nor --retrain-on-push is set → nothing would ever retrain {model}");
            }

            if (requests.ContainsKey(model))
            {
                return (null, $"--retrain-request: '{path}' trains {model} again → give each model's request once");
            }

            watches.Add(watch);
            datasets[model] = request.DatasetId;
            requests[model] = (request, text);
        }

        var github = GitHubOptions.FromEnvironment();
        if (settings.Branch is not null && string.IsNullOrEmpty(github.WebhookSecret))
        {
            return (null, $"{GitHubOptions.WebhookSecretVariable}: '' → the secret the push webhook was created with; --retrain-on-push never accepts unsigned deliveries");
        }

        AwsBackendOptions aws;
        try
        {
            aws = AwsBackendOptions.FromEnvironment();
        }
        catch (AwsConfigurationException e)
        {
            return (null, e.Message);
        }

        var onStepFunctions = settings.Launcher == "workflow" && aws.Workflow == WorkflowBackend.StepFunctions;
        WorkflowRuntime? runtime = null;
        if ((settings.Launcher == "workflow" && !onStepFunctions) || settings.Branch is not null)
        {
            runtime = WorkflowRuntime.Create(context.Home, context.DataRoot, github, await StartMcpAsync(context, ct), ownsInner: true);
        }

        try
        {
            var launchers = new Dictionary<string, IRetrainingLauncher>(StringComparer.Ordinal);
            var http = new HttpClient();
            if (onStepFunctions)
            {
                // MLOPS_WORKFLOW_BACKEND=stepfunctions: the deployed state machine runs the retraining instead.
                var stepFunctions = new StepFunctionsClient(AwsBackends.CreateJsonClient(aws, http));
                foreach (var (model, (request, text)) in requests)
                {
                    launchers[model] = new StepFunctionsRetrainingLauncher(stepFunctions, aws.StateMachineArn!, t => WorkflowRetrainingLauncher.BuildInput(request, text, t), TimeSpan.FromSeconds(30));
                }
            }
            else if (settings.Launcher == "workflow")
            {
                var definition = WorkflowRuntime.LoadDefinition();
                foreach (var (model, (request, text)) in requests)
                {
                    launchers[model] = new WorkflowRetrainingLauncher(runtime!.Executor, definition, request, text);
                }
            }

            IIssueTracker issues = settings.IssueRepository is { } repo && github.UsesGitHub
                ? new GitHubIssueTracker(OctokitIssueHost.CreateClient(github), GitHubOptions.SplitRepository(repo).Owner, GitHubOptions.SplitRepository(repo).Name)
                : new LocalIssueTracker(new LocalIssueHost(context.Home), context.Home);

            // A promoted challenger is switched in blue/green on this server (warmed and health-checked first) when a
            // typical row is known to warm it with; otherwise the registry records it and the next serve loads it.
            var warmups = baselines.ToDictionary(b => b.Key, b => ServingArtifacts.TypicalRowBody(b.Value), StringComparer.Ordinal);
            var deployment = new WarmedDeployment(server, new RolloutRunner(server, http), context, warmups);
            var policy = new RetrainingPolicy(settings.Launcher == "workflow" ? RetrainingMode.Launch : RetrainingMode.OpenIssue, settings.Criteria, RolloutStrategy.BlueGreen);
            // One ledger for the coordinator (it records each run's handle) and the watcher (it resumes what is left open).
            var ledger = new RetrainingLedger(Path.Combine(context.Home.Root, "retraining", "watcher.db"));
            var coordinator = new RetrainingCoordinator(
                context, policy, new PerModelRetrainingLauncher(launchers), issues, deployment: deployment,
                requestTexts: requests.ToDictionary(r => r.Key, r => r.Value.Text, StringComparer.Ordinal), ledger: ledger);
            var handler = new CoordinatorRetrainingHandler(coordinator, (model, token) => FreshData.ProductionOrLatestAsync(context, model, datasets[model], 50, token));
            var watcher = new RetrainingWatcher(
                watches, ledger, handler, server.Monitor.Health, context.Registry,
                new RetrainingWatcherOptions { Interval = settings.Interval, Cooldown = settings.Cooldown }, mergeFeedback: settings.MergeFeedback ? new FeedbackMerger(context) : null);

            WebApplication? webhook = null;
            if (settings.Branch is { } branch)
            {
                webhook = WebhookEndpoint.Build(github, runtime!.Workflow, runtime.Links, port: settings.WebhookPort, codeChanges: new RetrainOnPush(watcher, branch));
                await webhook.StartAsync(ct);
            }

            return (new RunningWatcher(watcher, runtime, webhook, http, settings), string.Empty);
        }
        catch (Exception)
        {
            // Nothing owns the MCP server yet, so it is stopped here before the error goes on.
            if (runtime is not null)
            {
                await runtime.DisposeAsync();
            }

            throw;
        }
    }

    private static async Task<McpTaskInvoker> StartMcpAsync(MlopsContext context, CancellationToken ct)
    {
        var (command, prefix) = WorkflowCommands.McpCommand();
        try
        {
            return await McpTaskInvoker.StartStdioAsync(
                command, [.. prefix, "--transport", "stdio", "--allow-write"],
                new Dictionary<string, string?> { ["MLOPS_HOME"] = context.Home.Root, [CliEnvironment.DataRootVariable] = context.DataRoot }, ct);
        }
        catch (IOException e)
        {
            throw new CliException(
                $"could not start the MCP server the retraining workflow calls ('{string.Join(' ', [command, .. prefix])}': {e.InnerException?.Message ?? e.Message}). " +
                $"Build it (dotnet build MlopsAgents.sln) or set {WorkflowCommands.McpCommandVariable}.", e);
        }
    }

    private static bool TryCron(string cron, out string error)
    {
        try
        {
            CronExpression.Parse(cron);
            error = string.Empty;
            return true;
        }
        catch (CronFormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value.Trim() : null;

    /// <summary>The checked retraining settings of one serve.</summary>
    internal sealed record Settings(
        IReadOnlyList<string> Requests, string Launcher, string? Cron, string? Branch, TimeSpan Interval, TimeSpan Cooldown, double MaxAccuracyDrop, int WebhookPort,
        PromotionCriteria Criteria, string? IssueRepository)
    {
        public bool Enabled => Requests.Count > 0;

        /// <summary>Merge labelled feedback into the next dataset version before each retraining.</summary>
        public bool MergeFeedback { get; init; }
    }

    /// <summary>Blue/green onto the live server when the model has a warm-up row; otherwise the registry alone.</summary>
    private sealed class WarmedDeployment(ModelServer server, RolloutRunner runner, MlopsContext context, IReadOnlyDictionary<string, string> warmups) : IChallengerDeployment
    {
        public Task DeployAsync(string model, string championVersion, string challengerVersion, RolloutStrategy strategy, CancellationToken cancellationToken) =>
            warmups.TryGetValue(model, out var warmup)
                ? new LiveServerDeployment(server, runner, context, warmup).DeployAsync(model, championVersion, challengerVersion, strategy, cancellationToken)
                : Task.CompletedTask;
    }
}

/// <summary>The watcher loop of a serve and what it owns; disposing stops the loop, the webhook and the MCP server.</summary>
internal sealed class RunningWatcher(RetrainingWatcher watcher, WorkflowRuntime? runtime, WebApplication? webhook, HttpClient http, ServeRetraining.Settings settings) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public RetrainingWatcher Watcher => watcher;

    public void Start()
    {
        foreach (var watch in watcher.Watches)
        {
            Console.Error.WriteLine($"retraining {watch.Model} on {string.Join(", ", watch.Triggers.Select(k => new RetrainingTrigger(k, watch.Model, "", default).KindName).Order(StringComparer.Ordinal))} with the {settings.Launcher} launcher{(settings.MergeFeedback ? ", merging labelled feedback first" : "")}; checks every {settings.Interval.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s, cooldown {settings.Cooldown.TotalMinutes.ToString(CultureInfo.InvariantCulture)} min");
        }

        if (webhook is not null)
        {
            Console.Error.WriteLine($"push webhook for {settings.Branch} on {string.Join(", ", webhook.Urls)}{WebhookEndpoint.DefaultPath}");
        }

        _loop = watcher.RunAsync(
            firing => Console.Error.WriteLine($"retraining {firing.Trigger.Model} ({firing.Trigger.KindName}): {firing.Status}: {firing.Detail}"),
            e => Console.Error.WriteLine($"retraining failed: {e.Message}"),
            _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The loop ends by cancellation when the server stops.
        }

        if (webhook is not null)
        {
            await webhook.StopAsync(CancellationToken.None);
            await webhook.DisposeAsync();
        }

        if (runtime is not null)
        {
            await runtime.DisposeAsync();
        }

        http.Dispose();
        _stop.Dispose();
    }
}
