using ModelContextProtocol;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.McpServer.Tools;

/// <summary>
/// Turns the capability library's user-facing failures into MCP tool errors with the same actionable message the CLI
/// prints. Anything else is a bug and surfaces as the SDK's generic error, without a stack trace.
/// </summary>
internal static class ToolErrors
{
    public static async Task<T> Run<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (RequestValidationException e)
        {
            throw new McpException(string.Join("\n", e.Errors.Select(x => x.ToString())));
        }
        catch (DataValidationException e)
        {
            throw new McpException(e.Message);
        }
    }

    public static T Run<T>(Func<T> action) => Run(() => Task.FromResult(action())).GetAwaiter().GetResult();

    /// <summary>An argument problem, phrased like every other: the field, the value, what is allowed.</summary>
    public static McpException Invalid(string field, object? value, string allowed) => new($"{field}: '{value}' → {allowed}");
}
