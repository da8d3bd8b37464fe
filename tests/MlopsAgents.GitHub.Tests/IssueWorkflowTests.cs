using System.Text.Json.Nodes;
using MlopsAgents.GitHub.Tests.Support;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.GitHub.Tests;

/// <summary>The whole issue flow against the local issue source: what the embedded default does with no GitHub.</summary>
public sealed class IssueWorkflowTests : IAsyncLifetime
{
    private const string Operator = "ops";
    private Harness _h = null!;
    private LocalIssueHost _local = null!;

    public Task InitializeAsync()
    {
        _h = Harness.Create(dir => _local = new LocalIssueHost(new MlopsHome(dir.Combine("home")), Operator));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task ApproveAsync_LocalIssue_RunsToDeployedWithOneProgressCommentResultsAndHistory()
    {
        var issue = await _local.CreateIssueAsync("Train wine", Harness.RequestBody, CancellationToken.None);
        var id = await _h.Workflow.StartAsync(issue, Operator, Harness.RequestBody);
        Assert.NotNull(id);
        Assert.Equal(ExecutionStatus.Waiting, (await _h.IdleAsync(id)).Summary.Status);
        Assert.Contains(IssueLabels.AwaitingApproval, _local.ReadLabels(issue));
        Assert.Contains(_local.ReadComments(issue), c => c.Body.StartsWith("### 📋 Proposed training plan", StringComparison.Ordinal));

        Assert.Equal(CommentOutcome.Done, await _h.Workflow.ApproveAsync(id, Operator));
        var result = await _h.IdleAsync(id);

        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.Equal([IssueLabels.Deployed], _local.ReadLabels(issue));
        var comments = _local.ReadComments(issue);
        var progress = Assert.Single(comments, c => c.Body.StartsWith("### 🛠️ Training progress", StringComparison.Ordinal));
        Assert.True(progress.Edits >= 8, $"progress edited {progress.Edits} times");
        Assert.Contains("✔️ register_model", progress.Body, StringComparison.Ordinal);
        Assert.Contains(comments, c => c.Body.StartsWith("### ✅ Training complete", StringComparison.Ordinal));
        Assert.Equal("{\"ok\":true}", File.ReadAllText(_h.Dir.Combine("home", "training_history", "run.json")));
    }

    [Fact]
    public async Task HandleCommentAsync_JudgeAsksRetrainThenRetrainCommand_TrainsAgainAndPasses()
    {
        _h.Inner.Behaviour = (step, call) => step == "judge_results"
            ? new JsonObject { ["decision"] = call == 1 ? "retrain" : "pass", ["reason"] = call == 1 ? "f1 0.7 < 0.8" : "f1 0.85" }
            : null;
        var issue = await _local.CreateIssueAsync("Train wine", Harness.RequestBody, CancellationToken.None);
        var id = (await _h.Workflow.StartAsync(issue, Operator, Harness.RequestBody))!;
        await _h.IdleAsync(id);
        Assert.Equal(CommentOutcome.Done, await _h.Workflow.HandleCommentAsync(issue, Operator, "/approve"));

        var waiting = await _h.IdleAsync(id);
        Assert.Equal(("WaitForOperatorInput", ExecutionStatus.Waiting), (waiting.Summary.CurrentState, waiting.Summary.Status));
        Assert.Contains(_local.ReadComments(issue), c => c.Body.Contains("f1 0.7 < 0.8", StringComparison.Ordinal) && c.Body.Contains("/retrain", StringComparison.Ordinal));
        Assert.Equal(CommentOutcome.Invalid, await _h.Workflow.HandleCommentAsync(issue, Operator, "/approve"));

        Assert.Equal(CommentOutcome.Done, await _h.Workflow.HandleCommentAsync(issue, Operator, "/retrain"));
        var result = await _h.IdleAsync(id);

        Assert.Equal(ExecutionStatus.Succeeded, result.Summary.Status);
        Assert.Equal(2, _h.Inner.Steps.Count(s => s == "train_supervised_classifier"));
        Assert.Equal(1, result.Output!["retry"]!["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task HandleCommentAsync_Reject_FailsWithReasonCommentAndFailedLabel()
    {
        var issue = await _local.CreateIssueAsync("Train wine", Harness.RequestBody, CancellationToken.None);
        var id = (await _h.Workflow.StartAsync(issue, Operator, Harness.RequestBody))!;
        await _h.IdleAsync(id);

        Assert.Equal(CommentOutcome.Done, await _h.Workflow.HandleCommentAsync(issue, Operator, "/reject\nthe plan uses too much data"));
        var result = await _h.IdleAsync(id);

        Assert.Equal(ExecutionStatus.Failed, result.Summary.Status);
        Assert.Equal([IssueLabels.Failed], _local.ReadLabels(issue));
        Assert.Contains(_local.ReadComments(issue), c => c.Body.Contains("Mlops.ApprovalRejected: Rejected by ops: the plan uses too much data", StringComparison.Ordinal));
        Assert.DoesNotContain("preprocess_supervised", _h.Inner.Steps);
    }

    [Fact]
    public async Task HandleReactionAsync_ThumbsUpOnProposal_ApprovesOnlyForAuthorizedUser()
    {
        var issue = await _local.CreateIssueAsync("Train wine", Harness.RequestBody, CancellationToken.None);
        var id = (await _h.Workflow.StartAsync(issue, Operator, Harness.RequestBody))!;
        await _h.IdleAsync(id);
        var proposal = _h.Links.FindByExecution(id)!.ProposalCommentId!.Value;

        Assert.Equal(CommentOutcome.Ignored, await _h.Workflow.HandleReactionAsync(issue, proposal, Operator, "heart"));
        Assert.Equal(CommentOutcome.Refused, await _h.Workflow.HandleReactionAsync(issue, proposal, "stranger", "+1"));
        Assert.Equal(ExecutionStatus.Waiting, (await _h.IdleAsync(id)).Summary.Status);
        Assert.Contains(_local.ReadComments(issue), c => c.Body.StartsWith("Thanks @stranger!", StringComparison.Ordinal));

        Assert.Equal(CommentOutcome.Done, await _h.Workflow.HandleReactionAsync(issue, proposal, Operator, "+1"));
        Assert.Equal(ExecutionStatus.Succeeded, (await _h.IdleAsync(id)).Summary.Status);
    }

    [Fact]
    public async Task StartAsync_InvalidRequest_CommentsEveryProblemAndStartsNothing()
    {
        var issue = await _local.CreateIssueAsync("Broken", "```yaml\ntask_type: telepathy\n```", CancellationToken.None);

        var id = await _h.Workflow.StartAsync(issue, Operator, "```yaml\ntask_type: telepathy\n```");

        Assert.Null(id);
        Assert.Empty(_h.Executor.ListExecutions());
        Assert.Contains(_local.ReadComments(issue), c => c.Body.Contains("not valid", StringComparison.Ordinal) && c.Body.Contains("task_type", StringComparison.Ordinal));
        Assert.Equal([IssueLabels.Failed], _local.ReadLabels(issue));
    }

    [Fact]
    public async Task StartAsync_StrangerOrSecondStart_NothingNewStarts()
    {
        var issue = await _local.CreateIssueAsync("Train wine", Harness.RequestBody, CancellationToken.None);

        Assert.Null(await _h.Workflow.StartAsync(issue, "stranger", Harness.RequestBody));
        var id = await _h.Workflow.StartAsync(issue, Operator, Harness.RequestBody);
        Assert.NotNull(id);
        Assert.Null(await _h.Workflow.StartAsync(issue, Operator, Harness.RequestBody));

        Assert.Single(_h.Executor.ListExecutions());
    }

    [Fact]
    public async Task HandleCommentAsync_QuestionOrStatus_AnsweredWithoutChangingAnything()
    {
        var issue = await _local.CreateIssueAsync("Train wine", Harness.RequestBody, CancellationToken.None);
        var id = (await _h.Workflow.StartAsync(issue, Operator, Harness.RequestBody))!;
        await _h.IdleAsync(id);

        Assert.Equal(CommentOutcome.Answered, await _h.Workflow.HandleCommentAsync(issue, "stranger", "why is it waiting?"));
        Assert.Equal(CommentOutcome.Done, await _h.Workflow.HandleCommentAsync(issue, "stranger", "/status"));
        Assert.Equal(CommentOutcome.Invalid, await _h.Workflow.HandleCommentAsync(issue, Operator, "/deploy now"));

        var comments = _local.ReadComments(issue).Select(c => c.Body).ToList();
        Assert.Contains(comments, b => b.StartsWith("@stranger Run `" + id + "` is waiting at `WaitForOptimizationApproval`", StringComparison.Ordinal));
        Assert.Contains(comments, b => b.StartsWith("Run `" + id + "` is **waiting**", StringComparison.Ordinal));
        Assert.Equal(ExecutionStatus.Waiting, (await _h.IdleAsync(id)).Summary.Status);
    }

    [Fact]
    public async Task HandleCommentAsync_RollbackCommand_RollsBackTheIssuesModelForAuthorizedUsersOnly()
    {
        var rollback = new RecordingRollback();
        var workflow = new IssueWorkflow(_h.Executor, Harness.Definition(), _local, _h.Links, _h.Authorizer,
            new Plugins.Requests.RequestParseOptions { DataRoot = _h.Dir.Path }, rollback: rollback);
        var empty = await _local.CreateIssueAsync("Nothing yet", Harness.RequestBody, CancellationToken.None);
        Assert.Equal(CommentOutcome.Invalid, await workflow.HandleCommentAsync(empty, Operator, "/rollback"));

        var issue = await _local.CreateIssueAsync("Train wine", Harness.RequestBody, CancellationToken.None);
        var id = (await workflow.StartAsync(issue, Operator, Harness.RequestBody))!;
        await _h.IdleAsync(id);
        await workflow.ApproveAsync(id, Operator);
        Assert.Equal(ExecutionStatus.Succeeded, (await _h.IdleAsync(id)).Summary.Status);

        Assert.Equal(CommentOutcome.Refused, await workflow.HandleCommentAsync(issue, "stranger", "/rollback v1.0.0"));
        Assert.Empty(rollback.Calls);
        Assert.Equal(CommentOutcome.Done, await workflow.HandleCommentAsync(issue, Operator, "/rollback v1.0.0"));

        Assert.Equal([("wine-classifier", (string?)"1.0.0")], rollback.Calls);
        Assert.Contains(_local.ReadComments(issue), c => c.Body.StartsWith("⏪ rolled wine-classifier back", StringComparison.Ordinal));
    }

    private sealed class RecordingRollback : IModelRollback
    {
        public List<(string Model, string? Version)> Calls { get; } = [];

        public Task<RollbackOutcome> RollbackAsync(string modelName, string? version, CancellationToken cancellationToken)
        {
            Calls.Add((modelName, version));
            return Task.FromResult(new RollbackOutcome(true, $"rolled {modelName} back to {version}"));
        }
    }

    [Fact]
    public async Task InvokeAsync_SameIdempotencyKeyTwice_PostsOneComment()
    {
        var issue = await _local.CreateIssueAsync("Train wine", Harness.RequestBody, CancellationToken.None);
        _h.Links.Link("exec-x", issue);
        var invoker = new IssueTaskInvoker(_h.Inner, _h.Links, _local, new GitHubOptions());
        var input = new JsonObject { ["context"] = new JsonObject { ["error"] = new JsonObject { ["Error"] = "States.TaskFailed", ["Cause"] = "boom" } } };
        const string resource = "arn:aws:lambda:us-east-1:000000000000:function:mlops-agent-notify_failure";

        var first = await invoker.InvokeAsync(resource, input, null, "exec-x/NotifyFailure/9/0", CancellationToken.None);
        var second = await invoker.InvokeAsync(resource, input, null, "exec-x/NotifyFailure/9/0", CancellationToken.None);

        Assert.Equal(first!.ToJsonString(), second!.ToJsonString());
        Assert.Single(_local.ReadComments(issue), c => c.Body.StartsWith("### ❌ Training did not complete", StringComparison.Ordinal) && c.Body.Contains("States.TaskFailed: boom", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleCommentAsync_RetrainWithAProposalThatNoLongerValidates_StartsNothingAndDropsIt()
    {
        var issue = await _local.CreateIssueAsync("Train wine", Harness.RequestBody, CancellationToken.None);
        _h.Links.SetProposal(issue, "task_type: telepathy");

        Assert.Equal(CommentOutcome.Invalid, await _h.Workflow.HandleCommentAsync(issue, Operator, "/retrain"));

        Assert.Empty(_h.Executor.ListExecutions());
        var comment = _local.ReadComments(issue)[^1].Body;
        Assert.Contains("no longer passes the validator", comment, StringComparison.Ordinal);
        Assert.Contains("task_type", comment, StringComparison.Ordinal);
        Assert.Null(_h.Links.GetProposal(issue));
    }
}
