using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlopsAgents.Workflow.StateMachine;

/// <summary>Evaluates Choice rules: comparisons on a Variable (literal or *Path operand), IsPresent/IsNull/IsNumeric/IsString/IsBoolean, And/Or/Not.</summary>
public static class AslChoice
{
    /// <summary>The Next of the first matching rule, else the Default, else null.</summary>
    public static string? Decide(AslState state, JsonNode? input) =>
        state.Choices.FirstOrDefault(rule => Matches(rule, input))?["Next"]?.GetValue<string>() ?? state.Default;

    /// <summary>Whether one rule (or nested rule) holds for the input.</summary>
    public static bool Matches(JsonObject rule, JsonNode? input)
    {
        if (rule["And"] is JsonArray and)
        {
            return and.All(r => Matches((JsonObject)r!, input));
        }

        if (rule["Or"] is JsonArray or)
        {
            return or.Any(r => Matches((JsonObject)r!, input));
        }

        if (rule["Not"] is JsonObject not)
        {
            return !Matches(not, input);
        }

        var variable = rule["Variable"]?.GetValue<string>() ?? throw new AslRuntimeException("A choice rule has no Variable.");
        var present = AslJsonPath.TrySelect(input, variable, out var value);
        foreach (var (key, operandNode) in rule)
        {
            if (key is "Variable" or "Next")
            {
                continue;
            }

            switch (key)
            {
                case "IsPresent":
                    return present == operandNode!.GetValue<bool>();
                case "IsNull":
                    return present && (value is null) == operandNode!.GetValue<bool>();
                case "IsNumeric":
                    return (Kind(value) == JsonValueKind.Number && present) == operandNode!.GetValue<bool>();
                case "IsString":
                    return (Kind(value) == JsonValueKind.String && present) == operandNode!.GetValue<bool>();
                case "IsBoolean":
                    return (Kind(value) is JsonValueKind.True or JsonValueKind.False && present) == operandNode!.GetValue<bool>();
            }

            if (!present)
            {
                throw new AslRuntimeException($"The choice variable '{variable}' is not in the input.");
            }

            var op = key.EndsWith("Path", StringComparison.Ordinal) ? key[..^4] : key;
            var operand = key.EndsWith("Path", StringComparison.Ordinal) ? AslJsonPath.Select(input, operandNode!.GetValue<string>()) : operandNode;
            return Compare(op, value, operand);
        }

        throw new AslRuntimeException($"A choice rule on '{variable}' has no comparison.");
    }

    private static bool Compare(string op, JsonNode? value, JsonNode? operand)
    {
        if (op.StartsWith("String", StringComparison.Ordinal))
        {
            if (Kind(value) != JsonValueKind.String)
            {
                return false;
            }

            var c = string.CompareOrdinal(value!.GetValue<string>(), operand!.GetValue<string>());
            return Ordered(op["String".Length..], c);
        }

        if (op.StartsWith("Numeric", StringComparison.Ordinal))
        {
            if (Kind(value) != JsonValueKind.Number)
            {
                return false;
            }

            var c = value!.GetValue<double>().CompareTo(operand!.GetValue<double>());
            return Ordered(op["Numeric".Length..], c);
        }

        if (op == "BooleanEquals")
        {
            return Kind(value) is JsonValueKind.True or JsonValueKind.False && value!.GetValue<bool>() == operand!.GetValue<bool>();
        }

        throw new AslRuntimeException($"The choice comparison '{op}' is not supported.");
    }

    private static bool Ordered(string relation, int c) => relation switch
    {
        "Equals" => c == 0,
        "LessThan" => c < 0,
        "LessThanEquals" => c <= 0,
        "GreaterThan" => c > 0,
        "GreaterThanEquals" => c >= 0,
        _ => throw new AslRuntimeException($"The choice comparison '{relation}' is not supported."),
    };

    private static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;
}
