using System.Text.Json;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Search;

namespace MlopsAgents.Plugins.Optimization;

/// <summary>The outcome of applying accepted optimizations: the new request, or the problems that stopped it.</summary>
public sealed record PatchResult(TrainingRequest? Request, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Request is not null && Errors.Count == 0;
}

/// <summary>
/// Applies accepted optimizations to a request: only the fields their patches name change. Validating the patched request
/// is the caller's job; unknown optimization ids and patch paths are refused with a message naming them.
/// </summary>
public static class RequestPatcher
{
    /// <summary>Every path a config patch may name, besides <c>hyperparameters.&lt;name&gt;</c>.</summary>
    public static readonly IReadOnlyList<string> KnownPaths =
    [
        "algorithm",
        "data_preprocessing.class_imbalance",
        "data_preprocessing.outlier_removal",
        "data_preprocessing.encode_categorical",
        "data_preprocessing.handle_missing",
        "data_preprocessing.standardize",
        "data_preprocessing.normalize",
        "hpo",
        "fairness.sensitive_features",
        "explain",
        "learning_curve",
        "deployment_strategy",
        "monitoring_enabled",
        "auto_retrain_enabled",
        "retrain_triggers",
    ];

    public static PatchResult ApplyToRequest(TrainingRequest request, OptimizationProposal proposal, IEnumerable<string> acceptedIds)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(proposal);
        ArgumentNullException.ThrowIfNull(acceptedIds);
        var byId = proposal.AllOptimizations.ToDictionary(o => o.Id, StringComparer.Ordinal);
        var errors = new List<string>();
        var accepted = new List<ProposedOptimization>();
        foreach (var id in acceptedIds.Distinct(StringComparer.Ordinal))
        {
            if (byId.TryGetValue(id, out var optimization))
            {
                accepted.Add(optimization);
            }
            else
            {
                errors.Add($"no optimization '{id}' in this proposal; its ids are {string.Join(", ", byId.Keys)}");
            }
        }

        var result = request;
        foreach (var optimization in accepted)
        {
            foreach (var (path, value) in optimization.ConfigPatch.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var error = TryApply(ref result, path, value);
                if (error is not null)
                {
                    errors.Add($"{optimization.Id}: {path}: {error}");
                }
            }
        }

        return errors.Count == 0 ? new PatchResult(result, []) : new PatchResult(null, errors);
    }

    private static string? TryApply(ref TrainingRequest r, string path, object value)
    {
        var prep = r.DataPreprocessing;
        if (path.StartsWith("hyperparameters.", StringComparison.Ordinal))
        {
            var name = path["hyperparameters.".Length..];
            if (!AlgorithmCatalog.All.Any(a => a.FindHyperparameter(name) is not null))
            {
                return $"unknown hyperparameter '{name}'; no algorithm in the catalog has it";
            }

            var scalar = Scalar(value);
            if (scalar is null)
            {
                return "a hyperparameter patch needs a number, string or boolean";
            }

            r = r with { Hyperparameters = new Dictionary<string, object>(r.Hyperparameters) { [name] = scalar } };
            return null;
        }

        string? text = Scalar(value) as string;
        bool? flag = Scalar(value) as bool?;
        switch (path)
        {
            case "algorithm" when text is not null: r = r with { Algorithm = text }; return null;
            case "data_preprocessing.class_imbalance" when text is not null: r = r with { DataPreprocessing = prep with { ClassImbalance = text } }; return null;
            case "data_preprocessing.outlier_removal" when text is not null: r = r with { DataPreprocessing = prep with { OutlierRemoval = text } }; return null;
            case "data_preprocessing.encode_categorical" when text is not null: r = r with { DataPreprocessing = prep with { EncodeCategorical = text } }; return null;
            case "data_preprocessing.handle_missing" when text is not null: r = r with { DataPreprocessing = prep with { HandleMissing = text } }; return null;
            case "data_preprocessing.standardize" when flag is { } b: r = r with { DataPreprocessing = prep with { Standardize = b } }; return null;
            case "data_preprocessing.normalize" when flag is { } b: r = r with { DataPreprocessing = prep with { Normalize = b } }; return null;
            case "deployment_strategy" when text is not null: r = r with { DeploymentStrategy = text }; return null;
            case "explain" when flag is { } b: r = r with { Explain = b }; return null;
            case "learning_curve" when flag is { } b: r = r with { LearningCurve = b }; return null;
            case "monitoring_enabled" when flag is { } b: r = r with { MonitoringEnabled = b }; return null;
            case "auto_retrain_enabled" when flag is { } b: r = r with { AutoRetrainEnabled = b }; return null;
            case "retrain_triggers" when Strings(value) is { } triggers: r = r with { RetrainTriggers = triggers }; return null;
            case "fairness.sensitive_features" when Strings(value) is { } features:
                r = r with { Fairness = (r.Fairness ?? new FairnessOptions()) with { SensitiveFeatures = features } };
                return null;
            case "hpo" when value is HpoOptions hpo: r = r with { Hpo = hpo }; return null;
            case "hpo" when value is JsonElement { ValueKind: JsonValueKind.Object } e:
                r = r with { Hpo = e.Deserialize<HpoOptions>(OptimizationProposal.JsonOptions) };
                return null;
        }

        return KnownPaths.Contains(path)
            ? "the value has the wrong type for this field"
            : $"unknown patch path; allowed: {string.Join(", ", KnownPaths)}, hyperparameters.<name>";
    }

    private static object? Scalar(object value) => value switch
    {
        string or bool or long or double => value,
        int i => (long)i,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement { ValueKind: JsonValueKind.True } => true,
        JsonElement { ValueKind: JsonValueKind.False } => false,
        JsonElement { ValueKind: JsonValueKind.Number } e => e.TryGetInt64(out var l) ? l : e.GetDouble(),
        _ => null,
    };

    private static IReadOnlyList<string>? Strings(object value) => value switch
    {
        IEnumerable<string> list => [.. list],
        JsonElement { ValueKind: JsonValueKind.Array } e when e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) =>
            [.. e.EnumerateArray().Select(x => x.GetString()!)],
        _ => null,
    };
}
