using System.Globalization;
using System.Text.Json;

namespace MlopsAgents.Plugins.Training;

/// <summary>Reads an algorithm's hyperparameters from a request dictionary, falling back to the catalog defaults.</summary>
public sealed class HyperparameterValues
{
    private readonly AlgorithmSpec _spec;
    private readonly IReadOnlyDictionary<string, object> _values;

    public HyperparameterValues(AlgorithmSpec spec, IReadOnlyDictionary<string, object>? values)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _spec = spec;
        _values = values ?? new Dictionary<string, object>();
    }

    /// <summary>Values for the catalog algorithm named <paramref name="algorithm"/>.</summary>
    public static HyperparameterValues For(string algorithm, IReadOnlyDictionary<string, object>? values) =>
        new(AlgorithmCatalog.Find(algorithm) ?? throw new ArgumentException($"Unknown algorithm '{algorithm}'.", nameof(algorithm)), values);

    public long GetLong(string name) =>
        GetNullableLong(name) ?? throw new ArgumentException($"Hyperparameter '{name}' of {_spec.Name} has no value and no default.", nameof(name));

    /// <summary>An integer that may be absent (null) when the catalog default is null, such as random_forest's max_depth.</summary>
    public long? GetNullableLong(string name)
    {
        var raw = Raw(name);
        return raw switch
        {
            null => null,
            long l => l,
            int i => i,
            double d when d == Math.Floor(d) => (long)d,
            JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var l) => l,
            JsonElement { ValueKind: JsonValueKind.Null } => null,
            string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
            _ => throw Invalid(name, raw, "an integer"),
        };
    }

    public double GetDouble(string name)
    {
        var raw = Raw(name);
        return raw switch
        {
            double d => d,
            long l => l,
            int i => i,
            float f => f,
            decimal m => (double)m,
            JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => throw Invalid(name, raw, "a number"),
        };
    }

    public bool GetBool(string name)
    {
        var raw = Raw(name);
        return raw switch
        {
            bool b => b,
            JsonElement { ValueKind: JsonValueKind.True } => true,
            JsonElement { ValueKind: JsonValueKind.False } => false,
            string s when bool.TryParse(s, out var b) => b,
            _ => throw Invalid(name, raw, "true or false"),
        };
    }

    /// <summary>
    /// An <see cref="HyperparameterType.IntList"/> value such as hidden_layers: a long[] from the request parser, any
    /// sequence of integers, a JSON array, a single integer, or text such as "64,32" or "[64, 32]".
    /// </summary>
    public long[] GetLongList(string name)
    {
        var raw = Raw(name);
        long Item(object? item) => item switch
        {
            long l => l,
            int i => i,
            double d when d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
            JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var l) => l,
            string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
            _ => throw Invalid(name, raw, "a list of integers"),
        };

        return raw switch
        {
            long[] a => a.ToArray(),
            int[] a => a.Select(v => (long)v).ToArray(),
            JsonElement { ValueKind: JsonValueKind.Array } e => e.EnumerateArray().Select(v => Item(v)).ToArray(),
            string s => s.Trim().TrimStart('[').TrimEnd(']').Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => Item(v)).ToArray(),
            System.Collections.IEnumerable items => items.Cast<object?>().Select(Item).ToArray(),
            null => throw Invalid(name, raw, "a list of integers"),
            _ => [Item(raw)],
        };
    }

    /// <summary>A string value, or null when absent and the catalog default is null.</summary>
    public string? GetString(string name)
    {
        var raw = Raw(name);
        return raw switch
        {
            null => null,
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            JsonElement { ValueKind: JsonValueKind.Null } => null,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => raw.ToString(),
        };
    }

    private object? Raw(string name)
    {
        var spec = _spec.FindHyperparameter(name)
            ?? throw new ArgumentException($"Algorithm {_spec.Name} has no hyperparameter '{name}'.", nameof(name));
        if (_values.TryGetValue(spec.Name, out var value))
        {
            return value;
        }

        foreach (var alias in spec.Aliases ?? [])
        {
            if (_values.TryGetValue(alias, out value))
            {
                return value;
            }
        }

        return spec.Default;
    }

    private ArgumentException Invalid(string name, object? raw, string expected) =>
        new($"Hyperparameter '{name}' of {_spec.Name} must be {expected}, got '{Convert.ToString(raw, CultureInfo.InvariantCulture)}'.", name);
}
