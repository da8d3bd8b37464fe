using Microsoft.Extensions.AI;
using MlopsAgents.Agents;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tests.Support;
using MlopsAgents.Agents.Tools;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Agents.Tests.Providers;

public sealed class IssueUsageLedgerTests : IDisposable
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];
    private readonly string _dir = Directory.CreateTempSubdirectory("mlops-usage-").FullName;

    [Fact]
    public async Task ForIssue_SameIssueAcrossEventsAndRestarts_SharesOneBudget()
    {
        var options = new LlmProviderOptions { Provider = LlmProviders.OpenAICompatible, MaxTokensPerIssue = 200 };
        var fake = new FakeChatClient().Reply("intake", inputTokens: 60, outputTokens: 40).Reply("comment", inputTokens: 70, outputTokens: 40).Reply("other issue");

        // The intake event, then a comment handled by a new process (a new factory over the same ledger file).
        var intake = Factory(fake, options).ForIssue("octo/repo#7");
        await new BudgetChatClient(fake, intake.Budget).GetResponseAsync(Hello);
        var comment = Factory(fake, options).ForIssue("octo/repo#7");
        Assert.Equal(100, comment.Budget.TotalTokens);
        await new BudgetChatClient(fake, comment.Budget).GetResponseAsync(Hello);

        var results = Factory(fake, options).ForIssue("octo/repo#7");
        var spent = await Assert.ThrowsAsync<LlmBudgetExceededException>(() => new BudgetChatClient(fake, results.Budget).GetResponseAsync(Hello));
        Assert.Contains("210 of 200 tokens used in 2 model calls", spent.Message, StringComparison.Ordinal);

        // Another issue has its own budget; work for no issue starts fresh.
        var other = Factory(fake, options).ForIssue("octo/repo#8");
        Assert.Equal("other issue", (await new BudgetChatClient(fake, other.Budget).GetResponseAsync(Hello)).Text);
        Assert.Equal(0, Factory(fake, options).ForIssue().Budget.TotalTokens);
        Assert.Equal(3, fake.Calls.Count);
    }

    [Fact]
    public void Get_UnknownIssue_IsZero()
    {
        var ledger = new IssueUsageLedger(Path.Combine(_dir, "usage.db"));

        Assert.Equal((0L, 0L, 0), ledger.Get("octo/repo#1"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private AgentContextFactory Factory(IChatClient chat, LlmProviderOptions options) =>
        new(chat, NoTools.Instance, Support.Agents.Prompts, options, new RequestParseOptions { DataRoot = Support.Agents.DataRoot },
            ledger: new IssueUsageLedger(Path.Combine(_dir, "usage.db")));
}
