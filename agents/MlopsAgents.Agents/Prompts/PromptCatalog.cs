using System.Text.RegularExpressions;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MlopsAgents.Agents.Prompts;

/// <summary>One agent prompt: Semantic Kernel's prompt YAML (name, description, template with {{$var}} placeholders).</summary>
public sealed class AgentPrompt
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string Template { get; set; } = "";
    public List<AgentPromptVariable> InputVariables { get; set; } = [];
}

public sealed class AgentPromptVariable
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public bool IsRequired { get; set; } = true;
}

/// <summary>The agents' prompts, read from the prompts/ folder (copied next to the binary).</summary>
public sealed partial class PromptCatalog
{
    public const string Intake = "intake";
    public const string WorkflowOptimizer = "workflow_optimizer";
    public const string Explainer = "explainer";
    public const string Conversation = "conversation";

    private static readonly string[] Required = [Intake, WorkflowOptimizer, Explainer, Conversation];

    private readonly IReadOnlyDictionary<string, AgentPrompt> _prompts;

    private PromptCatalog(IReadOnlyDictionary<string, AgentPrompt> prompts) => _prompts = prompts;

    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "prompts");

    [GeneratedRegex(@"\{\{\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex Placeholder();

    /// <summary>Loads the folder's *.yaml files; a missing agent prompt or a file without name/template stops with its name.</summary>
    public static PromptCatalog Load(string? directory = null)
    {
        directory ??= DefaultDirectory;
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).IgnoreUnmatchedProperties().Build();
        var prompts = new Dictionary<string, AgentPrompt>(StringComparer.Ordinal);
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
            {
                var prompt = deserializer.Deserialize<AgentPrompt>(File.ReadAllText(file));
                if (string.IsNullOrWhiteSpace(prompt?.Name) || string.IsNullOrWhiteSpace(prompt.Template))
                {
                    throw new InvalidDataException($"{file}: a prompt needs 'name' and 'template'.");
                }

                prompts[prompt.Name] = prompt;
            }
        }

        var missing = Required.Where(r => !prompts.ContainsKey(r)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{directory}: the agent prompt(s) {string.Join(", ", missing)} are missing; expected {string.Join(", ", Required.Select(r => r + ".yaml"))}.");
        }

        return new PromptCatalog(prompts);
    }

    /// <summary>The prompt's template with its placeholders filled; a required variable that is not given is an error.</summary>
    public string Render(string name, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var prompt = _prompts.TryGetValue(name, out var p) ? p : throw new ArgumentException($"no prompt '{name}'; prompts: {string.Join(", ", _prompts.Keys)}", nameof(name));
        var missing = prompt.InputVariables.Where(v => v.IsRequired && !values.ContainsKey(v.Name)).Select(v => v.Name).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"prompt '{name}' needs the variable(s) {string.Join(", ", missing)}", nameof(values));
        }

        return Placeholder().Replace(prompt.Template, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : "");
    }
}
