using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Prompts;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Agents.Tools;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Agents.Tests.Support;

/// <summary>Builds agent contexts for tests: the shipped prompts, the bundled datasets as data root, no real delays.</summary>
public static class Agents
{
    public static string DataRoot => Path.Combine(AppContext.BaseDirectory, "data");

    public static string Results(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "results", name));

    public static readonly PromptCatalog Prompts = PromptCatalog.Load();

    public static AgentContext Context(IChatClient? chat, IAgentToolSource? tools = null, LlmProviderOptions? options = null) =>
        new(chat, tools ?? NoTools.Instance, Prompts, options ?? new LlmProviderOptions { Provider = chat is null ? LlmProviders.None : LlmProviders.OpenAICompatible },
            new RequestParseOptions { DataRoot = DataRoot });

    public const string ValidYaml = """
        dataset_id: dataset-bc-001
        target: diagnosis
        task_type: classification
        algorithm: xgboost
        evaluation_threshold: 0.85
        """;

    /// <summary>A model reply in the Intake agent's JSON format.</summary>
    public static string IntakeReply(string yaml, string assumptions = "[]", string missing = "[]") =>
        System.Text.Json.JsonSerializer.Serialize(new { request_yaml = yaml }).TrimEnd('}') + $", \"assumptions\": {assumptions}, \"missing\": {missing}}}";
}
