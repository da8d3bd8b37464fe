using System.Text.Json.Nodes;
using MlopsAgents.Agents;
using MlopsAgents.Agents.Conversation;
using MlopsAgents.Agents.Explainer;
using MlopsAgents.Agents.Intake;
using MlopsAgents.Agents.Optimizer;

namespace MlopsAgents.GitHub.Agents;

/// <summary>
/// The agents in the issue flow: Intake reads the issue, Conversation answers comments, the Explainer writes the
/// results comment. Each call gets an <see cref="AgentContext"/> keyed by its issue, so with an
/// <see cref="MlopsAgents.Agents.Providers.IssueUsageLedger"/> the token and cost budget is the issue's, across all its events.
/// </summary>
public sealed record IssueAgents(IIssueIntake Intake, ICommentResponder Responder, IResultsCommentWriter Results, IProposalWriter Proposal)
{
    public static IssueAgents Create(AgentContextFactory agents)
    {
        ArgumentNullException.ThrowIfNull(agents);
        return new IssueAgents(new AgentIssueIntake(agents), new AgentCommentResponder(agents), new AgentResultsCommentWriter(agents), new AgentProposalWriter(agents));
    }

    /// <summary>"owner/repo#12" from the execution's input (<c>$.issue</c>), the key the issue's budget is kept under; null without one.</summary>
    public static string? IssueKey(JsonNode? context) =>
        context?["issue"] is JsonObject issue && issue["repository"]?.GetValue<string>() is { } repository && issue["number"] is { } number
            ? new IssueRef(repository, number.GetValue<int>()).ToString()
            : null;
}

/// <summary>The Intake agent behind <see cref="IIssueIntake"/>: YAML is validated as written, plain language is read by the model and validated again.</summary>
public sealed class AgentIssueIntake(AgentContextFactory agents) : IIssueIntake
{
    public async Task<IssueIntakeResult> ReadAsync(IssueRef issue, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issue);
        var result = await new IntakeAgent(agents.ForIssue(issue.ToString())).RunAsync(body ?? "", cancellationToken).ConfigureAwait(false);
        if (result is { Outcome: IntakeOutcome.Accepted, Request: { } request })
        {
            // The issue's own request runs as written, exactly as without agents; a model-read one runs as the YAML it was validated as.
            return result.UsedModel
                ? new IssueIntakeResult(request, result.RequestYaml!, [], Assumptions: [.. result.Assumptions.Select(a => $"{a.Field}: {a.Value}")], Accepted: result.Comment)
                : new IssueIntakeResult(request, body!, []);
        }

        return new IssueIntakeResult(null, body ?? "", result.Problems, Clarification: result.Comment);
    }
}

/// <summary>
/// The Conversation agent behind <see cref="ICommentResponder"/>. Questions get its answer; a change comes back as the
/// patched request, kept by the workflow until an authorized command starts it. The agent itself changes nothing.
/// </summary>
public sealed class AgentCommentResponder(AgentContextFactory agents) : ICommentResponder
{
    private readonly DefaultCommentResponder _status = new();

    public async Task<CommentReply?> RespondAsync(CommentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await new ConversationAgent(agents.ForIssue(context.Issue.ToString())).RunAsync(context.Body, context.RequestText, context.Latest, cancellationToken).ConfigureAwait(false);
        if (result is { Intent: CommentIntent.Change, PatchedRequest: { Succeeded: true, Yaml: { } yaml } })
        {
            var text = $"@{context.Author} {result.Reply}\n\n**Proposed request** (nothing has changed yet):\n\n```yaml\n{yaml.Trim()}\n```\n\n" +
                       "It takes effect only through the workflow: when no run is active on this issue, an authorized `/retrain` or `/approve` starts a run with it.";
            return new CommentReply(text, yaml.Trim());
        }

        if (!result.UsedModel && result.Intent is CommentIntent.Question or CommentIntent.Other)
        {
            // Without a model the agent can only point at commands; the run's state is the useful deterministic answer.
            var status = await _status.RespondAsync(context, cancellationToken).ConfigureAwait(false);
            return new CommentReply($"{status!.Text}\n\n{result.Reply}");
        }

        return new CommentReply($"@{context.Author} {result.Reply}");
    }
}

/// <summary>
/// The Workflow Optimizer agent behind <see cref="IProposalWriter"/>: it asks the MCP server for the deterministic
/// proposal of the run's request and has the model word a summary over it; the plan itself is the rules' plan. When the
/// agent cannot get a proposal, the one the run's own optimize step made is shown.
/// </summary>
public sealed class AgentProposalWriter(AgentContextFactory agents) : IProposalWriter
{
    public async Task<string> WriteAsync(JsonNode? context, CancellationToken cancellationToken)
    {
        if (context?["request_text"]?.GetValue<string>() is not { Length: > 0 } request)
        {
            return OptimizerMarkdownProposalWriter.Markdown(context);
        }

        var result = await new WorkflowOptimizerAgent(agents.ForIssue(IssueAgents.IssueKey(context))).RunAsync(request, cancellationToken).ConfigureAwait(false);
        return result.Proposal is null ? OptimizerMarkdownProposalWriter.Markdown(context) : result.Comment;
    }
}

/// <summary>
/// The Explainer behind <see cref="IResultsCommentWriter"/>: the run's results (the shape of results.json, built from
/// the execution's state) in, the results comment out. The Explainer uses its template whenever the model fails or
/// quotes a number the results do not hold.
/// </summary>
public sealed class AgentResultsCommentWriter(AgentContextFactory agents) : IResultsCommentWriter
{
    public async Task<string> WriteAsync(string executionId, JsonNode? context, CancellationToken cancellationToken)
    {
        var result = await new ExplainerAgent(agents.ForIssue(IssueAgents.IssueKey(context))).RunAsync(Results(executionId, context).ToJsonString(), "the requester and ML engineers", cancellationToken).ConfigureAwait(false);
        return result.Comment;
    }

    /// <summary>results.json's fields, taken from the execution's state: training id, primary metric, metrics, verdict, model.</summary>
    public static JsonObject Results(string executionId, JsonNode? context)
    {
        var results = new JsonObject
        {
            ["training_id"] = context?["training"]?["run_id"]?.DeepClone() ?? context?["data"]?["training_id"]?.DeepClone() ?? executionId,
        };
        if (context?["request"]?["primary_metric"] is { } primary)
        {
            results["primary_metric"] = primary.DeepClone();
        }

        if (context?["evaluation"]?["metrics"] is JsonObject metrics)
        {
            results["metrics"] = metrics.DeepClone();
        }

        if (context?["judge"] is JsonObject judge)
        {
            results["judge"] = judge.DeepClone();
        }

        if (context?["package"] is JsonObject package)
        {
            results["model"] = new JsonObject
            {
                ["name"] = (package["model_name"] ?? package["name"])?.DeepClone(),
                ["version"] = package["version"]?.DeepClone(),
            };
        }

        results["execution_id"] = executionId;
        return results;
    }
}
