using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MlopsAgents.GitHub.Webhooks;

/// <summary>What a delivery asks for.</summary>
public enum WebhookWorkKind
{
    Start,
    Comment,

    /// <summary>A push to a watched branch: <see cref="WebhookWork.GitRef"/> and the head commit in <see cref="WebhookWork.Body"/>.</summary>
    CodeChange,
}

/// <summary>One unit of queued webhook work (for a push, Issue names the repository with number 0).</summary>
public sealed record WebhookWork(WebhookWorkKind Kind, IssueRef Issue, string User, string Body, string DeliveryId = "", string? GitRef = null);

/// <summary>The in-process queue between the webhook endpoint and <see cref="WebhookWorker"/>.</summary>
public sealed class WebhookQueue
{
    private readonly Channel<WebhookWork> _channel = Channel.CreateUnbounded<WebhookWork>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<WebhookWork> _done = Channel.CreateUnbounded<WebhookWork>();

    public void Enqueue(WebhookWork work) => _channel.Writer.TryWrite(work);

    internal ChannelReader<WebhookWork> Reader => _channel.Reader;

    /// <summary>Each item once the worker has finished it (or given up on it); tests and the CLI wait on this.</summary>
    public ChannelReader<WebhookWork> Completed => _done.Reader;

    internal void MarkDone(WebhookWork work) => _done.Writer.TryWrite(work);
}

/// <summary>Drains the webhook queue one item at a time into the issue workflow, and pushes into the code-change listeners.</summary>
public sealed partial class WebhookWorker(WebhookQueue queue, IssueWorkflow workflow, ILogger<WebhookWorker> logger, IEnumerable<ICodeChangeListener> codeChanges) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var work in queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (work.Kind == WebhookWorkKind.CodeChange)
                {
                    await PushAsync(work, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                _ = work.Kind == WebhookWorkKind.Start
                    ? await workflow.StartAsync(work.Issue, work.User, work.Body, stoppingToken).ConfigureAwait(false)
                    : (await workflow.HandleCommentAsync(work.Issue, work.User, work.Body, stoppingToken).ConfigureAwait(false)).ToString();
            }
            catch (Octokit.ApiException ex)
            {
                // GitHub refused a call (rate limit, permissions); the delivery is recorded, so log it for an operator to redeliver.
                Log.Failed(logger, ex, work.DeliveryId, work.Issue.ToString());
            }
            finally
            {
                queue.MarkDone(work);
            }
        }
    }

    private async Task PushAsync(WebhookWork work, CancellationToken cancellationToken)
    {
        foreach (var listener in codeChanges.Where(l => l.Watches(work.GitRef!)))
        {
            try
            {
                await listener.OnPushAsync(work.Issue.Repository, work.GitRef!, work.Body, work.User, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The listener records its own failure (the retraining ledger closes it as failed); logged here so the
                // worker keeps draining the queue instead of ending the host.
                Log.PushFailed(logger, ex, work.DeliveryId, work.GitRef!);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery {DeliveryId}: handling the push to {GitRef} failed")]
        public static partial void PushFailed(ILogger logger, Exception exception, string deliveryId, string gitRef);

        [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery {DeliveryId} for {Issue} failed at the GitHub API")]
        public static partial void Failed(ILogger logger, Exception exception, string deliveryId, string issue);
    }
}
