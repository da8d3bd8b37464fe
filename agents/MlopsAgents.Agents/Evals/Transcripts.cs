using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Providers;

namespace MlopsAgents.Agents.Evals;

/// <summary>One recorded tool call of a model turn.</summary>
public sealed record TranscriptToolCall(string Id, string Name, Dictionary<string, JsonElement>? Arguments);

/// <summary>
/// One line of a transcript file (JSONL): the model's answer to one call, for one case of one suite. Replaying serves
/// a case's turns in order. See evals/README.md for the format.
/// </summary>
public sealed record TranscriptTurn(
    string Suite,
    string Case,
    int Turn,
    string? Model,
    string Text,
    IReadOnlyList<TranscriptToolCall> ToolCalls,
    long? InputTokens,
    long? OutputTokens)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public ChatResponse ToResponse()
    {
        var contents = new List<AIContent>();
        if (Text.Length > 0)
        {
            contents.Add(new TextContent(Text));
        }

        contents.AddRange(ToolCalls.Select(c => new FunctionCallContent(c.Id, c.Name, c.Arguments?.ToDictionary(kv => kv.Key, kv => (object?)kv.Value))));
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = Model,
            Usage = InputTokens is null && OutputTokens is null ? null : new UsageDetails { InputTokenCount = InputTokens, OutputTokenCount = OutputTokens },
        };
    }
}

/// <summary>All turns of a transcript folder (every *.jsonl file), by suite and case.</summary>
public sealed class TranscriptSet
{
    private readonly Dictionary<(string Suite, string Case), List<TranscriptTurn>> _turns;

    private TranscriptSet(Dictionary<(string, string), List<TranscriptTurn>> turns) => _turns = turns;

    public int Count => _turns.Count;

    public static TranscriptSet Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"--replay: transcript directory '{directory}' does not exist");
        }

        var turns = new Dictionary<(string, string), List<TranscriptTurn>>();
        foreach (var file in Directory.GetFiles(directory, "*.jsonl").Order(StringComparer.Ordinal))
        {
            var lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                TranscriptTurn? turn;
                try
                {
                    turn = JsonSerializer.Deserialize<TranscriptTurn>(line, TranscriptTurn.Json);
                }
                catch (JsonException ex)
                {
                    throw new InvalidDataException($"{file}:{lineNumber}: not a transcript turn: {ex.Message}", ex);
                }

                if (turn is null || string.IsNullOrEmpty(turn.Suite) || string.IsNullOrEmpty(turn.Case))
                {
                    throw new InvalidDataException($"{file}:{lineNumber}: a turn needs suite and case");
                }

                turn = turn with { ToolCalls = turn.ToolCalls ?? [], Text = turn.Text ?? "" };
                if (!turns.TryGetValue((turn.Suite, turn.Case), out var list))
                {
                    turns[(turn.Suite, turn.Case)] = list = [];
                }

                list.Add(turn);
            }
        }

        foreach (var list in turns.Values)
        {
            list.Sort((a, b) => a.Turn.CompareTo(b.Turn));
        }

        return new TranscriptSet(turns);
    }

    public bool Has(string suite, string caseId) => _turns.ContainsKey((suite, caseId));

    /// <summary>A chat client that answers a case's calls with its recorded turns, in order.</summary>
    public IChatClient ClientFor(string suite, string caseId) =>
        new ReplayChatClient(suite, caseId, _turns.TryGetValue((suite, caseId), out var list) ? list : []);
}

/// <summary>Serves recorded turns; a call past the recording is an unavailable model, so the agent falls back as it would live.</summary>
public sealed class ReplayChatClient(string suite, string caseId, IReadOnlyList<TranscriptTurn> turns) : IChatClient
{
    private int _next;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (_next >= turns.Count)
        {
            throw new LlmUnavailableException($"no recorded turn {(_next + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)} for {suite}/{caseId}");
        }

        return Task.FromResult(turns[_next++].ToResponse());
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("transcripts replay whole responses; the agents do not stream");

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("replay", null, turns.FirstOrDefault()?.Model)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}

/// <summary>Writes every model answer of a live run as transcript turns (JSONL), so the run can be replayed.</summary>
public sealed class TranscriptRecorder(IChatClient innerClient, TextWriter sink, string suite, string caseId) : DelegatingChatClient(innerClient)
{
    private int _turn;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()
            .Select(c => new TranscriptToolCall(c.CallId, c.Name, c.Arguments?.ToDictionary(kv => kv.Key, kv => JsonSerializer.SerializeToElement(kv.Value))))
            .ToList();
        var turn = new TranscriptTurn(suite, caseId, Interlocked.Increment(ref _turn), response.ModelId, response.Text, calls, response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount);
        var line = JsonSerializer.Serialize(turn, TranscriptTurn.Json);
        lock (sink)
        {
            sink.WriteLine(line);
            sink.Flush();
        }

        return response;
    }
}
