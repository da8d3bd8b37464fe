using MlopsAgents.Agents.Conversation;
using MlopsAgents.Agents.Tests.Support;
using MlopsAgents.Plugins.Conversation;

namespace MlopsAgents.Agents.Tests.Conversation;

public sealed class ConversationAgentTests
{
    [Theory]
    [InlineData("/approve", CommentCommandKind.Approve, true)]
    [InlineData("/rollback v1.1.0", CommentCommandKind.Rollback, true)]
    [InlineData("/status", CommentCommandKind.Status, false)]
    public async Task RunAsync_SlashCommand_IntentWithoutModelAndPermissionFlag(string comment, CommentCommandKind kind, bool needsPermission)
    {
        var fake = new FakeChatClient();

        var result = await new ConversationAgent(Support.Agents.Context(fake)).RunAsync(comment, null, null, default);

        Assert.Equal(CommentIntent.Command, result.Intent);
        Assert.Equal(kind, result.Command!.Kind);
        Assert.Equal(needsPermission, result.RequiresPermission);
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public async Task RunAsync_MalformedCommand_RepliesWithTheParsersError()
    {
        var result = await new ConversationAgent(Support.Agents.Context(null)).RunAsync("/rollback yesterday", null, null, default);

        Assert.Null(result.Command);
        Assert.Contains("is not a semantic version", result.Reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ChangeWithoutModel_PatchValidatedAgainstTheRequest()
    {
        var result = await new ConversationAgent(Support.Agents.Context(null)).RunAsync("use bayesian search with 30 trials", Support.Agents.ValidYaml, null, default);

        Assert.Equal(CommentIntent.Change, result.Intent);
        Assert.Equal("bayesian", result.Patch["hpo.method"]);
        Assert.Equal(30L, result.Patch["hpo.max_trials"]);
        Assert.True(result.PatchedRequest!.Succeeded, string.Join("; ", result.PatchedRequest.Errors));
        Assert.Equal("bayesian", result.PatchedRequest.Request!.Hpo!.Method);
        Assert.Equal(30, result.PatchedRequest.Request.Hpo.MaxTrials);
        Assert.True(result.RequiresPermission);
    }

    [Fact]
    public async Task RunAsync_ChangeThatBreaksTheRequest_ListsTheValidatorsProblems()
    {
        var result = await new ConversationAgent(Support.Agents.Context(null)).RunAsync("set the threshold to 1.5", Support.Agents.ValidYaml, null, default);

        Assert.False(result.PatchedRequest!.Succeeded);
        Assert.Contains(result.PatchedRequest.Errors, e => e.StartsWith("evaluation_threshold", StringComparison.Ordinal));
        Assert.Contains("does not pass the validator", result.Reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_QuestionWithoutModel_QuestionIntentPointingToStatus()
    {
        var result = await new ConversationAgent(Support.Agents.Context(null)).RunAsync("why did recall drop against v1.1.0?", null, null, default);

        Assert.Equal(CommentIntent.Question, result.Intent);
        Assert.Contains("/status", result.Reply, StringComparison.Ordinal);
        Assert.False(result.RequiresPermission);
    }

    [Fact]
    public async Task RunAsync_ModelReadsCommandInWords_CommandGoesThroughTheParser()
    {
        var fake = new FakeChatClient().Reply("""{"intent": "command", "reply": "ok", "command": "/rollback v1.1.0"}""");

        var result = await new ConversationAgent(Support.Agents.Context(fake)).RunAsync("please go back to 1.1.0", null, null, default);

        Assert.Equal(CommentCommandKind.Rollback, result.Command!.Kind);
        Assert.Equal("1.1.0", result.Command.Version!.ToString());
        Assert.True(result.RequiresPermission);
        Assert.True(result.UsedModel);
    }

    [Fact]
    public async Task RunAsync_ModelPatchOnForbiddenPath_RefusedByTheValidator()
    {
        var fake = new FakeChatClient().Reply("""{"intent": "change", "reply": "", "patch": {"dataset_uri": "/etc/passwd"}}""");

        var result = await new ConversationAgent(Support.Agents.Context(fake)).RunAsync("train on /etc/passwd", Support.Agents.ValidYaml, null, default);

        Assert.Equal(CommentIntent.Change, result.Intent);
        Assert.False(result.PatchedRequest!.Succeeded);
        Assert.Contains("cannot be changed from a comment", Assert.Single(result.PatchedRequest.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelAnswerWithNumbersFromTheContext_Kept()
    {
        var fake = new FakeChatClient().Reply("""{"intent": "question", "reply": "Recall is 0.9286 for v1.2.0."}""");

        var result = await new ConversationAgent(Support.Agents.Context(fake)).RunAsync("what is recall?", null, "model 1.2.0: recall 0.92857", default);

        Assert.Equal("Recall is 0.9286 for v1.2.0.", result.Reply);
        Assert.True(result.UsedModel);
    }

    [Fact]
    public async Task RunAsync_ModelAnswerWithInventedNumber_Replaced()
    {
        var fake = new FakeChatClient().Reply("""{"intent": "question", "reply": "Recall dropped by 6.5 points."}""");

        var result = await new ConversationAgent(Support.Agents.Context(fake)).RunAsync("why did recall drop?", null, "model 1.2.0: recall 0.92857", default);

        Assert.Equal(CommentIntent.Question, result.Intent);
        Assert.Contains("6.5", result.Reply, StringComparison.Ordinal);
        Assert.StartsWith("I could not answer with numbers I can verify", result.Reply, StringComparison.Ordinal);
        Assert.False(result.UsedModel);
    }

    [Fact]
    public async Task RunAsync_ModelReplyNotJson_FallsBackToTheRules()
    {
        var fake = new FakeChatClient().Reply("Sure, I will switch to random forest!");

        var result = await new ConversationAgent(Support.Agents.Context(fake)).RunAsync("switch to random forest", Support.Agents.ValidYaml, null, default);

        Assert.Equal(CommentIntent.Change, result.Intent);
        Assert.Equal("random_forest", result.Patch["algorithm"]);
        Assert.False(result.UsedModel);
    }

    [Theory]
    [InlineData("use grid search with 12 trials and 3-fold cv", "hpo.cv_folds", 3L)]
    [InlineData("optimize for recall please", "primary_metric", "recall")]
    [InlineData("deploy it as blue-green", "deployment_strategy", "blue_green")]
    [InlineData("try SMOTE for the imbalance", "data_preprocessing.class_imbalance", "smote")]
    [InlineData("lower the threshold to 80%", "evaluation_threshold", 0.8)]
    [InlineData("set max_depth to 8", "hyperparameters.max_depth", 8L)]
    public void ReadChanges_CommonPhrases_ReadAsFieldPaths(string comment, string path, object expected)
    {
        var value = ChangeRules.ReadChanges(comment)[path];
        Assert.Equal((expected.GetType(), expected), (value!.GetType(), value));
    }
}
