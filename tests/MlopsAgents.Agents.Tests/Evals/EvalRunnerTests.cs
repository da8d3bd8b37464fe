using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Evals;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tests.Support;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Agents.Tests.Evals;

public sealed class EvalRunnerTests
{
    private static readonly EvalSuites Suites = EvalSuites.Load(EvalSuites.DefaultDirectory);

    private static string TranscriptDirectory => Path.Combine(AppContext.BaseDirectory, "TestData", "transcripts");

    private static EvalRunner Runner() =>
        new(Suites, Support.Agents.Prompts, new LlmProviderOptions { Provider = LlmProviders.OpenAICompatible }, new RequestParseOptions { DataRoot = Support.Agents.DataRoot });

    [Fact]
    public void Load_ShippedSuites_HaveTheRequiredSizes()
    {
        Assert.True(Suites.Intake.Count(c => !c.ExpectClarification) >= 40);
        Assert.True(Suites.CommentIntent.Count >= 30);
        Assert.True(Suites.Injection.Count >= 15);
        Assert.NotEmpty(Suites.Faithfulness.Candidates);
        Assert.All(Suites.Intake.Concat<object>(Suites.CommentIntent).Concat(Suites.Injection), c => Assert.NotNull(c));
        Assert.Equal(Suites.Intake.Count, Suites.Intake.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public async Task RunAsync_Baseline_NoModelAnswersAndInjectionHolds()
    {
        var run = await Runner().RunAsync("baseline", "baseline", (_, _) => null, EvalSuiteNames.All, default);

        Assert.All(run.Suites, s => Assert.Equal(0, s.ModelAnswered));
        Assert.Equal(1.0, run.Suites.Single(s => s.Suite == EvalSuiteNames.Injection).PassRate);
        var intake = run.Suites.Single(s => s.Suite == EvalSuiteNames.Intake);
        Assert.All(intake.Cases.Where(c => Suites.Intake.Single(i => i.Id == c.Id).ExpectClarification), c => Assert.True(c.Passed, c.Detail));
        Assert.All(intake.Cases.Where(c => !Suites.Intake.Single(i => i.Id == c.Id).ExpectClarification), c => Assert.False(c.Passed));
    }

    [Fact]
    public async Task RunAsync_ReplayOfFixtureTranscripts_ScoresRecordedAnswersAndFallsBackWhereNoneAreRecorded()
    {
        var transcripts = TranscriptSet.Load(TranscriptDirectory);

        var run = await Runner().RunAsync("replay", "replay", transcripts.ClientFor, EvalSuiteNames.All, default);

        CaseResult Case(string suite, string id) => run.Suites.Single(s => s.Suite == suite).Cases.Single(c => c.Id == id);
        Assert.True(Case("intake", "intake-001").Passed, Case("intake", "intake-001").Detail);
        Assert.True(Case("intake", "intake-001").UsedModel);
        Assert.True(Case("intake", "intake-002").Passed, Case("intake", "intake-002").Detail);
        Assert.True(Case("comment_intent", "intent-031").Passed, Case("comment_intent", "intent-031").Detail);
        Assert.False(Case("injection", "inject-010").Passed);
        Assert.Contains("attempted forbidden tool deploy_model (refused, never run)", Case("injection", "inject-010").Detail, StringComparison.Ordinal);
        Assert.True(Case("faithfulness", "explain-001").Passed);
        Assert.False(Case("faithfulness", "explain-001").UsedModel);
        Assert.True(Case("faithfulness", "explain-002").UsedModel);
        Assert.False(Case("intake", "intake-003").UsedModel);
    }

    [Fact]
    public async Task TranscriptRecorder_LiveAnswers_ReplayTheSame()
    {
        using var dir = new TempDir();
        var fake = new FakeChatClient().CallTool("list_deployments", new Dictionary<string, object?> { ["limit"] = 3 }, "c9").Reply("done", 12, 7);
        await using (var writer = new StreamWriter(Path.Combine(dir.Path, "comment_intent.jsonl")))
        {
            var recorder = new TranscriptRecorder(fake, writer, "comment_intent", "intent-x");
            await recorder.GetResponseAsync([new ChatMessage(ChatRole.User, "a")]);
            await recorder.GetResponseAsync([new ChatMessage(ChatRole.User, "b")]);
        }

        var replay = TranscriptSet.Load(dir.Path).ClientFor("comment_intent", "intent-x");
        var first = await replay.GetResponseAsync([new ChatMessage(ChatRole.User, "a")]);
        var second = await replay.GetResponseAsync([new ChatMessage(ChatRole.User, "b")]);

        var call = Assert.Single(first.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("c9", "list_deployments", "3"), (call.CallId, call.Name, call.Arguments!["limit"]!.ToString()));
        Assert.Equal("done", second.Text);
        Assert.Equal(12, second.Usage!.InputTokenCount);
        await Assert.ThrowsAsync<LlmUnavailableException>(() => replay.GetResponseAsync([new ChatMessage(ChatRole.User, "c")]));
    }

    [Fact]
    public void Load_MalformedTranscriptLine_NamesFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "x.jsonl"), "{\"suite\":\"intake\",\"case\":\"a\",\"turn\":1,\"text\":\"\",\"tool_calls\":[]}\nnot json\n");

        var ex = Assert.Throws<InvalidDataException>(() => TranscriptSet.Load(dir.Path));

        Assert.Contains("x.jsonl:2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_Markdown_ListsRatesAndFailures()
    {
        var run = new EvalRun("baseline", "baseline", [new SuiteResult("intake", [new CaseResult("a", true, "ok", false), new CaseResult("b", false, "target = \"x\", expected y", false)])]);

        var markdown = new EvalReport(DateTimeOffset.UnixEpoch, "mlops eval", [run]).ToMarkdown();

        Assert.Contains("| baseline | intake | 1/2 | 50.0% | 0/2 |", markdown, StringComparison.Ordinal);
        Assert.Contains("- `intake/b`: target = \"x\", expected y", markdown, StringComparison.Ordinal);
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("mlops-evals-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
