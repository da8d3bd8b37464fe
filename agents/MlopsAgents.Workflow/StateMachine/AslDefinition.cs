using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MlopsAgents.Workflow.StateMachine;

/// <summary>A parsed Amazon States Language definition: the subset the local executor runs.</summary>
public sealed class AslDefinition
{
    private static readonly HashSet<string> SupportedTypes = ["Task", "Choice", "Pass", "Wait", "Succeed", "Fail"];

    private AslDefinition(string json, string startAt, IReadOnlyDictionary<string, AslState> states)
    {
        Json = json;
        StartAt = startAt;
        States = states;
        Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>The definition text as given.</summary>
    public string Json { get; }

    /// <summary>SHA-256 of <see cref="Json"/>, the key under which executions remember their definition.</summary>
    public string Hash { get; }

    public string StartAt { get; }

    public IReadOnlyDictionary<string, AslState> States { get; }

    /// <summary>Parses and checks a definition; throws <see cref="FormatException"/> naming the state at fault.</summary>
    public static AslDefinition Parse(string json)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(json);
        var root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("An ASL definition is a JSON object.");
        var startAt = root["StartAt"]?.GetValue<string>() ?? throw new FormatException("The definition has no StartAt.");
        var statesNode = root["States"] as JsonObject ?? throw new FormatException("The definition has no States object.");
        var states = new Dictionary<string, AslState>(StringComparer.Ordinal);
        foreach (var (name, node) in statesNode)
        {
            states[name] = ParseState(name, node as JsonObject ?? throw new FormatException($"State '{name}' is not an object."));
        }

        if (!states.ContainsKey(startAt))
        {
            throw new FormatException($"StartAt names '{startAt}', which is not a state.");
        }

        foreach (var state in states.Values)
        {
            foreach (var target in state.Targets())
            {
                if (!states.ContainsKey(target))
                {
                    throw new FormatException($"State '{state.Name}' goes to '{target}', which is not a state.");
                }
            }
        }

        return new AslDefinition(json, startAt, states);
    }

    /// <summary>The states reachable from StartAt, in breadth-first order.</summary>
    public IReadOnlyList<string> ReachableStates()
    {
        var seen = new List<string> { StartAt };
        var queue = new Queue<string>(seen);
        while (queue.TryDequeue(out var name))
        {
            foreach (var next in States[name].Targets())
            {
                if (!seen.Contains(next))
                {
                    seen.Add(next);
                    queue.Enqueue(next);
                }
            }
        }

        return seen;
    }

    private static AslState ParseState(string name, JsonObject o)
    {
        var type = o["Type"]?.GetValue<string>() ?? throw new FormatException($"State '{name}' has no Type.");
        if (!SupportedTypes.Contains(type))
        {
            throw new FormatException($"State '{name}' has Type '{type}', which the local executor does not run.");
        }

        var next = o["Next"]?.GetValue<string>();
        var end = o["End"]?.GetValue<bool>() ?? false;
        if (type is "Task" or "Pass" or "Wait" && next is null == !end)
        {
            throw new FormatException($"State '{name}' needs exactly one of Next and End.");
        }

        if (type == "Task" && o["Resource"] is null)
        {
            throw new FormatException($"Task state '{name}' has no Resource.");
        }

        if (type == "Choice" && o["Choices"] is not JsonArray { Count: > 0 })
        {
            throw new FormatException($"Choice state '{name}' has no Choices.");
        }

        return new AslState
        {
            Name = name,
            Type = type,
            Next = next,
            End = end,
            Resource = o["Resource"]?.GetValue<string>(),
            InputPath = PathOrDefault(o, "InputPath"),
            OutputPath = PathOrDefault(o, "OutputPath"),
            ResultPath = PathOrDefault(o, "ResultPath"),
            Parameters = o["Parameters"]?.DeepClone(),
            ResultSelector = o["ResultSelector"]?.DeepClone(),
            Result = o["Result"]?.DeepClone(),
            Seconds = o["Seconds"]?.GetValue<double>(),
            TimeoutSeconds = o["TimeoutSeconds"]?.GetValue<double>(),
            HeartbeatSeconds = o["HeartbeatSeconds"]?.GetValue<double>(),
            Error = o["Error"]?.GetValue<string>(),
            Cause = o["Cause"]?.GetValue<string>(),
            Choices = (o["Choices"] as JsonArray)?.Select(c => (JsonObject)c!.DeepClone()).ToList() ?? [],
            Default = o["Default"]?.GetValue<string>(),
            Retry = (o["Retry"] as JsonArray)?.Select(r => new AslRetrier(
                Strings(r!["ErrorEquals"]),
                r["IntervalSeconds"]?.GetValue<double>() ?? 1,
                r["MaxAttempts"]?.GetValue<int>() ?? 3,
                r["BackoffRate"]?.GetValue<double>() ?? 2)).ToList() ?? [],
            Catch = (o["Catch"] as JsonArray)?.Select(c => new AslCatcher(
                Strings(c!["ErrorEquals"]),
                c["Next"]?.GetValue<string>() ?? throw new FormatException($"A Catch of state '{name}' has no Next."),
                PathOrDefault((JsonObject)c, "ResultPath"))).ToList() ?? [],
        };
    }

