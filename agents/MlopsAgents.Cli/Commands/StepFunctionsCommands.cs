using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.Configuration;
using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.StepFunctions;
using MlopsAgents.GitHub;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Workflow.StateMachine;

namespace MlopsAgents.Cli.Commands;

/// <summary>
/// The workflow commands with MLOPS_WORKFLOW_BACKEND=stepfunctions: the same commands drive the state machine at
/// MLOPS_STATE_MACHINE_ARN instead of the local executor. Executions are named after the issue, so starting the same
/// issue twice reports the first execution instead of running it again.
/// </summary>
internal sealed partial class StepFunctionsCommands : IDisposable
{
    private static readonly string[] Statuses = ["running", "succeeded", "failed", "timed_out", "aborted", "pending_redrive"];
    private readonly HttpClient _http = new();
    private readonly StepFunctionsClient _client;
    private readonly StepFunctionsWorkflowService _workflow;

    private StepFunctionsCommands(AwsBackendOptions options)
    {
        _client = new StepFunctionsClient(AwsBackends.CreateJsonClient(options, _http));
        _workflow = new StepFunctionsWorkflowService(_client, options.StateMachineArn!);
    }

    /// <summary>The Step Functions backend when the settings select it; null keeps the local executor. Bad settings throw (exit 2).</summary>
    public static StepFunctionsCommands? Configured()
    {
        var options = AwsBackendOptions.FromEnvironment();
        return options.Workflow == WorkflowBackend.StepFunctions ? new StepFunctionsCommands(options) : null;
    }

    /// <summary>The execution name for an issue file: its name and a hash of its text, so the same issue maps to the same execution.</summary>
    public static string ExecutionName(string issuePath, string body) =>
        StepFunctionsWorkflowService.ExecutionNameFor(Path.GetFileNameWithoutExtension(issuePath), body);

    public async Task<int> StartAsync(string issuePath, CancellationToken ct)
    {
        var body = await File.ReadAllTextAsync(issuePath, ct);
        var parsed = TrainingRequestParser.Parse(Encoding.UTF8.GetBytes(body), new RequestParseOptions { DataRoot = CliEnvironment.DataRoot });
        if (!parsed.IsValid)
        {
            return CliEnvironment.Fail(CliEnvironment.InvalidInput, new RequestValidationException(parsed.Errors).Message);
        }

        var name = ExecutionName(issuePath, body);
        var input = WorkflowInput.Build(parsed.Request!, body, new JsonObject
        {
            ["issue"] = new JsonObject { ["file"] = Path.GetFileName(issuePath), ["requested_by"] = LocalIssueHost.LocalOperator },
        });
        return await CallAsync(null, async () =>
        {
            var started = await _workflow.StartOrFindAsync(name, input, ct);
            Console.WriteLine($"{started.ExecutionArn}\t{started.Status}\t{name}");
            Console.WriteLine(started.AlreadyExisted
                ? $"already started: this issue's execution exists, so it is not run twice (mlops executions describe {name})"
                : $"started on Step Functions: mlops executions describe {name}; when it waits for an answer: mlops approve {name}");
            return ExitCode(started.Status);
        });
    }

