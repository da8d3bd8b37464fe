using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.AI;
using MlopsAgents.Agents;
using MlopsAgents.Aws.Configuration;
using MlopsAgents.Agents.Prompts;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tools;
using MlopsAgents.GitHub;
using MlopsAgents.GitHub.Agents;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.GitHub.Webhooks;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.Cli.Commands;

/// <summary>
/// The state machine from the command line: <c>mlops workflow start ISSUE.md</c>, <c>mlops executions list|describe|stop</c>,
/// <c>mlops approve|reject EXECUTION</c>, <c>mlops watch --repo owner/name</c> and <c>mlops webhook --port N</c>. Without
/// GITHUB_TOKEN the issue is a local one (MLOPS_HOME/issues) and approvals come from this command line.
/// </summary>
internal static class WorkflowCommands
{
    public const string McpCommandVariable = "MLOPS_MCP_COMMAND";

    public static IEnumerable<Command> Create() => [Workflow(), Executions(), Answer(approve: true), Answer(approve: false), Watch(), Webhook()];

    private static Command Workflow()
    {
        var issue = new Argument<string>("ISSUE") { Description = "Markdown issue body with the training request (a ```yaml block or plain YAML)." };
        var start = new Command("start", "File the issue in the local issue source and start the workflow; it runs until it waits for approval or ends.") { issue };
        start.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(issue)!;
            if (!File.Exists(path))
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"ISSUE: '{path}' → an existing Markdown file");
            }

            using (var stepFunctions = StepFunctionsCommands.Configured())
            {
                if (stepFunctions is not null)
                {
                    return await stepFunctions.StartAsync(path, ct);
                }
            }

            var body = await File.ReadAllTextAsync(path, ct);
            if (Llm(out var llmError) is not { } llm)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, llmError);
            }

            await using var runtime = await RuntimeAsync(GitHubOptions.FromEnvironment() with { Token = null }, llm, ct);
            var local = runtime.LocalHost!;
            var title = body.Split('\n').Select(l => l.Trim().TrimStart('#').Trim()).FirstOrDefault(l => l.Length > 0) ?? Path.GetFileNameWithoutExtension(path);
            var issueRef = await local.CreateIssueAsync(title, body, ct);
            var id = await runtime.Workflow.StartAsync(issueRef, LocalIssueHost.LocalOperator, body, ct);
            if (id is null)
            {
                Console.Error.WriteLine(local.ReadComments(issueRef).LastOrDefault()?.Body);
                return CliEnvironment.InvalidInput;
            }

            return await ReportAsync(runtime, id, ct);
        });
        return new Command("workflow", "Run the ASL training workflow locally and durably.") { start };
    }

    private static Command Executions()
    {
        var status = new Option<string?>("--status") { Description = "Only executions in this status: queued, running, waiting, succeeded, failed or aborted." };
        var list = new Command("list", "List executions, oldest first.") { status };
        list.SetAction(async (parse, ct) =>
        {
            using (var stepFunctions = StepFunctionsCommands.Configured())
            {
                if (stepFunctions is not null)
                {
                    return await stepFunctions.ListAsync(parse.GetValue(status), ct);
                }
            }

            ExecutionStatus? filter = null;
            if (parse.GetValue(status) is { } text)
            {
                if (!Enum.TryParse<ExecutionStatus>(text, ignoreCase: true, out var parsed) || int.TryParse(text, out _))
                {
                    return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"--status: '{text}' → one of {string.Join(", ", Enum.GetNames<ExecutionStatus>().Select(n => n.ToLowerInvariant()))}");
                }

                filter = parsed;
            }

            using var executor = ReadOnlyExecutor();
            foreach (var e in executor.Executor.ListExecutions(filter))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.ExecutionId}\t{e.Status.ToString().ToUpperInvariant()}\t{e.CurrentState}\t{e.StartedAt:O}"));
            }

            return CliEnvironment.Ok;
        });

        var describeId = new Argument<string>("ID") { Description = "Execution id." };
        var describe = new Command("describe", "Show an execution with its input, output or error, and full history, as JSON.") { describeId };
        describe.SetAction(async (parse, ct) =>
        {
            using (var stepFunctions = StepFunctionsCommands.Configured())
            {
                if (stepFunctions is not null)
                {
                    return await stepFunctions.DescribeAsync(parse.GetValue(describeId)!, ct);
                }
            }

            using var executor = ReadOnlyExecutor();
            var d = executor.Executor.DescribeExecution(parse.GetValue(describeId)!);
            if (d is null)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"ID: '{parse.GetValue(describeId)}' → an execution id from `mlops executions list`");
            }

            var json = new JsonObject
            {
                ["execution_id"] = d.Summary.ExecutionId,
                ["status"] = d.Summary.Status.ToString().ToUpperInvariant(),
                ["current_state"] = d.Summary.CurrentState,
                ["started_at"] = d.Summary.StartedAt.ToString("O", CultureInfo.InvariantCulture),
                ["ended_at"] = d.Summary.EndedAt?.ToString("O", CultureInfo.InvariantCulture),
                ["error"] = d.Error,
                ["cause"] = d.Cause,
                ["input"] = d.Input?.DeepClone(),
                ["output"] = d.Output?.DeepClone(),
                ["history"] = new JsonArray([.. d.History.Select(h => (JsonNode?)new JsonObject
                {
                    ["sequence"] = h.Sequence,
                    ["type"] = h.Type,
                    ["state"] = h.State,
                    ["timestamp"] = h.Timestamp.ToString("O", CultureInfo.InvariantCulture),
                    ["data"] = h.Data?.DeepClone(),
                })]),
            };
            Console.WriteLine(json.ToJsonString(CliEnvironment.Json));
            return CliEnvironment.Ok;
        });

        var stopId = new Argument<string>("ID") { Description = "Execution id." };
        var stop = new Command("stop", "Abort an execution that has not finished; its pending approval is cancelled.") { stopId };
        stop.SetAction(async (parse, ct) =>
        {
            using (var stepFunctions = StepFunctionsCommands.Configured())
            {
                if (stepFunctions is not null)
                {
                    return await stepFunctions.StopAsync(parse.GetValue(stopId)!, ct);
                }
            }

            using var executor = ReadOnlyExecutor();
            return executor.Executor.StopExecution(parse.GetValue(stopId)!)
                ? CliEnvironment.Ok
                : CliEnvironment.Fail(CliEnvironment.InvalidInput, $"ID: '{parse.GetValue(stopId)}' → an execution that exists and has not finished");
        });

        return new Command("executions", "List, describe and stop workflow executions.") { list, describe, stop };
    }

    private static Command Answer(bool approve)
    {
        var id = new Argument<string>("EXECUTION") { Description = "Execution id (printed by `mlops workflow start`, listed by `mlops executions list`)." };
        var user = new Option<string?>("--user") { Description = "Who answers; default the OS user (the local issue source's operator). With GITHUB_TOKEN, a GitHub login whose permission is checked." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded on the issue)." };
        var command = approve
            ? new Command("approve", "Approve the plan an execution waits on, or answer its retrain question with retrain.") { id, user }
            : new Command("reject", "Reject what an execution waits on; it stops and rolls back what it deployed.") { id, user, reason };
        command.SetAction(async (parse, ct) =>
        {
            using (var stepFunctions = StepFunctionsCommands.Configured())
            {
                if (stepFunctions is not null)
                {
                    return await stepFunctions.AnswerAsync(approve, parse.GetValue(id)!, parse.GetValue(user) ?? LocalIssueHost.LocalOperator, approve ? null : parse.GetValue(reason), ct);
                }
            }

            if (Llm(out var llmError) is not { } llm)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, llmError);
            }

            await using var runtime = await RuntimeAsync(GitHubOptions.FromEnvironment(), llm, ct);
            runtime.Executor.ResumeAll();
            var executionId = parse.GetValue(id)!;
            var who = parse.GetValue(user) ?? LocalIssueHost.LocalOperator;
            CommentOutcome outcome;
            try
            {
                outcome = approve
                    ? await runtime.Workflow.ApproveAsync(executionId, who, ct)
                    : await runtime.Workflow.RejectAsync(executionId, who, parse.GetValue(reason), ct);
            }
            catch (ArgumentException e)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }

            if (outcome != CommentOutcome.Done)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, outcome == CommentOutcome.Refused
                    ? $"--user: '{who}' → someone with write, maintain or admin permission, or on MLOPS_ALLOWED_USERS"
                    : $"EXECUTION: '{executionId}' → an execution waiting for an answer (see `mlops executions list --status waiting`)");
            }

            // A reject is meant to stop the run, so its failed end is the command's success.
            var code = await ReportAsync(runtime, executionId, ct);
            return approve ? code : CliEnvironment.Ok;
        });
        return command;
    }

    private static Command Watch()
    {
        var repo = new Option<string>("--repo") { Description = "The repository to watch, owner/name.", Required = true };
        var interval = new Option<int>("--interval") { Description = "Seconds between polls.", DefaultValueFactory = _ => 30 };
        var once = new Option<bool>("--once") { Description = "Poll once and exit." };
        var command = new Command("watch", "Poll a GitHub repository for labelled issues, commands and 👍 approvals (needs GITHUB_TOKEN); the alternative to a public webhook URL.") { repo, interval, once };
        command.SetAction(async (parse, ct) =>
        {
            if (LocalExecutorOnly("watch") is { } refused)
            {
                return refused;
            }

            var options = GitHubOptions.FromEnvironment();
            if (!options.UsesGitHub)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"{GitHubOptions.TokenVariable}: '' → a GitHub token with issues and contents write access; without one use `mlops workflow start`");
            }

            if (parse.GetValue(interval) is var seconds and (< 5 or > 3600))
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, string.Create(CultureInfo.InvariantCulture, $"--interval: '{seconds}' → between 5 and 3600 seconds"));
            }

            try
            {
                GitHubOptions.SplitRepository(parse.GetValue(repo)!);
            }
            catch (ArgumentException e)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, "--" + e.Message);
            }

            if (Llm(out var llmError) is not { } llm)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, llmError);
            }

            await using var runtime = await RuntimeAsync(options, llm, ct);
            runtime.Executor.ResumeAll();
            var poller = new IssuePoller(OctokitIssueHost.CreateClient(options), parse.GetValue(repo)!, runtime.Workflow, runtime.Links, options);
            if (parse.GetValue(once))
            {
                var result = await poller.PollOnceAsync(ct);
                Console.WriteLine($"started {result.Started}, comments {result.Comments}, reactions {result.Reactions}");
                return CliEnvironment.Ok;
            }

            Console.Error.WriteLine($"watching {parse.GetValue(repo)} every {parse.GetValue(interval)} s (Ctrl+C stops)");
            try
            {
                await poller.RunAsync(TimeSpan.FromSeconds(parse.GetValue(interval)), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: executions stay durable in MLOPS_HOME and resume on the next start.
            }

            return CliEnvironment.Ok;
        });
        return command;
    }

    private static Command Webhook()
    {
        var port = new Option<int>("--port") { Description = "Port to listen on.", DefaultValueFactory = _ => 8090 };
        var host = new Option<string>("--host") { Description = "Address to listen on; put a proxy with TLS in front for GitHub.", DefaultValueFactory = _ => "127.0.0.1" };
        var command = new Command("webhook", $"Receive GitHub webhooks at {WebhookEndpoint.DefaultPath} (needs GITHUB_WEBHOOK_SECRET; GITHUB_TOKEN to answer on GitHub).") { port, host };
        command.SetAction(async (parse, ct) =>
        {
            if (LocalExecutorOnly("webhook") is { } refused)
            {
                return refused;
            }

            var options = GitHubOptions.FromEnvironment();
            if (string.IsNullOrEmpty(options.WebhookSecret))
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"{GitHubOptions.WebhookSecretVariable}: '' → the secret the webhook was created with; unsigned deliveries are never accepted");
            }

            if (parse.GetValue(port) is var p and (< 0 or > 65535))
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, string.Create(CultureInfo.InvariantCulture, $"--port: '{p}' → 0 to 65535"));
            }

            if (Llm(out var llmError) is not { } llm)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, llmError);
            }

            await using var runtime = await RuntimeAsync(options, llm, ct);
            runtime.Executor.ResumeAll();
            await using var app = WebhookEndpoint.Build(options, runtime.Workflow, runtime.Links, parse.GetValue(host)!, parse.GetValue(port));
            await app.StartAsync(ct);
            Console.Error.WriteLine($"receiving webhooks on {string.Join(", ", app.Urls)}{WebhookEndpoint.DefaultPath} (Ctrl+C stops)");
            try
            {
                // Ends on Ctrl+C (the command's token) or SIGTERM (the host's lifetime), whichever comes first.
                await app.WaitForShutdownAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await app.StopAsync(CancellationToken.None);
            }

            return CliEnvironment.Ok;
        });
        return command;
    }

    /// <summary>
    /// watch and webhook run executions on the local executor; with Step Functions selected they refuse rather than run a
    /// second, local workflow beside the one on AWS.
    /// </summary>
    private static int? LocalExecutorOnly(string command) =>
        AwsBackendOptions.FromEnvironment().Workflow == WorkflowBackend.StepFunctions
            ? CliEnvironment.Fail(CliEnvironment.InvalidInput,
                $"MLOPS_WORKFLOW_BACKEND='stepfunctions' → `mlops {command}` runs executions on the local executor only; on Step Functions start them with `mlops workflow start ISSUE.md` and answer with `mlops approve|reject EXECUTION`, or unset MLOPS_WORKFLOW_BACKEND")
            : null;

    private static async Task<int> ReportAsync(WorkflowRuntime runtime, string id, CancellationToken ct)
    {
        await runtime.Executor.WaitForIdleAsync(id, ct);
        var d = runtime.Executor.DescribeExecution(id)!;
        Console.WriteLine($"{id}\t{d.Summary.Status.ToString().ToUpperInvariant()}\t{d.Summary.CurrentState}");
        if (d.Summary.Status == ExecutionStatus.Waiting)
        {
            Console.WriteLine($"waiting for an answer: mlops approve {id}   (or: mlops reject {id} --reason \"...\")");
        }

        return d.Summary.Status switch
        {
            ExecutionStatus.Failed or ExecutionStatus.Aborted => 1,
            _ => CliEnvironment.Ok,
        };
    }

    /// <summary>The agents' provider, from MLOPS_LLM_*: <see cref="LlmSetup.Client"/> is null for provider none.</summary>
    private sealed record LlmSetup(LlmProviderOptions Options, IChatClient? Client);

    /// <summary>Reads and checks the provider settings before any process starts; a bad one is bad input with its message.</summary>
    private static LlmSetup? Llm(out string error)
    {
        var options = LlmProviderOptions.FromEnvironment(Environment.GetEnvironmentVariable);
        try
        {
            error = "";
            return new LlmSetup(options, CliLlmProviders.Factory().Create(options));
        }
        catch (LlmProviderConfigurationException ex)
        {
            error = "MLOPS_LLM_*: " + ex.Message;
            return null;
        }
    }

    private static async Task<WorkflowRuntime> RuntimeAsync(GitHubOptions options, LlmSetup llm, CancellationToken ct)
    {
        var home = CliEnvironment.Home;
        var (command, prefix) = McpCommand();
        var environment = new Dictionary<string, string?> { ["MLOPS_HOME"] = home.Root, [CliEnvironment.DataRootVariable] = CliEnvironment.DataRoot };
        McpTaskInvoker inner;
        try
        {
            inner = await McpTaskInvoker.StartStdioAsync(command, [.. prefix, "--transport", "stdio", "--allow-write"], environment, ct);
        }
        catch (IOException e)
        {
            throw new CliException(
                $"could not start the MCP server the workflow's Task states call ('{string.Join(' ', [command, .. prefix])}': {e.InnerException?.Message ?? e.Message}). " +
                $"Build it (dotnet build MlopsAgents.sln) or set {McpCommandVariable}, e.g. {McpCommandVariable}=\"dotnet McpServer/MlopsAgents.McpServer/bin/Debug/net10.0/linux-x64/mlops-mcp.dll\".", e);
        }

        McpToolSource? tools = null;
        try
        {
            IssueAgents? agents = null;
            if (llm.Client is { } provider)
            {
                // A second, read-only session for the agents: they look things up; only the workflow's own steps write.
                tools = await McpToolSource.ConnectStdioAsync(command, [.. prefix, "--transport", "stdio"], environment, ct);
                // The budget is per issue across events and processes: usage is kept beside the workflow's state.
                agents = IssueAgents.Create(new AgentContextFactory(
                    provider, tools, PromptCatalog.Load(), llm.Options, new RequestParseOptions { DataRoot = Path.GetFullPath(CliEnvironment.DataRoot) },
                    ledger: new IssueUsageLedger(Path.Combine(home.Root, "workflow", "agent-usage.db"))));
            }

            return WorkflowRuntime.Create(home, CliEnvironment.DataRoot, options, inner, ownsInner: true, agents: agents, agentTools: tools);
        }
        catch (Exception)
        {
            // The runtime never took ownership, so the started servers are stopped here before the error goes on.
            if (tools is not null)
            {
                await tools.DisposeAsync();
            }

            await inner.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// How to start mlops-mcp: MLOPS_MCP_COMMAND, else the build next to this binary, else the source tree's build of the
    /// same configuration (the CLI project builds it), else mlops-mcp on PATH. `mlops serve`'s retraining launcher uses it too.
    /// </summary>
    internal static (string Command, string[] Prefix) McpCommand()
    {
        if (Environment.GetEnvironmentVariable(McpCommandVariable) is { Length: > 0 } configured)
        {
            var parts = configured.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (parts[0], parts[1..]);
        }

        var sibling = Path.Combine(AppContext.BaseDirectory, "mlops-mcp.dll");
        if (File.Exists(sibling))
        {
            return ("dotnet", [sibling]);
        }

        // bin/<Configuration>/net10.0/linux-x64/ of agents/MlopsAgents.Cli → the same folder of McpServer/MlopsAgents.McpServer.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var project = output.Parent?.Parent?.Parent?.Parent;
        if (output.Parent?.Parent is { } configuration && project?.Parent?.Parent is { } root)
        {
            var built = Path.Combine(root.FullName, "McpServer", "MlopsAgents.McpServer", "bin", configuration.Name, output.Parent.Name, output.Name, "mlops-mcp.dll");
            if (File.Exists(built))
            {
                return ("dotnet", [built]);
            }
        }

        return ("mlops-mcp", []);
    }

    /// <summary>The executor alone, for commands that only read or stop (no MCP server needed).</summary>
    private static ExecutorScope ReadOnlyExecutor() =>
        new(new StateMachineExecutor(Path.Combine(CliEnvironment.Home.Root, "workflow", "workflow.db"), new NoTasks()));

    private sealed class ExecutorScope(StateMachineExecutor executor) : IDisposable
    {
        public StateMachineExecutor Executor { get; } = executor;

        public void Dispose() => Executor.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    // list/describe/stop never resume an execution, so no Task ever reaches this invoker.
    private sealed class NoTasks : ITaskInvoker
    {
        public Task<JsonNode?> InvokeAsync(string resource, JsonNode? input, string? taskToken, string idempotencyKey, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("This command does not run tasks.");
    }
}