    // ASL distinguishes a missing path ("$", the default) from an explicit null (discard / empty object).
    private static string? PathOrDefault(JsonObject o, string key) =>
        o.TryGetPropertyValue(key, out var value) ? value?.GetValue<string>() : "$";

    private static List<string> Strings(JsonNode? node) =>
        (node as JsonArray)?.Select(n => n!.GetValue<string>()).ToList() ?? throw new FormatException("ErrorEquals must be an array of error names.");
}

/// <summary>One state of a definition; which members apply depends on <see cref="Type"/>.</summary>
public sealed record AslState
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    public string? Next { get; init; }

    public bool End { get; init; }

    public string? Resource { get; init; }

    public string? InputPath { get; init; } = "$";

    public string? OutputPath { get; init; } = "$";

    public string? ResultPath { get; init; } = "$";

    public JsonNode? Parameters { get; init; }

    public JsonNode? ResultSelector { get; init; }

    public JsonNode? Result { get; init; }

    public double? Seconds { get; init; }

    public double? TimeoutSeconds { get; init; }

    /// <summary>For a Task: the longest gap between heartbeats (<c>SendTaskHeartbeat</c>) before it fails with States.Timeout.</summary>
    public double? HeartbeatSeconds { get; init; }

    public string? Error { get; init; }

    public string? Cause { get; init; }

    public IReadOnlyList<JsonObject> Choices { get; init; } = [];

    public string? Default { get; init; }

    public IReadOnlyList<AslRetrier> Retry { get; init; } = [];

    public IReadOnlyList<AslCatcher> Catch { get; init; } = [];

    /// <summary>True for a Task whose Resource ends in <c>.waitForTaskToken</c>: it pauses until a token is completed.</summary>
    public bool WaitsForTaskToken => Resource?.EndsWith(".waitForTaskToken", StringComparison.Ordinal) == true;

    /// <summary>Every state this one can go to.</summary>
    public IEnumerable<string> Targets()
    {
        if (Next is not null)
        {
            yield return Next;
        }

        if (Default is not null)
        {
            yield return Default;
        }

        foreach (var choice in Choices)
        {
            if (choice["Next"]?.GetValue<string>() is { } n)
            {
                yield return n;
            }
        }

        foreach (var c in Catch)
        {
            yield return c.Next;
        }
    }
}

/// <summary>A Retry entry: which errors it retries, how often and how far apart.</summary>
public sealed record AslRetrier(IReadOnlyList<string> ErrorEquals, double IntervalSeconds, int MaxAttempts, double BackoffRate);

/// <summary>A Catch entry: which errors it handles, where it goes and where the error lands in the input.</summary>
public sealed record AslCatcher(IReadOnlyList<string> ErrorEquals, string Next, string? ResultPath);

/// <summary>ASL's predefined error names.</summary>
public static class AslErrors
{
    public const string All = "States.ALL";
    public const string TaskFailed = "States.TaskFailed";
    public const string Timeout = "States.Timeout";
    public const string Runtime = "States.Runtime";
    public const string NoChoiceMatched = "States.NoChoiceMatched";

    /// <summary>Whether an ErrorEquals list covers an error, following ASL's rules for States.ALL and States.TaskFailed.</summary>
    public static bool Matches(IReadOnlyList<string> errorEquals, string error) =>
        errorEquals.Any(e => e == error
            || (e == All && error != Runtime)
            || (e == TaskFailed && !error.StartsWith("States.", StringComparison.Ordinal)));
}
