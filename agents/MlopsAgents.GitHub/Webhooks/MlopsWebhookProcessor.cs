using Octokit.Webhooks;
using Octokit.Webhooks.Events;
using Octokit.Webhooks.Events.IssueComment;
using Octokit.Webhooks.Events.Issues;

namespace MlopsAgents.GitHub.Webhooks;

/// <summary>
/// Turns signed deliveries into queued work: issues opened or labelled with the train label, new issue comments, and
/// pushes to a branch a <see cref="ICodeChangeListener"/> watches. It records each X-GitHub-Delivery first, so a
/// redelivered event is dropped, and only enqueues, so GitHub gets its answer at once while the work happens in
/// <see cref="WebhookWorker"/>.
/// </summary>
public sealed class MlopsWebhookProcessor(IssueLinkStore links, WebhookQueue queue, GitHubOptions options, IEnumerable<ICodeChangeListener> codeChanges) : WebhookEventProcessor
{
    protected override ValueTask ProcessPushWebhookAsync(WebhookHeaders headers, PushEvent pushEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(pushEvent);

        // A deleted branch has no code to train on; other branches are not watched.
        if (!pushEvent.Deleted && codeChanges.Any(l => l.Watches(pushEvent.Ref)))
        {
            Enqueue(headers, new WebhookWork(
                WebhookWorkKind.CodeChange,
                new IssueRef(pushEvent.Repository!.FullName, 0),
                pushEvent.Pusher?.Name ?? pushEvent.Sender?.Login ?? "unknown",
                pushEvent.After,
                GitRef: pushEvent.Ref));
        }

        return ValueTask.CompletedTask;
    }

    protected override ValueTask ProcessIssuesWebhookAsync(WebhookHeaders headers, IssuesEvent issuesEvent, IssuesAction action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(issuesEvent);
        var wanted = (action == IssuesAction.Opened && (issuesEvent.Issue.Labels ?? []).Any(l => l.Name == options.TrainLabel))
            || (issuesEvent is IssuesLabeledEvent labeled && labeled.Label?.Name == options.TrainLabel);
        if (wanted)
        {
            Enqueue(headers, new WebhookWork(
                WebhookWorkKind.Start,
                new IssueRef(issuesEvent.Repository!.FullName, (int)issuesEvent.Issue.Number),
                issuesEvent.Sender!.Login,
                issuesEvent.Issue.Body ?? ""));
        }

        return ValueTask.CompletedTask;
    }

    protected override ValueTask ProcessIssueCommentWebhookAsync(WebhookHeaders headers, IssueCommentEvent issueCommentEvent, IssueCommentAction action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(issueCommentEvent);

        // Bots (this flow's own comments among them) never drive the workflow.
        if (action == IssueCommentAction.Created && issueCommentEvent.Sender?.Type != Octokit.Webhooks.Models.UserType.Bot)
        {
            Enqueue(headers, new WebhookWork(
                WebhookWorkKind.Comment,
                new IssueRef(issueCommentEvent.Repository!.FullName, (int)issueCommentEvent.Issue.Number),
                issueCommentEvent.Sender!.Login,
                issueCommentEvent.Comment.Body ?? ""));
        }

        return ValueTask.CompletedTask;
    }

    private void Enqueue(WebhookHeaders headers, WebhookWork work)
    {
        var delivery = headers.Delivery;
        if (string.IsNullOrWhiteSpace(delivery))
        {
            throw new ArgumentException("X-GitHub-Delivery: '' → the delivery GUID GitHub sends with every webhook");
        }

        if (links.TryRecordDelivery(delivery, headers.Event ?? ""))
        {
            queue.Enqueue(work with { DeliveryId = delivery });
        }
    }
}
