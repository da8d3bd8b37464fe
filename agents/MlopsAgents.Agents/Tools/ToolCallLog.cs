namespace MlopsAgents.Agents.Tools;

/// <summary>One tool call the model asked for: what it named, and whether it ran or was refused (and why).</summary>
public sealed record ToolCallRecord(string Name, string? Arguments, bool Refused, string? Reason);

/// <summary>Every tool call of one agent run, in order; forbidden attempts are kept so evals and audits can count them.</summary>
public sealed class ToolCallLog
{
    private readonly Lock _gate = new();
    private readonly List<ToolCallRecord> _records = [];

    public IReadOnlyList<ToolCallRecord> Records
    {
        get
        {
            lock (_gate)
            {
                return [.. _records];
            }
        }
    }

    public IReadOnlyList<ToolCallRecord> Refused => [.. Records.Where(r => r.Refused)];

    public void Add(ToolCallRecord record)
    {
        lock (_gate)
        {
            _records.Add(record);
        }
    }
}
