using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlopsAgents.Workflow.StateMachine;

/// <summary>
/// The JSONPath subset ASL definitions use here (<c>$</c>, <c>$.a.b</c>, <c>$.a[0]</c>, <c>$$.</c> for the context object),
/// payload templates with <c>".$"</c> keys, and the intrinsics States.Format and States.MathAdd.
/// </summary>
public static class AslJsonPath
{
    /// <summary>The node at <paramref name="path"/>, or an <see cref="AslRuntimeException"/> when it is absent.</summary>
    public static JsonNode? Select(JsonNode? root, string path) =>
        TrySelect(root, path, out var value) ? value : throw new AslRuntimeException($"The path '{path}' matched nothing in the input.");

    /// <summary>Whether <paramref name="path"/> exists in <paramref name="root"/>; a JSON null counts as present.</summary>
    public static bool TrySelect(JsonNode? root, string path, out JsonNode? value)
    {
        value = null;
        var current = root;
        foreach (var step in Parse(path))
        {
            switch (step)
            {
                case string key when current is JsonObject o && o.TryGetPropertyValue(key, out var child):
                    current = child;
                    break;
                case int index when current is JsonArray a && index < a.Count:
                    current = a[index];
                    break;
                default:
                    return false;
            }
        }

        value = current;
        return true;
    }

    /// <summary>Places <paramref name="value"/> at <paramref name="path"/> in a copy of <paramref name="root"/>, creating objects on the way.</summary>
    public static JsonNode? Set(JsonNode? root, string path, JsonNode? value)
    {
        var steps = Parse(path);
        if (steps.Count == 0)
        {
            return value?.DeepClone();
        }

        var result = root?.DeepClone() as JsonObject ?? new JsonObject();
        JsonNode current = result;
        for (var i = 0; i < steps.Count; i++)
        {
            var last = i == steps.Count - 1;
            switch (steps[i])
            {
                case string key when current is JsonObject o:
                    if (last)
                    {
                        o[key] = value?.DeepClone();
                    }
                    else
                    {
                        if (o[key] is not (JsonObject or JsonArray))
                        {
                            o[key] = new JsonObject();
                        }

                        current = o[key]!;
                    }

                    break;
                case int index when current is JsonArray a && index < a.Count:
                    if (last)
                    {
                        a[index] = value?.DeepClone();
                    }
                    else
                    {
                        current = a[index] ??= new JsonObject();
                    }

                    break;
                default:
                    throw new AslRuntimeException($"The result path '{path}' does not fit the input.");
            }
        }

        return result;
    }

    /// <summary>Expands a Parameters or ResultSelector template against the input and the context object.</summary>
    public static JsonNode? Expand(JsonNode? template, JsonNode? input, JsonNode? context)
    {
        switch (template)
        {
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (key, value) in o)
                {
                    if (key.EndsWith(".$", StringComparison.Ordinal))
                    {
                        result[key[..^2]] = Evaluate(value!.GetValue<string>(), input, context)?.DeepClone();
                    }
                    else
                    {
                        result[key] = Expand(value, input, context);
                    }
                }

                return result;
            case JsonArray a:
                return new JsonArray(a.Select(item => Expand(item, input, context)).ToArray());
            default:
                return template?.DeepClone();
        }
    }

    /// <summary>Evaluates a path (<c>$…</c>, <c>$$…</c>) or an intrinsic function call.</summary>
    public static JsonNode? Evaluate(string expression, JsonNode? input, JsonNode? context)
    {
        expression = expression.Trim();
        if (expression.StartsWith("$$", StringComparison.Ordinal))
        {
            return Select(context, expression[1..]);
        }

        if (expression.StartsWith('$'))
        {
            return Select(input, expression);
        }

        if (expression.StartsWith("States.", StringComparison.Ordinal))
        {
            return Intrinsic(expression, input, context);
        }

        throw new AslRuntimeException($"'{expression}' is neither a path nor an intrinsic function.");
    }

    private static JsonNode? Intrinsic(string expression, JsonNode? input, JsonNode? context)
    {
        var open = expression.IndexOf('(', StringComparison.Ordinal);
        if (open < 0 || !expression.EndsWith(')'))
        {
            throw new AslRuntimeException($"'{expression}' is not a function call.");
        }

        var name = expression[..open];
        var args = SplitArguments(expression[(open + 1)..^1]).Select(a => Argument(a, input, context)).ToList();
        switch (name)
        {
            case "States.MathAdd" when args.Count == 2:
                return JsonValue.Create(Number(args[0]) + Number(args[1]));
            case "States.Format" when args.Count >= 1:
                var format = args[0]?.GetValue<string>() ?? "";
                var text = new StringBuilder();
                var next = 1;
                for (var i = 0; i < format.Length; i++)
                {
                    if (format[i] == '{' && i + 1 < format.Length && format[i + 1] == '}' && next < args.Count)
                    {
                        text.Append(Text(args[next++]));
                        i++;
                    }
                    else
                    {
                        text.Append(format[i]);
                    }
                }

                return JsonValue.Create(text.ToString());
            default:
                throw new AslRuntimeException($"The intrinsic '{name}' with {args.Count} arguments is not supported.");
        }
    }

    private static JsonNode? Argument(string arg, JsonNode? input, JsonNode? context)
    {
        arg = arg.Trim();
        if (arg.StartsWith('\''))
        {
            return JsonValue.Create(arg[1..^1].Replace("\\'", "'", StringComparison.Ordinal));
        }

        if (arg.StartsWith('$') || arg.StartsWith("States.", StringComparison.Ordinal))
        {
            return Evaluate(arg, input, context);
        }

        return JsonNode.Parse(arg);
    }

    private static List<string> SplitArguments(string text)
    {
        var parts = new List<string>();
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && quoted)
            {
                i++;
            }
            else if (c == '\'')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '(')
            {
                depth++;
            }
            else if (!quoted && c == ')')
            {
                depth--;
            }
            else if (!quoted && depth == 0 && c == ',')
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }

        if (text.Trim().Length > 0)
        {
            parts.Add(text[start..]);
        }

        return parts;
    }

    private static double Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? v.GetValue<double>()
            : throw new AslRuntimeException("States.MathAdd needs numbers.");

    private static string Text(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>().ToString(CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };

    private static List<object> Parse(string path)
    {
        if (!path.StartsWith('$'))
        {
            throw new AslRuntimeException($"'{path}' is not a JSONPath.");
        }

        var steps = new List<object>();
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = i + 1;
                while (end < path.Length && path[end] is not ('.' or '['))
                {
                    end++;
                }

                steps.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0 || !int.TryParse(path.AsSpan(i + 1, close - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw new AslRuntimeException($"'{path}' uses JSONPath beyond $.a.b and $.a[0].");
                }

                steps.Add(index);
                i = close + 1;
            }
            else
            {
                throw new AslRuntimeException($"'{path}' is not a JSONPath.");
            }
        }

        return steps;
    }
}

/// <summary>An ASL runtime error (States.Runtime): a path that matched nothing, a bad intrinsic call.</summary>
public sealed class AslRuntimeException(string message) : Exception(message);
