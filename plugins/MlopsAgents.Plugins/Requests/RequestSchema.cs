using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Requests;

/// <summary>
/// Generates the JSON Schema of a training request (docs/schema/training-request.schema.json) from the same
/// field table the parser reads and from <see cref="AlgorithmCatalog"/>, so the two cannot drift apart.
/// </summary>
/// <remarks>
/// Cross-field rules use allOf/anyOf/oneOf/not with single-value enums instead of if/then and const, so that
/// draft-04-era validators such as NJsonSchema enforce them too. Two rules have no JSON Schema form and live
/// only in the parser: test_size + validation_size below 0.8, and disjoint column lists; their descriptions say so.
/// </remarks>
public static class RequestSchema
{
    /// <summary>Path of the committed schema, relative to the repository root.</summary>
    public const string RelativePath = "docs/schema/training-request.schema.json";

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,

        // Keeps quotes and '<' readable in descriptions; the file is documentation, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The schema as indented JSON with '\n' line endings and a final newline.</summary>
    public static string Generate() => Build().ToJsonString(WriteOptions).ReplaceLineEndings("\n") + "\n";

    private static JsonObject Build() => new()
    {
        ["$schema"] = "http://json-schema.org/draft-07/schema#",
        ["title"] = "Training request",
        ["description"] = "A request to train, evaluate and deploy a model, written as YAML in a ```yaml block of a GitHub issue. "
            + "Generated from the request parser's field table; do not edit by hand.",
        ["type"] = "object",
        ["additionalProperties"] = false,
        ["required"] = Array(RequestFields.Required),
        ["properties"] = Properties(RequestFields.TopLevel),
        ["allOf"] = new JsonArray(DatasetRule(), LearningTypeRule(), AlgorithmRule(), MetricRule(), ThresholdRule()),
    };

    private static JsonObject Properties(IReadOnlyList<FieldSpec> fields)
    {
        var properties = new JsonObject();
        foreach (var field in fields)
        {
            properties[field.Name] = FieldSchema(field);
        }

        return properties;
    }

    private static JsonObject FieldSchema(FieldSpec field)
    {
        var schema = new JsonObject { ["description"] = field.Description };
        switch (field.Kind)
        {
            case FieldKind.String:
                schema["type"] = "string";
                schema["minLength"] = 1;
                schema["maxLength"] = field.MaxLength;
                if (field.Pattern is not null)
                {
                    schema["pattern"] = field.Pattern;
                }

                break;

            case FieldKind.Enum or FieldKind.ContextEnum:
                schema["type"] = "string";
                schema["enum"] = Array(field.Values!);
                break;

            case FieldKind.Bool:
                schema["type"] = "boolean";
                break;

            case FieldKind.Int or FieldKind.Number:
                schema["type"] = field.Kind == FieldKind.Int ? "integer" : "number";
                AddRange(schema, field.Min, field.Max, field.MinExclusive, field.MaxExclusive, field.Kind == FieldKind.Int);
                break;

            case FieldKind.StringList:
                schema["type"] = "array";
                schema["items"] = field.Values is null
                    ? new JsonObject { ["type"] = "string", ["minLength"] = 1 }
                    : new JsonObject { ["type"] = "string", ["enum"] = Array(field.Values) };
                schema["uniqueItems"] = true;
                break;

            case FieldKind.Object:
                schema["type"] = "object";
                schema["additionalProperties"] = false;
                schema["properties"] = Properties(field.Fields!);
                if (field.Name == "data_preprocessing")
                {
                    schema["not"] = new JsonObject
                    {
                        ["description"] = "normalize and standardize cannot both be true.",
                        ["required"] = Array(["normalize", "standardize"]),
                        ["properties"] = new JsonObject { ["normalize"] = Enum(true), ["standardize"] = Enum(true) },
                    };
                }

                break;

            case FieldKind.Hyperparameters:
                // Every name any algorithm knows; the algorithm rule below narrows names and values to the chosen algorithm.
                schema["type"] = "object";
                schema["additionalProperties"] = false;
                var names = new JsonObject();
                foreach (var name in AlgorithmCatalog.All.SelectMany(a => a.Hyperparameters).SelectMany(h => (h.Aliases ?? []).Prepend(h.Name)).Distinct())
                {
                    names[name] = new JsonObject();
                }

                schema["properties"] = names;
                break;
        }

        if (field.Default is { } value)
        {
            schema["default"] = Scalar(value);
        }

        return schema;
    }

    private static JsonObject DatasetRule() => new()
    {
        ["description"] = "Exactly one of dataset_id and dataset_uri.",
        ["oneOf"] = new JsonArray(
            new JsonObject { ["required"] = Array(["dataset_id"]) },
            new JsonObject { ["required"] = Array(["dataset_uri"]) }),
    };

    private static JsonObject LearningTypeRule()
    {
        var branches = new JsonArray();
        foreach (var (learning, tasks) in TaskTypes.ByLearningType)
        {
            var branch = new JsonObject
            {
                ["properties"] = new JsonObject { ["learning_type"] = Enum(learning), ["task_type"] = Enum(tasks) },
            };

            // learning_type defaults to supervised, so only the other branches need it written out.
            if (learning != LearningTypes.Supervised)
            {
                branch["required"] = Array(["learning_type"]);
            }

            branches.Add(branch);
        }

        return new JsonObject { ["description"] = "task_type must belong to learning_type (default supervised).", ["anyOf"] = branches };
    }

