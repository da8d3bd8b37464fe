using System.Globalization;
using System.Text;
using MlopsAgents.Plugins.Optimization;
using MlopsAgents.Plugins.Requests;
using YamlDotNet.RepresentationModel;

namespace MlopsAgents.Agents.Conversation;

/// <summary>The outcome of patching a request: the patched YAML and validated request, or every problem.</summary>
public sealed record RequestPatchResult(string? Yaml, TrainingRequest? Request, IReadOnlyList<string> Errors)
{
    /// <summary>What the patch filled in that the comment did not say (e.g. the optimizer's search space for a new hpo block).</summary>
    public IReadOnlyList<string> Assumptions { get; init; } = [];

    public bool Succeeded => Request is not null && Errors.Count == 0;
}

/// <summary>
/// Applies a change asked for in a comment (field paths to values) to the request YAML, then validates the result with
/// <see cref="TrainingRequestParser"/>. Only the paths in <see cref="AllowedPaths"/> may change; nothing is run.
/// </summary>
public static class RequestYamlPatch
{
    /// <summary>The paths a comment may change: the optimizer's patch paths and the few a person tunes most.</summary>
    public static readonly IReadOnlyList<string> AllowedPaths =
    [
        .. RequestPatcher.KnownPaths.Where(p => p != "hpo"),
        "hpo.method", "hpo.max_trials", "hpo.metric", "hpo.cv_folds",
        "evaluation_threshold", "primary_metric", "test_size", "random_seed", "model_name", "max_retry",
        "workflow_optimization.performance_profile",
    ];

    public static bool IsAllowed(string path) =>
        AllowedPaths.Contains(path, StringComparer.Ordinal) || (path.StartsWith("hyperparameters.", StringComparison.Ordinal) && path.Length > "hyperparameters.".Length);

    public static RequestPatchResult Apply(string requestYaml, IReadOnlyDictionary<string, object?> patch, RequestParseOptions options)
    {
        ArgumentNullException.ThrowIfNull(requestYaml);
        ArgumentNullException.ThrowIfNull(patch);
        var errors = patch.Keys.Where(p => !IsAllowed(p))
            .Select(p => $"{p}: this field cannot be changed from a comment; allowed: {string.Join(", ", AllowedPaths)}, hyperparameters.<name>")
            .ToList();
        if (errors.Count > 0)
        {
            return new RequestPatchResult(null, null, errors);
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(requestYaml));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            return new RequestPatchResult(null, null, [$"the current request is not YAML: {ex.Message}"]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return new RequestPatchResult(null, null, ["the current request is not a YAML mapping of fields"]);
        }

        foreach (var (path, value) in patch.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var parts = path.Split('.');
            var node = root;
            foreach (var part in parts[..^1])
            {
                if (!node.Children.TryGetValue(new YamlScalarNode(part), out var child) || child is not YamlMappingNode mapping)
                {
                    mapping = [];
                    node.Children[new YamlScalarNode(part)] = mapping;
                }

                node = mapping;
            }

            node.Children[new YamlScalarNode(parts[^1])] = Scalar(value);
        }

        // An hpo block needs a search space; a comment such as "use bayesian search" names none, so the optimizer's rule supplies it.
        var assumptions = new List<string>();
        if (patch.Keys.Any(k => k.StartsWith("hpo.", StringComparison.Ordinal))
            && root.Children.TryGetValue(new YamlScalarNode("hpo"), out var hpoNode) && hpoNode is YamlMappingNode hpo
            && !hpo.Children.ContainsKey(new YamlScalarNode("search_space"))
            && root.Children.TryGetValue(new YamlScalarNode("algorithm"), out var algorithmNode) && algorithmNode is YamlScalarNode { Value: { } algorithm }
            && WorkflowOptimizer.SearchSpaceFor(algorithm) is { } space)
        {
            var spaceNode = new YamlMappingNode();
            foreach (var (name, dimension) in space.OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                var dim = new YamlMappingNode { { "type", dimension.Type } };
                if (dimension.Low is { } low)
                {
                    dim.Add("low", low.ToString(CultureInfo.InvariantCulture));
                }

                if (dimension.High is { } high)
                {
                    dim.Add("high", high.ToString(CultureInfo.InvariantCulture));
                }

                spaceNode.Add(name, dim);
            }

            hpo.Children[new YamlScalarNode("search_space")] = spaceNode;
            assumptions.Add($"hpo.search_space: the optimizer's default space for {algorithm} ({string.Join(", ", space.Keys.Order(StringComparer.Ordinal))})");
        }

        var sb = new StringBuilder();
        using (var writer = new StringWriter(sb, CultureInfo.InvariantCulture))
        {
            new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        }

        var yaml = sb.ToString().Replace("\n...", "", StringComparison.Ordinal).Trim() + "\n";
        var parsed = TrainingRequestParser.Parse(yaml, options);
        return parsed.IsValid
            ? new RequestPatchResult(yaml, parsed.Request, []) { Assumptions = assumptions }
            : new RequestPatchResult(yaml, null, [.. parsed.Errors.Select(e => e.ToString())]) { Assumptions = assumptions };
    }

    private static YamlNode Scalar(object? value) => value switch
    {
        null => new YamlScalarNode("null"),
        bool b => new YamlScalarNode(b ? "true" : "false"),
        string s => new YamlScalarNode(s),
        IFormattable f => new YamlScalarNode(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => new YamlScalarNode(value.ToString()),
    };
}
