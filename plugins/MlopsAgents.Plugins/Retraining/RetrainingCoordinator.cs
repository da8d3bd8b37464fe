using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;
using Octokit;

namespace MlopsAgents.Plugins.Retraining;

/// <summary>What a trigger does: start a retraining run, or open an issue for a person to decide.</summary>
public enum RetrainingMode
{
    Launch,
    OpenIssue,
}

/// <summary>How retraining runs: launch or open an issue, when a challenger is promoted, and how it is rolled out.</summary>
public sealed record RetrainingPolicy(RetrainingMode Mode, PromotionCriteria Criteria, RolloutStrategy Strategy = RolloutStrategy.Canary);

/// <summary>The result of one retraining run: its id, whether it produced a registered model, which version, and a note.</summary>
public sealed record RetrainingRun(string RunId, bool Succeeded, string? ChallengerVersion, string Detail)
{
    /// <summary>The run could not be found or resumed (not: it ran and failed); <see cref="Detail"/> says why.</summary>
    public bool Lost { get; init; }
}

/// <summary>Starts a retraining run of the workflow for a trigger (the default: the in-process pipeline).</summary>
public interface IRetrainingLauncher
{
    Task<RetrainingRun> LaunchAsync(RetrainingTrigger trigger, CancellationToken cancellationToken);
}

/// <summary>
/// A launcher whose runs outlive the process that started them: starting and awaiting are separate steps, so the run's
/// handle is in the ledger before anything waits on it, and a process started later can attach to it again.
/// </summary>
public interface IResumableRetrainingLauncher : IRetrainingLauncher
{
    /// <summary>Starts the run without waiting for it and returns its handle; null when this one cannot be resumed (then <see cref="IRetrainingLauncher.LaunchAsync"/> runs it whole).</summary>
    Task<string?> StartAsync(RetrainingTrigger trigger, CancellationToken cancellationToken);

    /// <summary>
    /// Awaits the run <paramref name="handle"/> to its end, resuming it when nothing in this process works on it. One
    /// that cannot be found or resumed comes back with <see cref="RetrainingRun.Lost"/> set.
    /// </summary>
    Task<RetrainingRun> AttachAsync(RetrainingTrigger trigger, string handle, CancellationToken cancellationToken);
}

/// <summary>Opens and comments on issues (GitHub through Octokit in production), and tells whether one is still open.</summary>
public interface IIssueTracker
{
    Task<int> OpenIssueAsync(string title, string body, IReadOnlyList<string> labels, CancellationToken cancellationToken);

    Task CommentAsync(int issueNumber, string body, CancellationToken cancellationToken);

    /// <summary>False once the issue is closed: a retraining issue blocks new ones for its model while it is open.</summary>
    Task<bool> IsOpenAsync(int issueNumber, CancellationToken cancellationToken);
}

/// <summary>Rolls a promoted challenger out on a live server with the policy's strategy.</summary>
public interface IChallengerDeployment
{
    Task DeployAsync(string model, string championVersion, string challengerVersion, RolloutStrategy strategy, CancellationToken cancellationToken);
}

/// <summary>What handling one trigger did.</summary>
public sealed record RetrainingOutcome(RetrainingTrigger Trigger, string Action, RetrainingRun? Run, ComparisonReport? Comparison, bool Promoted, int? Issue, string Summary);

/// <summary><see cref="IIssueTracker"/> on GitHub through Octokit.</summary>
public sealed class GitHubIssueTracker(IGitHubClient github, string owner, string repository) : IIssueTracker
{
    public async Task<int> OpenIssueAsync(string title, string body, IReadOnlyList<string> labels, CancellationToken cancellationToken)
    {
        var issue = new NewIssue(title) { Body = body };
        foreach (var label in labels)
        {
            issue.Labels.Add(label);
        }

        return (await github.Issue.Create(owner, repository, issue).ConfigureAwait(false)).Number;
    }

    public Task CommentAsync(int issueNumber, string body, CancellationToken cancellationToken) =>
        github.Issue.Comment.Create(owner, repository, issueNumber, body);

    public async Task<bool> IsOpenAsync(int issueNumber, CancellationToken cancellationToken)
    {
        try
        {
            return (await github.Issue.Get(owner, repository, issueNumber).ConfigureAwait(false)).State.Value == ItemState.Open;
        }
        catch (NotFoundException)
        {
            // A deleted (or transferred) issue is not open: it must not block the model's retraining for ever.
            return false;
        }
    }
}

