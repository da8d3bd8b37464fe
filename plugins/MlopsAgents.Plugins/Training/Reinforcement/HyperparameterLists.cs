using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>Reads integer-list hyperparameters (such as hidden_layers), which <see cref="HyperparameterValues"/> has no getter for.</summary>
internal static class HyperparameterLists
{
    /// <summary>The list named <paramref name="name"/> from the request, or the catalog default of <paramref name="algorithm"/>.</summary>
    public static int[] GetIntList(string algorithm, IReadOnlyDictionary<string, object>? values, string name)
    {
        var spec = AlgorithmCatalog.Find(algorithm)?.FindHyperparameter(name)
            ?? throw new ArgumentException($"Algorithm {algorithm} has no hyperparameter '{name}'.", nameof(name));
        object? raw = spec.Default;
        if (values is not null)
        {
            foreach (var key in (IEnumerable<string>)[spec.Name, .. spec.Aliases ?? []])
            {
                if (values.TryGetValue(key, out var given))
                {
                    raw = given;
                    break;
                }
            }
        }

        var items = raw switch
        {
            JsonElement { ValueKind: JsonValueKind.Array } e => e.EnumerateArray().Select(i => i.TryGetInt64(out var l) ? (long?)l : null).ToList(),
            string s => s.Trim('[', ']', ' ').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => long.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? (long?)l : null).ToList(),
            IEnumerable e => e.Cast<object?>().Select(AsLong).ToList(),
            long l => [l],
            int i => [i],
            _ => null,
        };
        if (items is null || items.Count == 0 || items.Any(i => i is null or < 1 or > int.MaxValue))
        {
            throw new ArgumentException(
                $"Hyperparameter '{name}' of {algorithm} must be {spec.Allowed}, got '{Convert.ToString(raw, CultureInfo.InvariantCulture)}'.", name);
        }

        return items.Select(i => (int)i!.Value).ToArray();
    }

    private static long? AsLong(object? item) => item switch
    {
        long l => l,
        int i => i,
        double d when d == Math.Floor(d) => (long)d,
        JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var l) => l,
        _ => null,
    };
}
