using System.Text.Json.Nodes;
using MlopsAgents.Aws.Http;

namespace MlopsAgents.Aws.StepFunctions;

/// <summary>What DescribeExecution says about an execution.</summary>
public sealed record ExecutionDescription(string ExecutionArn, string Status, string? Output, string? Error, string? Cause, DateTimeOffset? StartDate, DateTimeOffset? StopDate)
{
    /// <summary>The execution's name (the last part of its ARN).</summary>
    public string? Name { get; init; }

    /// <summary>The execution input as JSON text.</summary>
    public string? Input { get; init; }
}

/// <summary>One entry of ListExecutions.</summary>
public sealed record ExecutionListItem(string ExecutionArn, string Name, string Status, DateTimeOffset? StartDate, DateTimeOffset? StopDate);

/// <summary>One event of GetExecutionHistory: id, type, time and the event's detail object as AWS sent it.</summary>
public sealed record ExecutionHistoryEvent(long Id, string Type, DateTimeOffset Timestamp, long? PreviousEventId, JsonObject Detail);

/// <summary>
/// Step Functions operations for the workflow on AWS, built as the Step Functions API reference documents them
/// (awsJson1_0, X-Amz-Target AWSStepFunctions.&lt;Operation&gt;). The definition is the same
/// infra/statemachine/mlops-training.asl.json that the local executor runs.
/// </summary>
public sealed class StepFunctionsClient(AwsJsonClient client)
{
    private static readonly AwsService Service = AwsService.StepFunctions;

    /// <summary>CreateStateMachine (STANDARD type); returns the stateMachineArn.</summary>
    public async Task<string> CreateStateMachineAsync(string name, string definitionJson, string roleArn, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var response = await client.InvokeAsync(Service, "CreateStateMachine", new JsonObject
        {
            ["name"] = name,
            ["definition"] = ValidDefinition(definitionJson),
            ["roleArn"] = roleArn,
            ["type"] = "STANDARD",
        }, cancellationToken).ConfigureAwait(false);
        return Required(response, "stateMachineArn", "CreateStateMachine");
    }

    /// <summary>UpdateStateMachine with a new definition (and role); running executions keep the old one.</summary>
    public async Task UpdateStateMachineAsync(string stateMachineArn, string definitionJson, string? roleArn = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateMachineArn);
        var request = new JsonObject { ["stateMachineArn"] = stateMachineArn, ["definition"] = ValidDefinition(definitionJson) };
        if (roleArn is not null)
        {
            request["roleArn"] = roleArn;
        }

        await client.InvokeAsync(Service, "UpdateStateMachine", request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>StartExecution; the name makes the start idempotent (Step Functions refuses a second execution of that name).</summary>
    public async Task<string> StartExecutionAsync(string stateMachineArn, JsonObject input, string? executionName = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateMachineArn);
        ArgumentNullException.ThrowIfNull(input);
        var request = new JsonObject { ["stateMachineArn"] = stateMachineArn, ["input"] = input.ToJsonString() };
        if (executionName is not null)
        {
            request["name"] = executionName;
        }

        var response = await client.InvokeAsync(Service, "StartExecution", request, cancellationToken).ConfigureAwait(false);
        return Required(response, "executionArn", "StartExecution");
    }