/// <summary>
/// Handles retraining triggers: launches a run (or opens an issue), then compares the challenger with the champion on
/// the same fresh labelled data and promotes it only when it beats the champion by the policy's margin; a promoted
/// challenger is deployed with the policy's strategy, a losing one stays registered (alias <c>challenger</c>) and the
/// champion keeps serving. The comparison goes to the store (the history) and to the issue. One retraining per model
/// runs at a time; triggers arriving meanwhile are skipped with a reason. An issue opened for a trigger carries the
/// model's training request from <paramref name="requestTexts"/> when given, so labelling it <c>mlops:train</c> runs
/// the issue workflow on it. With <paramref name="ledger"/> (the watcher's), what it starts (a run's handle, an issue) and
/// the champion before it are recorded on the model's open retraining, so <see cref="ResumeAsync"/> in a later process
/// can finish it.
/// </summary>
public sealed partial class RetrainingCoordinator(
    MlopsContext context,
    RetrainingPolicy policy,
    IRetrainingLauncher launcher,
    IIssueTracker? issues = null,
    int? issueNumber = null,
    IChallengerDeployment? deployment = null,
    TimeProvider? timeProvider = null,
    ILogger? logger = null,
    IReadOnlyDictionary<string, string>? requestTexts = null,
    RetrainingLedger? ledger = null)
{
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>The store key of a comparison report.</summary>
    public static string ReportKey(string model, DateTimeOffset time, string challenger) =>
        string.Create(CultureInfo.InvariantCulture, $"retraining/{model}/{time:yyyyMMdd'T'HHmmss}-{challenger}.md");

    /// <summary>Handles one trigger; <paramref name="freshData"/> (with the target column) is what both models are judged on.</summary>
    public async Task<RetrainingOutcome> HandleAsync(RetrainingTrigger trigger, DataFrame freshData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(freshData);
        if (!_running.TryAdd(trigger.Model, 0))
        {
            return new RetrainingOutcome(trigger, "skipped", null, null, false, null, $"a retraining of {trigger.Model} is already running; {trigger.KindName} waits for it");
        }

        try
        {
            TriggerReceived(_logger, trigger.Model, trigger.KindName, trigger.Reason);
            if (policy.Mode == RetrainingMode.OpenIssue)
            {
                if (issues is null)
                {
                    throw new InvalidOperationException("The retraining policy opens issues, but no issue tracker is configured.");
                }

                var opened = await issues.OpenIssueAsync(
                    $"Retrain {trigger.Model}: {trigger.KindName}",
                    IssueBody(trigger),
                    ["retraining", $"model:{trigger.Model}"],
                    cancellationToken).ConfigureAwait(false);
                ledger?.Attach(trigger.Model, null, opened, null, null);
                return new RetrainingOutcome(trigger, "issue", null, null, false, opened, $"opened issue #{opened}");
            }

            return await RetrainAsync(trigger, freshData, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(trigger.Model, out _);
        }
    }

    /// <summary>
    /// Re-attaches to a retraining a previous process left open: an issue is checked (null while it is still open; the
    /// outcome once it is closed); a run is resumed and awaited, then judged against the champion recorded when it
    /// started, as if it had never stopped. A run that cannot be found or resumed, or a retraining that never recorded
    /// what it started, ends as <c>interrupted</c> with the reason.
    /// </summary>
    public async Task<RetrainingOutcome?> ResumeAsync(RetrainingRecord open, Func<CancellationToken, Task<DataFrame>> freshData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(freshData);
        var trigger = RetrainingTrigger.FromRecord(open);
        if (open.Issue is { } issue)
        {
            if (issues is null)
            {
                return Interrupted(trigger, $"issue #{issue} is recorded, but no issue tracker is configured to check it");
            }

            return await issues.IsOpenAsync(issue, cancellationToken).ConfigureAwait(false)
                ? null
                : new RetrainingOutcome(trigger, "issue", null, null, false, issue, $"issue #{issue} was closed");
        }

        if (open.Handle is not { } handle)
        {
            return Interrupted(trigger, "the process handling it ended before it started a run");
        }

        if (launcher is not IResumableRetrainingLauncher resumable)
        {
            return Interrupted(trigger, $"run {handle} was started, but the launcher cannot re-attach to runs");
        }

        if (!_running.TryAdd(trigger.Model, 0))
        {
            return new RetrainingOutcome(trigger, "skipped", null, null, false, null, $"a retraining of {trigger.Model} is already running here");
        }

        try
        {
            var run = await resumable.AttachAsync(trigger, handle, cancellationToken).ConfigureAwait(false);
            if (run.Lost)
            {
                return Interrupted(trigger, run.Detail) with { Run = run };
            }

            Resumed(_logger, trigger.Model, handle);
            return await DecideAsync(trigger, run, open.Champion, open.Archived, await freshData(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(trigger.Model, out _);
        }
    }

    private static RetrainingOutcome Interrupted(RetrainingTrigger trigger, string reason) =>
        new(trigger, RetrainingLedger.Interrupted, null, null, false, null, reason);

    private string IssueBody(RetrainingTrigger trigger)
    {
        var body = string.Create(CultureInfo.InvariantCulture, $"A retraining trigger fired for `{trigger.Model}` at {trigger.Time:O}.\n\n**Reason:** {trigger.Reason}\n\n");
        if (requestTexts?.GetValueOrDefault(trigger.Model) is not { } text)
        {
            return body + $"Retrain it with `mlops retrain REQUEST.md --fresh FRESH.csv` or by starting the workflow on its training request.";
        }

        var fence = YamlFence().Match(text);
        var yaml = fence.Success ? fence.Groups["yaml"].Value.Trim() : text.Trim();
        return body + $"Label this issue `mlops:train` to run the training workflow on the model's request (the latest data version):\n\n```yaml\n{yaml}\n```\n";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[ \t]*```[ \t]*(yaml|yml)[ \t]*\r?\n(?<yaml>.*?)^[ \t]*```", System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.Singleline | System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex YamlFence();

    private async Task<RetrainingOutcome> RetrainAsync(RetrainingTrigger trigger, DataFrame freshData, CancellationToken cancellationToken)
    {
        var model = trigger.Model;
        var registry = context.Registry;
        var champion = registry.GetAlias(model, ModelAliases.Champion);
        var archived = registry.GetAlias(model, ModelAliases.Archived);
        RetrainingRun run;
        if (launcher is IResumableRetrainingLauncher resumable && await resumable.StartAsync(trigger, cancellationToken).ConfigureAwait(false) is { } handle)
        {
            // Recorded before anything waits on it: a process that dies now leaves enough for the next to finish it.
            ledger?.Attach(model, handle, null, champion, archived);
            run = await resumable.AttachAsync(trigger, handle, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            run = await launcher.LaunchAsync(trigger, cancellationToken).ConfigureAwait(false);
        }

        return await DecideAsync(trigger, run, champion, archived, freshData, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RetrainingOutcome> DecideAsync(RetrainingTrigger trigger, RetrainingRun run, string? champion, string? archived, DataFrame freshData, CancellationToken cancellationToken)
    {
        var model = trigger.Model;
        var registry = context.Registry;
        if (!run.Succeeded || run.ChallengerVersion is null)
        {
            var failed = $"retraining run {run.RunId} did not produce a model: {run.Detail}";
            await CommentAsync($"### Retraining of {model} ({trigger.KindName})\n\n{trigger.Reason}\n\n{failed}; the champion {champion ?? "–"} keeps serving.", cancellationToken).ConfigureAwait(false);
            return new RetrainingOutcome(trigger, "failed", run, null, false, issueNumber, failed);
        }

        var challenger = run.ChallengerVersion;
        if (champion is null || champion == challenger)
        {
            await DeployAsync(model, champion ?? challenger, challenger, cancellationToken).ConfigureAwait(false);
            return new RetrainingOutcome(trigger, "launched", run, null, true, issueNumber, $"{model} had no champion; {challenger} is now champion");
        }

        var championPackage = await ModelPackage.LoadAsync(context.Store, model, champion, context.CacheDirectory, cancellationToken).ConfigureAwait(false);
        var challengerPackage = await ModelPackage.LoadAsync(context.Store, model, challenger, context.CacheDirectory, cancellationToken).ConfigureAwait(false);
        var report = ChampionChallenger.Compare(championPackage, challengerPackage, freshData, policy.Criteria);
        var registryService = new ModelRegistryService(registry, context.Store);
        if (report.Decision.Promote)
        {
            registryService.Promote(model, challenger);
            await DeployAsync(model, champion, challenger, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // The pipeline made its passing model champion and deployed it; the comparison says otherwise, so the old
            // champion gets its aliases and its deployment back and the new version stays registered as challenger.
            registryService.Promote(model, champion);
            if (archived is null)
            {
                registry.RemoveAlias(model, ModelAliases.Archived);
            }
            else
            {
                registry.SetAlias(model, ModelAliases.Archived, archived);
            }

            registry.SetAlias(model, ModelAliases.Challenger, challenger);
            new LocalDeployer(registry, context.Store, context.CacheDirectory).Deploy(model, champion, "kept-champion");
        }

        var markdown = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"### Retraining of {model} ({trigger.KindName})\n\n**Trigger:** {trigger.Reason}\n\n**Run:** {run.RunId}\n\n")
            .Append(report.ToMarkdown())
            .Append(CultureInfo.InvariantCulture, $"\n{(report.Decision.Promote ? $"{challenger} is champion and rolls out with the {policy.Strategy} strategy." : $"{challenger} is registered as challenger and not deployed; {champion} keeps serving.")}\n")
            .ToString();
        await context.Store.PutTextAsync(ReportKey(model, _time.GetUtcNow(), challenger), markdown, cancellationToken).ConfigureAwait(false);
        await CommentAsync(markdown, cancellationToken).ConfigureAwait(false);
        Decided(_logger, model, champion, challenger, report.Decision.Promote);
        return new RetrainingOutcome(trigger, "launched", run, report, report.Decision.Promote, issueNumber, report.Decision.Reason);
    }

    private async Task DeployAsync(string model, string champion, string challenger, CancellationToken cancellationToken)
    {
        new LocalDeployer(context.Registry, context.Store, context.CacheDirectory).Deploy(model, challenger, policy.Strategy.ToString().ToLowerInvariant());
        if (deployment is not null)
        {
            await deployment.DeployAsync(model, champion, challenger, policy.Strategy, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CommentAsync(string body, CancellationToken cancellationToken)
    {
        if (issues is not null && issueNumber is { } number)
        {
            await issues.CommentAsync(number, body, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining trigger for {Model}: {Kind}: {Reason}")]
    private static partial void TriggerReceived(ILogger logger, string model, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-attached to the retraining run {Handle} of {Model} a previous process started")]
    private static partial void Resumed(ILogger logger, string model, string handle);

    [LoggerMessage(Level = LogLevel.Information, Message = "Champion {Champion} vs challenger {Challenger} of {Model}: promote = {Promote}")]
    private static partial void Decided(ILogger logger, string model, string champion, string challenger, bool promote);
}

/// <summary>
/// <see cref="IChallengerDeployment"/> on a live <see cref="ModelServer"/>: loads the challenger next to the champion and
/// starts the rollout with <see cref="RolloutRunner"/> (canary's first step, a 50/50 A/B split, a blue/green switch, or
/// a shadow). The canary's later steps are driven by whoever owns the clock, through the returned rollout.
/// </summary>
public sealed class LiveServerDeployment(ModelServer server, RolloutRunner runner, MlopsContext context, string warmupBody, CanaryPlanDefaults? canary = null) : IChallengerDeployment
{
    /// <summary>The canary rollout started by the last deployment, when the strategy was canary.</summary>
    public CanaryRollout? Canary { get; private set; }

    public async Task DeployAsync(string model, string championVersion, string challengerVersion, RolloutStrategy strategy, CancellationToken cancellationToken)
    {
        if (!server.VersionsOf(model).Contains(challengerVersion, StringComparer.Ordinal))
        {
            server.AddVersion(await ModelPackage.LoadAsync(context.Store, model, challengerVersion, context.CacheDirectory, cancellationToken).ConfigureAwait(false));
        }

        var defaults = canary ?? new CanaryPlanDefaults();
        switch (strategy)
        {
            case RolloutStrategy.Canary:
                Canary = await runner.StartCanaryAsync(new CanaryPlan(model, championVersion, challengerVersion, defaults.Steps, defaults.BakeTime), cancellationToken).ConfigureAwait(false);
                break;
            case RolloutStrategy.AB:
                await runner.StartAbTestAsync(model, championVersion, challengerVersion, 50, cancellationToken).ConfigureAwait(false);
                break;
            case RolloutStrategy.BlueGreen:
                await runner.SwitchBlueGreenAsync(model, challengerVersion, warmupBody, 5, defaults.KeepOldFor, cancellationToken).ConfigureAwait(false);
                break;
            default:
                await runner.StartShadowAsync(model, championVersion, challengerVersion, cancellationToken).ConfigureAwait(false);
                break;
        }
    }
}

/// <summary>The canary and blue/green settings a retraining rollout uses.</summary>
public sealed record CanaryPlanDefaults
{
    public IReadOnlyList<int>? Steps { get; init; }

    public TimeSpan BakeTime { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan KeepOldFor { get; init; } = TimeSpan.FromHours(1);
}
