using System.Text.RegularExpressions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MlopsAgents.McpServer.Prompts;

/// <summary>One prompt file of prompts/: Semantic Kernel's prompt YAML (name, description, template, input_variables).</summary>
public sealed class PromptFile
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string Template { get; set; } = "";
    public List<PromptVariable> InputVariables { get; set; } = [];
}

public sealed class PromptVariable
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public bool IsRequired { get; set; } = true;
}

/// <summary>Serves the YAML prompts of the prompts/ folder as MCP prompts, filling <c>{{$name}}</c> placeholders with the arguments.</summary>
public sealed partial class PromptLibrary
{
    private readonly IReadOnlyDictionary<string, PromptFile> _prompts;

    private PromptLibrary(IReadOnlyDictionary<string, PromptFile> prompts) => _prompts = prompts;

    public IReadOnlyCollection<string> Names => [.. _prompts.Keys];

    [GeneratedRegex(@"\{\{\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex Placeholder();

    /// <summary>Loads every *.yaml file of a folder; a malformed file stops the server with its name and the problem.</summary>
    public static PromptLibrary Load(string directory)
    {
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).IgnoreUnmatchedProperties().Build();
        var prompts = new Dictionary<string, PromptFile>(StringComparer.Ordinal);
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
            {
                var prompt = deserializer.Deserialize<PromptFile>(File.ReadAllText(file));
                if (string.IsNullOrWhiteSpace(prompt?.Name) || string.IsNullOrWhiteSpace(prompt.Template))
                {
                    throw new InvalidDataException($"{file}: a prompt needs 'name' and 'template'.");
                }

                prompts[prompt.Name] = prompt;
            }
        }

        return new PromptLibrary(prompts);
    }

    public ValueTask<ListPromptsResult> ListAsync(RequestContext<ListPromptsRequestParams> request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ListPromptsResult
        {
            Prompts = [.. _prompts.Values.Select(p => new Prompt
            {
                Name = p.Name,
                Description = p.Description,
                Arguments = [.. p.InputVariables.Select(v => new PromptArgument { Name = v.Name, Description = v.Description, Required = v.IsRequired })],
            })],
        });

    public ValueTask<GetPromptResult> GetAsync(RequestContext<GetPromptRequestParams> request, CancellationToken cancellationToken)
    {
        var name = request.Params?.Name ?? "";
        if (!_prompts.TryGetValue(name, out var prompt))
        {
            throw new McpException($"unknown prompt '{name}'; prompts: {string.Join(", ", _prompts.Keys)}");
        }

        var arguments = request.Params?.Arguments ?? new Dictionary<string, System.Text.Json.JsonElement>();
        var missing = prompt.InputVariables.Where(v => v.IsRequired && !arguments.ContainsKey(v.Name)).Select(v => v.Name).ToList();
        if (missing.Count > 0)
        {
            throw new McpException($"prompt '{name}' needs the argument(s): {string.Join(", ", missing)}");
        }

        var text = Placeholder().Replace(prompt.Template, m => arguments.TryGetValue(m.Groups[1].Value, out var v) ? v.ToString() : "");
        return ValueTask.FromResult(new GetPromptResult
        {
            Description = prompt.Description,
            Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = text } }],
        });
    }
}