    public Task<int> ListAsync(string? status, CancellationToken ct)
    {
        if (status is not null && !Statuses.Contains(status.ToLowerInvariant()))
        {
            return Task.FromResult(CliEnvironment.Fail(CliEnvironment.InvalidInput, $"--status: '{status}' → on Step Functions one of {string.Join(", ", Statuses)}"));
        }

        return CallAsync(null, async () =>
        {
            var items = await _client.ListExecutionsAsync(_workflow.StateMachineArn, status?.ToUpperInvariant(), cancellationToken: ct);
            // Step Functions lists newest first; the local list is oldest first, and so is this one.
            foreach (var e in items.Reverse())
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.ExecutionArn}\t{e.Status}\t{e.Name}\t{e.StartDate:O}"));
            }

            return CliEnvironment.Ok;
        });
    }

    public Task<int> DescribeAsync(string id, CancellationToken ct) => CallAsync(id, async () =>
    {
        var arn = _workflow.ExecutionArn(id);
        var d = await _client.DescribeExecutionAsync(arn, ct);
        var history = await _client.GetExecutionHistoryAsync(arn, ct);
        var pending = d.Status == "RUNNING" ? StepFunctionsWorkflowService.FindPendingApproval(history) : null;
        var json = new JsonObject
        {
            ["execution_id"] = d.ExecutionArn,
            ["name"] = d.Name,
            ["status"] = d.Status,
            ["current_state"] = history.LastOrDefault(h => h.Type.EndsWith("StateEntered", StringComparison.Ordinal))?.Detail["name"]?.GetValue<string>(),
            ["waiting_for_answer"] = pending?.StateName,
            ["started_at"] = d.StartDate?.ToString("O", CultureInfo.InvariantCulture),
            ["ended_at"] = d.StopDate?.ToString("O", CultureInfo.InvariantCulture),
            ["error"] = d.Error,
            ["cause"] = d.Cause,
            ["input"] = d.Input is null ? null : JsonNode.Parse(d.Input),
            ["output"] = d.Output is null ? null : JsonNode.Parse(d.Output),
            ["history"] = new JsonArray([.. history.Select(h => (JsonNode?)new JsonObject
            {
                ["sequence"] = h.Id,
                ["type"] = h.Type,
                ["state"] = h.Detail["name"]?.GetValue<string>(),
                ["timestamp"] = h.Timestamp.ToString("O", CultureInfo.InvariantCulture),
            })]),
        };
        Console.WriteLine(json.ToJsonString(CliEnvironment.Json));
        return CliEnvironment.Ok;
    });

    public Task<int> StopAsync(string id, CancellationToken ct) => CallAsync(id, async () =>
    {
        var arn = _workflow.ExecutionArn(id);
        await _client.StopExecutionAsync(arn, "Mlops.Stopped", $"stopped by {LocalIssueHost.LocalOperator} with mlops executions stop", ct);
        Console.WriteLine($"{arn}\tABORTED");
        return CliEnvironment.Ok;
    });

    public Task<int> AnswerAsync(bool approve, string id, string user, string? reason, CancellationToken ct) => CallAsync(id, async () =>
    {
        var arn = _workflow.ExecutionArn(id);
        if (await _workflow.FindPendingApprovalAsync(arn, ct) is not { } pending)
        {
            return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"EXECUTION: '{id}' → an execution waiting for an answer (none of its states waits for one; see `mlops executions describe {id}`)");
        }

        if (approve)
        {
            await _workflow.ApproveAsync(pending, user, reason, ct);
        }
        else
        {
            await _workflow.RejectAsync(pending, user, reason ?? "rejected from the command line", ct);
        }

        Console.WriteLine($"{(approve ? "approved" : "rejected")} {pending.StateName} as {user}");
        var d = await _client.DescribeExecutionAsync(arn, ct);
        Console.WriteLine($"{d.ExecutionArn}\t{d.Status}\t{d.Name}");
        // A reject is meant to stop the run, so its failed end is the command's success.
        return approve ? ExitCode(d.Status) : CliEnvironment.Ok;
    });

    public void Dispose() => _http.Dispose();

    private static int ExitCode(string status) => status is "FAILED" or "ABORTED" or "TIMED_OUT" ? 1 : CliEnvironment.Ok;

    /// <summary>AWS answers the user can act on become one line: a missing execution is bad input (2), the rest exit 1.</summary>
    private static async Task<int> CallAsync(string? id, Func<Task<int>> call)
    {
        try
        {
            return await call();
        }
        catch (ArgumentException e) when (id is not null)
        {
            return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"EXECUTION: '{id}' → an execution ARN or name ({e.Message})");
        }
        catch (AwsServiceException e) when (id is not null && e.Kind == AwsErrorKind.NotFound)
        {
            return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"EXECUTION: '{id}' → an execution of MLOPS_STATE_MACHINE_ARN (see `mlops executions list`): {e.AwsMessage}");
        }
        catch (AwsServiceException e)
        {
            return CliEnvironment.Fail(1, e.Message);
        }
        catch (HttpRequestException e)
        {
            return CliEnvironment.Fail(1, e.Message);
        }
    }
}
