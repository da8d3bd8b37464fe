using System.Text.Json;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training.Search;

namespace MlopsAgents.McpServer.Tools;

/// <summary>
/// Reads the hpo tool argument, <c>{method, max_trials, metric, cv_folds, search_space: {name: {type, low, high, values,
/// steps}}}</c>, into <see cref="HpoOptions"/>. Only shapes are checked here; <see cref="HpoOptions.Validate"/> judges
/// the values against the algorithm, so the messages match a request's hpo block.
/// </summary>
internal static class HpoJson
{
    private static readonly string[] Fields = ["method", "max_trials", "metric", "cv_folds", "search_space"];
    private static readonly string[] DimensionFields = ["type", "low", "high", "values", "steps"];

    public static HpoOptions Parse(JsonElement hpo)
    {
        var errors = new List<RequestError>();
        if (hpo.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationException("hpo", hpo.GetRawText(), "a JSON object {method, max_trials, metric, cv_folds, search_space}");
        }

        var options = new HpoOptions();
        var space = new Dictionary<string, SearchDimension>(StringComparer.Ordinal);
        foreach (var property in hpo.EnumerateObject())
        {
            var path = "hpo." + property.Name;
            var value = property.Value;
            switch (property.Name)
            {
                case "method" when value.ValueKind == JsonValueKind.String:
                    options = options with { Method = value.GetString()! };
                    break;
                case "metric" when value.ValueKind is JsonValueKind.String or JsonValueKind.Null:
                    options = options with { Metric = value.GetString() };
                    break;
                case "max_trials" when value.TryGetInt32(out var trials):
                    options = options with { MaxTrials = trials };
                    break;
                case "cv_folds" when value.TryGetInt32(out var folds):
                    options = options with { CvFolds = folds };
                    break;
                case "search_space" when value.ValueKind == JsonValueKind.Object:
                    foreach (var dimension in value.EnumerateObject())
                    {
                        if (ReadDimension(path + "." + dimension.Name, dimension.Value, errors) is { } d)
                        {
                            space[dimension.Name] = d;
                        }
                    }

                    break;
                case "method" or "metric":
                    errors.Add(new(path, value.GetRawText(), "a string"));
                    break;
                case "max_trials" or "cv_folds":
                    errors.Add(new(path, value.GetRawText(), "a whole number"));
                    break;
                case "search_space":
                    errors.Add(new(path, value.GetRawText(), "an object of hyperparameter name → {type, low, high, values, steps}"));
                    break;
                default:
                    errors.Add(new(path, null, $"unknown field; allowed: {string.Join(", ", Fields)}"));
                    break;
            }
        }

        return errors.Count > 0 ? throw new RequestValidationException(errors) : options with { SearchSpace = space };
    }

    private static SearchDimension? ReadDimension(string path, JsonElement value, List<RequestError> errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, value.GetRawText(), "an object {type, low, high} or {type: categorical, values: [...]}"));
            return null;
        }

        string? type = null;
        double? low = null, high = null;
        int? steps = null;
        List<object>? values = null;
        var before = errors.Count;
        foreach (var field in value.EnumerateObject())
        {
            var at = path + "." + field.Name;
            var v = field.Value;
            switch (field.Name)
            {
                case "type" when v.ValueKind == JsonValueKind.String:
                    type = v.GetString();
                    break;
                case "low" when v.ValueKind == JsonValueKind.Number:
                    low = v.GetDouble();
                    break;
                case "high" when v.ValueKind == JsonValueKind.Number:
                    high = v.GetDouble();
                    break;
                case "steps" when v.TryGetInt32(out var s):
                    steps = s;
                    break;
                case "values" when v.ValueKind == JsonValueKind.Array:
                    values = [];
                    foreach (var item in v.EnumerateArray())
                    {
                        object? converted = item.ValueKind switch
                        {
                            JsonValueKind.String => item.GetString(),
                            JsonValueKind.True => true,
                            JsonValueKind.False => false,
                            JsonValueKind.Number when item.TryGetInt64(out var l) => l,
                            JsonValueKind.Number => item.GetDouble(),
                            _ => null,
                        };
                        if (converted is null)
                        {
                            errors.Add(new(at, item.GetRawText(), "values are numbers, strings or booleans"));
                        }
                        else
                        {
                            values.Add(converted);
                        }
                    }

                    break;
                default:
                    errors.Add(new(at, v.GetRawText(), DimensionFields.Contains(field.Name)
                        ? field.Name switch { "type" => "a string", "values" => "a list", "steps" => "a whole number", _ => "a number" }
                        : $"unknown field; allowed: {string.Join(", ", DimensionFields)}"));
                    break;
            }
        }

        if (type is null && errors.Count == before)
        {
            errors.Add(new(path + ".type", null, $"type is required: one of {string.Join(", ", SearchParameterTypes.All)}"));
        }

        return errors.Count > before ? null : new SearchDimension { Type = type!, Low = low, High = high, Steps = steps, Values = values };
    }
}
