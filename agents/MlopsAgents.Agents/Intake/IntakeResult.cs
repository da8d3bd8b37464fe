using MlopsAgents.Agents.Tools;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Agents.Intake;

/// <summary>A field the agent filled in that the issue did not state, shown to the requester as an assumption.</summary>
public sealed record IntakeAssumption(string Field, string Value, string Reason);

public enum IntakeOutcome
{
    /// <summary>A request that passes the validator.</summary>
    Accepted,

    /// <summary>No valid request: the comment asks the requester, naming the exact problems.</summary>
    NeedsClarification,
}

/// <summary>What the Intake agent made of an issue: the request (or the problems), the comment to post, and how it got there.</summary>
public sealed record IntakeResult(
    IntakeOutcome Outcome,
    TrainingRequest? Request,
    string? RequestYaml,
    IReadOnlyList<IntakeAssumption> Assumptions,
    IReadOnlyList<string> Problems,
    string Comment,
    bool UsedModel,
    string? FallbackReason,
    int Repairs,
    IReadOnlyList<ToolCallRecord> ToolCalls);
