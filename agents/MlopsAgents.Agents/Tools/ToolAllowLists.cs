namespace MlopsAgents.Agents.Tools;

/// <summary>
/// The MCP tools each agent may call. All are read-only: state changes (deploy, rollback, register, approve) are
/// returned as intents for the workflow, the Judge and the commenter's permission check, never done by an agent.
/// </summary>
public static class ToolAllowLists
{
    public static readonly IReadOnlySet<string> Intake = new HashSet<string>(StringComparer.Ordinal)
    {
        "parse_issue_config",
    };

    public static readonly IReadOnlySet<string> WorkflowOptimizer = new HashSet<string>(StringComparer.Ordinal)
    {
        "analyze_model_characteristics",
        "generate_optimization_proposal",
        "estimate_optimization_impact",
    };

    public static readonly IReadOnlySet<string> Explainer = new HashSet<string>(StringComparer.Ordinal)
    {
        "get_model_version",
        "compare_models",
    };

    public static readonly IReadOnlySet<string> Conversation = new HashSet<string>(StringComparer.Ordinal)
    {
        "get_model_version",
        "compare_models",
        "list_deployments",
    };
}