    public async Task<ExecutionDescription> DescribeExecutionAsync(string executionArn, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionArn);
        var r = await client.InvokeAsync(Service, "DescribeExecution", new JsonObject { ["executionArn"] = executionArn }, cancellationToken).ConfigureAwait(false);
        return new ExecutionDescription(
            Required(r, "executionArn", "DescribeExecution"),
            Required(r, "status", "DescribeExecution"),
            r["output"]?.GetValue<string>(),
            r["error"]?.GetValue<string>(),
            r["cause"]?.GetValue<string>(),
            EpochSeconds(r["startDate"]),
            EpochSeconds(r["stopDate"]))
        {
            Name = r["name"]?.GetValue<string>(),
            Input = r["input"]?.GetValue<string>(),
        };
    }

    /// <summary>ListExecutions of a state machine, newest first as Step Functions lists them, following nextToken up to <paramref name="limit"/> items.</summary>
    /// <param name="statusFilter">RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE; null lists all.</param>
    public async Task<IReadOnlyList<ExecutionListItem>> ListExecutionsAsync(string stateMachineArn, string? statusFilter = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateMachineArn);
        var items = new List<ExecutionListItem>();
        string? nextToken = null;
        do
        {
            var request = new JsonObject { ["stateMachineArn"] = stateMachineArn, ["maxResults"] = Math.Clamp(limit - items.Count, 1, 1000) };
            if (statusFilter is not null)
            {
                request["statusFilter"] = statusFilter;
            }

            if (nextToken is not null)
            {
                request["nextToken"] = nextToken;
            }

            var r = await client.InvokeAsync(Service, "ListExecutions", request, cancellationToken).ConfigureAwait(false);
            foreach (var node in r["executions"]?.AsArray() ?? [])
            {
                items.Add(new ExecutionListItem(
                    node!["executionArn"]!.GetValue<string>(), node["name"]?.GetValue<string>() ?? "", node["status"]!.GetValue<string>(),
                    EpochSeconds(node["startDate"]), EpochSeconds(node["stopDate"])));
            }

            nextToken = r["nextToken"]?.GetValue<string>();
        }
        while (nextToken is not null && items.Count < limit);
        return items;
    }

    /// <summary>GetExecutionHistory, following nextToken until every event is read (oldest first).</summary>
    public async Task<IReadOnlyList<ExecutionHistoryEvent>> GetExecutionHistoryAsync(string executionArn, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionArn);
        var events = new List<ExecutionHistoryEvent>();
        string? nextToken = null;
        do
        {
            var request = new JsonObject { ["executionArn"] = executionArn, ["maxResults"] = 1000, ["reverseOrder"] = false };
            if (nextToken is not null)
            {
                request["nextToken"] = nextToken;
            }

            var r = await client.InvokeAsync(Service, "GetExecutionHistory", request, cancellationToken).ConfigureAwait(false);
            foreach (var node in r["events"]?.AsArray() ?? [])
            {
                var e = node!.AsObject();
                var type = e["type"]!.GetValue<string>();
                // The event's detail sits under a type-specific field, e.g. taskScheduledEventDetails.
                var detail = e.Where(p => p.Key.EndsWith("EventDetails", StringComparison.Ordinal)).Select(p => p.Value?.DeepClone() as JsonObject).FirstOrDefault() ?? [];
                events.Add(new ExecutionHistoryEvent(e["id"]!.GetValue<long>(), type, EpochSeconds(e["timestamp"]) ?? DateTimeOffset.MinValue, e["previousEventId"]?.GetValue<long>(), detail));
            }

            nextToken = r["nextToken"]?.GetValue<string>();
        }
        while (nextToken is not null);
        return events;
    }

    /// <summary>SendTaskSuccess: resumes a waitForTaskToken state with its output.</summary>
    public Task SendTaskSuccessAsync(string taskToken, JsonObject output, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskToken);
        ArgumentNullException.ThrowIfNull(output);
        return client.InvokeAsync(Service, "SendTaskSuccess", new JsonObject { ["taskToken"] = taskToken, ["output"] = output.ToJsonString() }, cancellationToken);
    }

    /// <summary>SendTaskFailure: fails a waitForTaskToken state with an error name the definition's Catch can match.</summary>
    public Task SendTaskFailureAsync(string taskToken, string error, string cause, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskToken);
        return client.InvokeAsync(Service, "SendTaskFailure", new JsonObject { ["taskToken"] = taskToken, ["error"] = error, ["cause"] = cause }, cancellationToken);
    }

    public Task StopExecutionAsync(string executionArn, string error, string cause, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionArn);
        return client.InvokeAsync(Service, "StopExecution", new JsonObject { ["executionArn"] = executionArn, ["error"] = error, ["cause"] = cause }, cancellationToken);
    }

    private static string ValidDefinition(string definitionJson)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(definitionJson);
        try
        {
            if (JsonNode.Parse(definitionJson) is not JsonObject root || root["StartAt"] is null || root["States"] is not JsonObject)
            {
                throw new ArgumentException("The state machine definition must be an Amazon States Language object with StartAt and States.", nameof(definitionJson));
            }
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException($"The state machine definition is not valid JSON: {e.Message}", nameof(definitionJson), e);
        }

        return definitionJson;
    }

    /// <summary>awsJson timestamps are epoch seconds with a fraction.</summary>
    internal static DateTimeOffset? EpochSeconds(JsonNode? node) =>
        node is null ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(node.GetValue<double>() * 1000));

    private static string Required(JsonObject response, string field, string operation) =>
        response[field]?.GetValue<string>() ?? throw new InvalidOperationException($"Step Functions {operation} answered without {field}.");
}
