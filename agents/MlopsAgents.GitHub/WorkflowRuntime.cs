using Microsoft.Extensions.Logging;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.GitHub;

/// <summary>
/// Everything one process needs to drive issue executions, wired from MLOPS_HOME: the durable executor
/// (workflow/workflow.db), the link store (workflow/github.db), the issue host (GitHub with a token, else the local
/// issue source) and the issue workflow. The CLI commands, the poller and the webhook server all start from here.
/// </summary>
public sealed class WorkflowRuntime : IAsyncDisposable
{
    private readonly IAsyncDisposable? _ownedInner;
    private readonly IAsyncDisposable? _ownedAgentTools;

    private WorkflowRuntime(MlopsHome home, GitHubOptions options, IIssueHost host, IssueLinkStore links, StateMachineExecutor executor, IssueWorkflow workflow, IAsyncDisposable? ownedInner, IAsyncDisposable? ownedAgentTools)
    {
        _ownedAgentTools = ownedAgentTools;
        Home = home;
        Options = options;
        Host = host;
        Links = links;
        Executor = executor;
        Workflow = workflow;
        _ownedInner = ownedInner;
    }

    public MlopsHome Home { get; }

    public GitHubOptions Options { get; }

    public IIssueHost Host { get; }

    public IssueLinkStore Links { get; }

    public StateMachineExecutor Executor { get; }

    public IssueWorkflow Workflow { get; }

    /// <summary>The local issue source, when the runtime runs without GitHub.</summary>
    public LocalIssueHost? LocalHost => Host as LocalIssueHost;

    /// <summary>The shipped definition, read from the file next to the binaries, or from MLOPS_WORKFLOW_DEFINITION.</summary>
    public static AslDefinition LoadDefinition(string? path = null)
    {
        path ??= Environment.GetEnvironmentVariable("MLOPS_WORKFLOW_DEFINITION") is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "statemachine", "mlops-training.asl.json");
        return File.Exists(path)
            ? AslDefinition.Parse(File.ReadAllText(path))
            : throw new FileNotFoundException($"MLOPS_WORKFLOW_DEFINITION: '{path}' → an Amazon States Language file such as infra/statemachine/mlops-training.asl.json", path);
    }

    /// <summary>
    /// Wires the runtime. <paramref name="inner"/> runs the MCP steps (an <see cref="McpTaskInvoker"/> in production);
    /// when it is disposable and <paramref name="ownsInner"/> is true, disposing the runtime disposes it.
    /// <paramref name="agents"/> puts the LLM agents into the flow (null: the deterministic intake, replies and results);
    /// <paramref name="agentTools"/> is their MCP session, disposed with the runtime.
    /// </summary>
    public static WorkflowRuntime Create(
        MlopsHome home, string dataRoot, GitHubOptions options, ITaskInvoker inner, bool ownsInner = false, AslDefinition? definition = null,
        StateMachineOptions? executorOptions = null, ILoggerFactory? loggers = null, string? localOperator = null,
        Agents.IssueAgents? agents = null, IAsyncDisposable? agentTools = null)
    {
        ArgumentNullException.ThrowIfNull(home);
        ArgumentNullException.ThrowIfNull(inner);
        options = (options ?? throw new ArgumentNullException(nameof(options))).EnsureValid();
        var folder = Path.Combine(home.Root, "workflow");
        IIssueHost host = options.UsesGitHub ? new OctokitIssueHost(OctokitIssueHost.CreateClient(options)) : new LocalIssueHost(home, localOperator);
        var time = executorOptions?.TimeProvider ?? TimeProvider.System;
        var links = new IssueLinkStore(Path.Combine(folder, "github.db"), time);
        var executor = new StateMachineExecutor(
            Path.Combine(folder, "workflow.db"),
            new IssueTaskInvoker(inner, links, host, options, loggers?.CreateLogger<IssueTaskInvoker>(), agents?.Results, agents?.Proposal),
            executorOptions,
            loggers?.CreateLogger<StateMachineExecutor>());
        var workflow = new IssueWorkflow(
            executor, definition ?? LoadDefinition(), host, links, new CommenterAuthorizer(host, options, time),
            new RequestParseOptions { DataRoot = Path.GetFullPath(dataRoot) }, agents?.Responder ?? new DefaultCommentResponder(), loggers?.CreateLogger<IssueWorkflow>(),
            new RegistryModelRollback(new Plugins.MlopsContext(home, Path.GetFullPath(dataRoot))), agents?.Intake);
        return new WorkflowRuntime(home, options, host, links, executor, workflow, ownsInner ? inner as IAsyncDisposable : null, agentTools);
    }

    public async ValueTask DisposeAsync()
    {
        await Executor.DisposeAsync().ConfigureAwait(false);
        if (_ownedInner is not null)
        {
            await _ownedInner.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownedAgentTools is not null)
        {
            await _ownedAgentTools.DisposeAsync().ConfigureAwait(false);
        }
    }
}
