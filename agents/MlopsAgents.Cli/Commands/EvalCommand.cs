using System.CommandLine;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Evals;
using MlopsAgents.Agents.Prompts;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Cli.Commands;

/// <summary>
/// <c>mlops eval [--suite S] [--provider P ...] [--replay DIR] [--record DIR] [--out DIR]</c>: runs the agent eval suites
/// against the deterministic baseline (always), and against a live provider or recorded transcripts; prints pass rates
/// per suite and writes eval-report.json and eval-report.md.
/// </summary>
internal static class EvalCommand
{
    public const string ApiKeyVariable = "MLOPS_LLM_API_KEY";

    public static Command Create()
    {
        var suite = new Option<string[]>("--suite") { Description = "Suite(s) to run: " + string.Join(", ", EvalSuiteNames.All) + " (default: all).", AllowMultipleArgumentsPerToken = true };
        var provider = new Option<string>("--provider") { Description = "none (default), openai-compatible or bedrock.", DefaultValueFactory = _ => LlmProviders.None };
        var model = new Option<string?>("--model") { Description = "Model id (e.g. llama3.1, or a Bedrock model id)." };
        var baseUrl = new Option<string?>("--base-url") { Description = "openai-compatible: endpoint root, e.g. http://127.0.0.1:11434/v1." };
        var apiKeyEnv = new Option<string>("--api-key-env") { Description = "openai-compatible: environment variable holding the API key.", DefaultValueFactory = _ => ApiKeyVariable };
        var region = new Option<string?>("--region") { Description = "bedrock: AWS region, e.g. us-east-1." };
        var bedrockApi = new Option<string>("--bedrock-api") { Description = "bedrock: openai (AWS_BEARER_TOKEN_BEDROCK) or converse (SigV4).", DefaultValueFactory = _ => LlmProviders.BedrockOpenAI };
        var replay = new Option<string?>("--replay") { Description = "Replay recorded transcripts (*.jsonl) from DIR instead of calling a provider." };
        var record = new Option<string?>("--record") { Description = "With a live provider: write its answers as transcripts (<suite>.jsonl) into DIR." };
        var output = new Option<string>("--out") { Description = "Where eval-report.json and eval-report.md go.", DefaultValueFactory = _ => "eval-report" };
        var evals = new Option<string?>("--evals") { Description = "Suite folder (default: the evals/ shipped with the binary)." };
        var command = new Command("eval", "Run the agent eval suites: the deterministic baseline always, plus a live provider or recorded transcripts.")
        {
            suite, provider, model, baseUrl, apiKeyEnv, region, bedrockApi, replay, record, output, evals,
        };
        command.SetAction(async (parse, ct) =>
        {
            var names = (parse.GetValue(suite) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var unknown = names.Where(n => !EvalSuiteNames.All.Contains(n)).ToList();
            if (unknown.Count > 0)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"--suite: '{string.Join(", ", unknown)}' is not a suite; allowed: {string.Join(", ", EvalSuiteNames.All)}");
            }

            var selected = names.Count == 0 ? EvalSuiteNames.All : names;
            var options = new LlmProviderOptions
            {
                Provider = parse.GetValue(provider)!,
                Model = parse.GetValue(model),
                BaseUrl = parse.GetValue(baseUrl),
                ApiKey = Environment.GetEnvironmentVariable(parse.GetValue(apiKeyEnv)!),
                Region = parse.GetValue(region),
                BedrockApi = parse.GetValue(bedrockApi)!,
            };
            var replayDir = parse.GetValue(replay);
            var recordDir = parse.GetValue(record);
            if (replayDir is not null && options.IsEnabled)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"--replay and --provider {options.Provider}: choose one; a replay answers from transcripts, not from a provider");
            }

            if (recordDir is not null && !options.IsEnabled)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, "--record needs a live provider (--provider openai-compatible or bedrock); there is nothing to record from the baseline");
            }

            IChatClient? live;
            EvalSuites suites;
            PromptCatalog prompts;
            TranscriptSet? transcripts = null;
            try
            {
                live = CliLlmProviders.Factory().Create(options);
                suites = EvalSuites.Load(parse.GetValue(evals) ?? EvalSuites.DefaultDirectory);
                prompts = PromptCatalog.Load();
                if (replayDir is not null)
                {
                    transcripts = TranscriptSet.Load(replayDir);
                }
            }
            catch (Exception ex) when (ex is LlmProviderConfigurationException or IOException or InvalidDataException)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, ex.Message);
            }

            // Plain-language requests name registered datasets; nothing is read from the data root during evals.
            var runner = new EvalRunner(suites, prompts, options, new RequestParseOptions { DataRoot = CliEnvironment.DataRoot });
            var runs = new List<EvalRun>
            {
                await runner.RunAsync("baseline (provider none)", "baseline", (_, _) => null, selected, ct),
            };
            if (transcripts is not null)
            {
                runs.Add(await runner.RunAsync($"replay ({Path.GetFileName(Path.TrimEndingDirectorySeparator(replayDir!))})", "replay", transcripts.ClientFor, selected, ct));
            }
            else if (live is not null)
            {
                var writers = new Dictionary<string, StreamWriter>(StringComparer.Ordinal);
                if (recordDir is not null)
                {
                    Directory.CreateDirectory(recordDir);
                }

                try
                {
                    IChatClient ForCase(string suiteName, string caseId)
                    {
                        if (recordDir is null)
                        {
                            return live;
                        }

                        if (!writers.TryGetValue(suiteName, out var writer))
                        {
                            writers[suiteName] = writer = new StreamWriter(Path.Combine(recordDir, suiteName + ".jsonl"), append: false, new UTF8Encoding(false));
                        }

                        return new TranscriptRecorder(live, writer, suiteName, caseId);
                    }

                    runs.Add(await runner.RunAsync($"{options.Provider} ({options.Model})", "live", ForCase, selected, ct));
                }
                finally
                {
                    foreach (var writer in writers.Values)
                    {
                        await writer.DisposeAsync();
                    }
                }
            }

            var report = new EvalReport(DateTimeOffset.UtcNow, "mlops " + string.Join(' ', parse.Tokens.Select(t => t.Value)), runs);
            var outDir = parse.GetValue(output)!;
            Directory.CreateDirectory(outDir);
            await WriteAtomicAsync(Path.Combine(outDir, "eval-report.json"), report.ToJson(), ct);
            await WriteAtomicAsync(Path.Combine(outDir, "eval-report.md"), report.ToMarkdown(), ct);
            foreach (var run in runs)
            {
                foreach (var s in run.Suites)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run.Label,-34} {s.Suite,-16} {s.Passed,3}/{s.Total,-3} {EvalReport.Percent(s.PassRate),7}"));
                }
            }

            Console.Error.WriteLine($"report: {Path.Combine(outDir, "eval-report.md")} and eval-report.json");
            return CliEnvironment.Ok;
        });
        return command;
    }

    private static async Task WriteAtomicAsync(string path, string text, CancellationToken ct)
    {
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, new UTF8Encoding(false), ct);
        File.Move(temp, path, overwrite: true);
    }
}
