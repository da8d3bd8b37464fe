using Microsoft.SemanticKernel;

namespace MlopsAgents.Agents.Tools;

/// <summary>
/// The allow-list enforced at invocation, the second time: even a function that reached the kernel by mistake does not
/// run unless the agent may call it. The model gets a refusal result; the attempt is recorded.
/// </summary>
public sealed class AllowListFilter(string agent, IReadOnlySet<string> allowed, ToolCallLog log) : IAutoFunctionInvocationFilter
{
    public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var name = context.Function.Name;
        var arguments = context.Arguments is null ? null : string.Join(", ", context.Arguments.Select(a => $"{a.Key}={a.Value}"));
        if (!allowed.Contains(name))
        {
            var refusal = Refusal(agent, name, allowed);
            log.Add(new ToolCallRecord(name, arguments, Refused: true, refusal));
            context.Result = new FunctionResult(context.Function, refusal);
            return;
        }

        log.Add(new ToolCallRecord(name, arguments, Refused: false, null));
        await next(context).ConfigureAwait(false);
    }

    /// <summary>The text the model sees instead of a forbidden tool's result.</summary>
    public static string Refusal(string agent, string tool, IReadOnlySet<string> allowed) =>
        $"refused: the {agent} agent may not call '{tool}'; it was not run. Allowed tools: {(allowed.Count == 0 ? "none" : string.Join(", ", allowed.Order(StringComparer.Ordinal)))}. " +
        "Changes to models and deployments are made by the workflow after the Judge and a permission check, never by an agent.";
}
