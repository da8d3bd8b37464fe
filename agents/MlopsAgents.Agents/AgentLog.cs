using Microsoft.Extensions.Logging;

namespace MlopsAgents.Agents;

/// <summary>The agents' log events. Prompt and model text are logged only at Trace.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "{Agent} fell back to its deterministic behaviour: {Reason}")]
    public static partial void FellBack(ILogger logger, string agent, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "{Agent} asked for tool {Tool}, which is not on its allow-list; refused, not run")]
    public static partial void ToolRefused(ILogger logger, string agent, string tool);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "{Agent} finished: model used {UsedModel}, {ToolCalls} tool calls, {Tokens} tokens spent on this issue")]
    public static partial void Finished(ILogger logger, string agent, bool usedModel, int toolCalls, long tokens);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "intake repair {Attempt}: the validator found {Problems} problem(s)")]
    public static partial void Repair(ILogger logger, int attempt, int problems);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Trace, Message = "{Agent} model reply: {Text}")]
    public static partial void ModelText(ILogger logger, string agent, string text);
}