    private static JsonObject AlgorithmRule()
    {
        var branches = new JsonArray();
        foreach (var algorithm in AlgorithmCatalog.All)
        {
            branches.Add(new JsonObject
            {
                ["description"] = algorithm.Description,
                ["properties"] = new JsonObject
                {
                    ["algorithm"] = Enum(algorithm.Name),
                    ["task_type"] = Enum(algorithm.Tasks),
                    ["hyperparameters"] = HyperparametersSchema(algorithm),
                },
            });
        }

        return new JsonObject { ["description"] = "algorithm must support task_type; hyperparameters must suit algorithm.", ["anyOf"] = branches };
    }

    private static JsonObject HyperparametersSchema(AlgorithmSpec algorithm)
    {
        var properties = new JsonObject();
        var conflicts = new JsonArray();
        foreach (var spec in algorithm.Hyperparameters)
        {
            properties[spec.Name] = HyperparameterSchema(spec, spec.Description);
            foreach (var alias in spec.Aliases ?? [])
            {
                properties[alias] = HyperparameterSchema(spec, $"Alias of {spec.Name}. {spec.Description}");
                conflicts.Add(new JsonObject
                {
                    ["description"] = $"{alias} and {spec.Name} are the same hyperparameter; give only one.",
                    ["not"] = new JsonObject { ["required"] = Array([spec.Name, alias]) },
                });
            }
        }

        var schema = new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["properties"] = properties,
        };
        if (conflicts.Count > 0)
        {
            schema["allOf"] = conflicts;
        }

        return schema;
    }

    private static JsonObject HyperparameterSchema(HyperparameterSpec spec, string description)
    {
        var schema = new JsonObject { ["description"] = description };
        switch (spec.Type)
        {
            case HyperparameterType.Int or HyperparameterType.Float:
                schema["type"] = spec.Type == HyperparameterType.Int ? "integer" : "number";
                AddRange(schema, spec.Min, spec.Max, spec.MinExclusive, maxExclusive: false, spec.Type == HyperparameterType.Int);
                break;
            case HyperparameterType.Bool:
                schema["type"] = "boolean";
                break;
            case HyperparameterType.IntList:
                var item = new JsonObject { ["type"] = "integer" };
                AddRange(item, spec.Min, spec.Max, spec.MinExclusive, maxExclusive: false, integer: true);
                schema["type"] = "array";
                schema["minItems"] = 1;
                schema["maxItems"] = 10;
                schema["items"] = item;
                break;
            default:
                schema["type"] = "string";
                schema["enum"] = Array(spec.Values ?? []);
                break;
        }

        if (spec.Default is { } value)
        {
            schema["default"] = Scalar(value);
        }

        return schema;
    }

    private static JsonObject MetricRule()
    {
        var branches = new JsonArray(
            new JsonObject { ["properties"] = new JsonObject { ["task_type"] = Enum(TaskTypes.Classification), ["primary_metric"] = Enum(Metrics.Classification) } },
            new JsonObject { ["properties"] = new JsonObject { ["task_type"] = Enum(TaskTypes.Regression), ["primary_metric"] = Enum(Metrics.Regression) } });
        return new JsonObject { ["description"] = "primary_metric must suit task_type.", ["anyOf"] = branches };
    }

    private static JsonObject ThresholdRule()
    {
        var unbounded = RequestFields.AllMetrics.Where(m => !RequestFields.BoundedMetrics.Contains(m)).ToList();
        var branches = new JsonArray(
            new JsonObject
            {
                ["description"] = "Error metrics: the threshold is a non-negative error.",
                ["required"] = Array(["primary_metric"]),
                ["properties"] = new JsonObject
                {
                    ["primary_metric"] = Enum(unbounded),
                    ["evaluation_threshold"] = new JsonObject { ["minimum"] = 0 },
                },
            },
            new JsonObject
            {
                ["description"] = "r2, given or as the regression default: the threshold is at most 1.",
                ["properties"] = new JsonObject
                {
                    ["task_type"] = Enum(TaskTypes.Regression),
                    ["primary_metric"] = Enum("r2"),
                    ["evaluation_threshold"] = new JsonObject { ["maximum"] = 1 },
                },
            },
            new JsonObject
            {
                ["description"] = "Classification metrics: the threshold lies in [0, 1].",
                ["properties"] = new JsonObject { ["evaluation_threshold"] = new JsonObject { ["minimum"] = 0, ["maximum"] = 1 } },
            });
        return new JsonObject { ["description"] = "evaluation_threshold must be reachable by the primary metric.", ["anyOf"] = branches };
    }

    private static void AddRange(JsonObject schema, double? min, double? max, bool minExclusive, bool maxExclusive, bool integer)
    {
        if (min is { } lo)
        {
            schema[minExclusive ? "exclusiveMinimum" : "minimum"] = Number(lo, integer);
        }

        if (max is { } hi)
        {
            schema[maxExclusive ? "exclusiveMaximum" : "maximum"] = Number(hi, integer);
        }
    }

    // Integer bounds are written without a fraction so integer-typed fields read naturally.
    private static JsonNode Number(double value, bool integer) =>
        integer || (value == Math.Floor(value) && Math.Abs(value) < 1e15) ? JsonValue.Create((long)value) : JsonValue.Create(value);

    private static JsonNode Scalar(object value) => value switch
    {
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        string s => JsonValue.Create(s),
        long[] list => new JsonArray([.. list.Select(v => (JsonNode?)JsonValue.Create(v))]),
        _ => throw new InvalidOperationException($"No JSON form for default value of type {value.GetType().Name}."),
    };

    private static JsonObject Enum(params IEnumerable<string> values) => new() { ["enum"] = Array(values) };

    private static JsonObject Enum(bool value) => new() { ["enum"] = new JsonArray(value) };

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}
