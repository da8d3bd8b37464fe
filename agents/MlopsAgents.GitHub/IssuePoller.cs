using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Octokit;

namespace MlopsAgents.GitHub;

/// <summary>
/// `mlops watch`: the webhook's alternative for a repository that cannot reach this machine. Each poll reads open issues
/// with the train label and comments updated since the persisted cursor, and the 👍 reactions on pending proposals.
/// Everything seen is recorded by id in the link store, so overlapping windows and restarts act on each thing once.
/// </summary>
public sealed partial class IssuePoller
{
    private readonly IGitHubClient _client;
    private readonly string _repository;
    private readonly IssueWorkflow _workflow;
    private readonly IssueLinkStore _links;
    private readonly GitHubOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public IssuePoller(IGitHubClient client, string repository, IssueWorkflow workflow, IssueLinkStore links, GitHubOptions options, TimeProvider? time = null, ILogger<IssuePoller>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        GitHubOptions.SplitRepository(repository);
        _repository = repository;
        _workflow = workflow ?? throw new ArgumentNullException(nameof(workflow));
        _links = links ?? throw new ArgumentNullException(nameof(links));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    private string CursorName => "watch:" + _repository;

    /// <summary>One pass over issues, comments and reactions; returns what it acted on.</summary>
    public async Task<PollResult> PollOnceAsync(CancellationToken cancellationToken = default)
    {
        var (owner, name) = GitHubOptions.SplitRepository(_repository);
        var startedAt = _time.GetUtcNow();
        DateTimeOffset? since = _links.GetCursor(CursorName) is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture) : null;
        int started = 0, comments = 0, reactions = 0;

        var issueRequest = new RepositoryIssueRequest { State = ItemStateFilter.Open, Since = since };
        issueRequest.Labels.Add(_options.TrainLabel);
        foreach (var issue in await _client.Issue.GetAllForRepository(owner, name, issueRequest).ConfigureAwait(false))
        {
            if (issue.PullRequest is null && _links.TryRecordDelivery($"watch-issue:{_repository}#{issue.Number}", "issues"))
            {
                started += await _workflow.StartAsync(new IssueRef(_repository, issue.Number), issue.User.Login, issue.Body ?? "", cancellationToken).ConfigureAwait(false) is null ? 0 : 1;
            }
        }

        var commentRequest = new IssueCommentRequest { Since = since, Sort = IssueCommentSort.Created, Direction = SortDirection.Ascending };
        foreach (var comment in await _client.Issue.Comment.GetAllForRepository(owner, name, commentRequest).ConfigureAwait(false))
        {
            if (comment.User?.Type == AccountType.Bot || IssueNumber(comment.HtmlUrl) is not { } number
                || !_links.TryRecordDelivery($"watch-comment:{_repository}:{comment.Id.ToString(CultureInfo.InvariantCulture)}", "issue_comment"))
            {
                continue;
            }

            await _workflow.HandleCommentAsync(new IssueRef(_repository, number), comment.User!.Login, comment.Body ?? "", cancellationToken).ConfigureAwait(false);
            comments++;
        }

        foreach (var link in _links.Pending().Where(l => l.PendingKind == "approval" && l.ProposalCommentId is not null && l.Issue.Repository == _repository))
        {
            foreach (var reaction in await _client.Reaction.IssueComment.GetAll(owner, name, link.ProposalCommentId!.Value).ConfigureAwait(false))
            {
                if (reaction.Content.Value != ReactionType.Plus1
                    || !_links.TryRecordDelivery($"watch-reaction:{_repository}:{reaction.Id.ToString(CultureInfo.InvariantCulture)}", "reaction"))
                {
                    continue;
                }

                reactions++;
                if (await _workflow.HandleReactionAsync(link.Issue, link.ProposalCommentId.Value, reaction.User.Login, "+1", cancellationToken).ConfigureAwait(false) == CommentOutcome.Done)
                {
                    break;
                }
            }
        }

        // The next window starts where this one started, so nothing updated during the poll is missed; ids dedupe the overlap.
        _links.SetCursor(CursorName, startedAt.ToString("O", CultureInfo.InvariantCulture));
        var result = new PollResult(started, comments, reactions);
        Log.Polled(_logger, _repository, started, comments, reactions);
        return result;
    }

    /// <summary>Polls every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await PollOnceAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int? IssueNumber(string? htmlUrl)
    {
        var match = htmlUrl is null ? null : IssueUrlPattern().Match(htmlUrl);
        return match is { Success: true } ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"/(?:issues|pull)/(\d+)#issuecomment-\d+$")]
    private static partial Regex IssueUrlPattern();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Polled {Repository}: {Started} started, {Comments} comments, {Reactions} reactions")]
        public static partial void Polled(ILogger logger, string repository, int started, int comments, int reactions);
    }
}

/// <summary>What one poll acted on.</summary>
public sealed record PollResult(int Started, int Comments, int Reactions);
