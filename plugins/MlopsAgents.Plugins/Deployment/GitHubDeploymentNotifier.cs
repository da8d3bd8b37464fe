using Octokit;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>Posts every deployment event as a comment on the issue that asked for the model, through Octokit.</summary>
public sealed class GitHubDeploymentNotifier(IGitHubClient github, string owner, string repository, int issueNumber) : IDeploymentNotifier
{
    public async Task NotifyAsync(DeploymentEvent deploymentEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deploymentEvent);
        var weights = string.Join(", ", deploymentEvent.Weights.Select(w => $"`{w.Version}` {w.Weight}"));
        var body = $"**Deployment {deploymentEvent.Strategy}: {deploymentEvent.Action}** of `{deploymentEvent.Model}` ({weights})\n\n{deploymentEvent.Reason}";
        await github.Issue.Comment.Create(owner, repository, issueNumber, body).ConfigureAwait(false);
    }
}
