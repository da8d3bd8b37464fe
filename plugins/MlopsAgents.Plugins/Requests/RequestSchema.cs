using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Reinforcement;

namespace MlopsAgents.Plugins.Requests;

/// <summary>
/// Generates the JSON Schema of a training request (docs/schema/training-request.schema.json) from the same
/// field table the parser reads and from <see cref="AlgorithmCatalog"/>, so the two cannot drift apart.
/// </summary>
/// <remarks>
/// Cross-field rules use allOf/anyOf/oneOf/not with single-value enums instead of if/then and const, so that
/// draft-04-era validators such as NJsonSchema enforce them too. Some rules have no JSON Schema form and live
/// only in the parser: test_size + validation_size below 0.8, disjoint column lists, and the search-space checks
/// that compare low with high or a dimension's type with its hyperparameter; their descriptions say so.
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
        ["allOf"] = new JsonArray(
            DatasetRule(), LearningTypeRule(), AlgorithmRule(), MetricRule(), ThresholdRule(), PreprocessingRule(), HpoRule(), FairnessRule()),
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
                if (field.MinItems > 0)
                {
                    schema["minItems"] = field.MinItems;
                }

                break;

            case FieldKind.Scalar:
                schema["type"] = Array(["string", "number", "boolean"]);
                break;

            case FieldKind.ScalarList:
                schema["type"] = "array";
                schema["minItems"] = Math.Max(field.MinItems, 1);
                schema["items"] = new JsonObject { ["type"] = Array(["string", "number", "boolean"]) };
                break;

            case FieldKind.SearchSpace:
                // Names are narrowed to the chosen algorithm's hyperparameters by the algorithm rule below.
                schema["type"] = "object";
                schema["minProperties"] = 1;
                schema["additionalProperties"] = ObjectSchema(field);
                break;

            case FieldKind.Object:
                schema["type"] = "object";
                schema["additionalProperties"] = false;
                schema["properties"] = Properties(field.Fields!);
                if (field.Required.Count > 0)
                {
                    schema["required"] = Array(field.Required);
                }

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

    private static JsonObject ObjectSchema(FieldSpec field) => new()
    {
        ["type"] = "object",
        ["additionalProperties"] = false,
        ["properties"] = Properties(field.Fields!),
        ["required"] = Array(field.Required),
    };

    private static JsonObject DatasetRule() => new()
    {
        ["description"] = "Supervised and unsupervised learning: exactly one of dataset_id and dataset_uri, and no environment. "
            + "Reinforcement learning: an environment, and no dataset or column fields.",
        ["anyOf"] = new JsonArray(
            new JsonObject
            {
                ["properties"] = new JsonObject { ["learning_type"] = Enum(LearningTypes.Supervised, LearningTypes.Unsupervised) },
                ["oneOf"] = new JsonArray(
                    new JsonObject { ["required"] = Array(["dataset_id"]) },
                    new JsonObject { ["required"] = Array(["dataset_uri"]) }),
                ["not"] = new JsonObject { ["required"] = Array(["environment"]) },
            },
            new JsonObject
            {
                ["required"] = Array(["learning_type", "environment"]),
                ["properties"] = new JsonObject { ["learning_type"] = Enum(LearningTypes.Reinforcement) },
                ["not"] = new JsonObject
                {
                    ["anyOf"] = new JsonArray([.. RequestFields.DataFields.Select(f => (JsonNode)new JsonObject { ["required"] = Array([f]) })]),
                },
            }),
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
                    ["hpo"] = new JsonObject { ["properties"] = new JsonObject { ["search_space"] = SearchSpaceNames(algorithm) } },
                },
            });
        }

        return new JsonObject
        {
            ["description"] = "algorithm must support task_type; hyperparameters and the hpo search space must suit algorithm.",
            ["anyOf"] = branches,
        };
    }

    private static JsonObject SearchSpaceNames(AlgorithmSpec algorithm)
    {
        // List-valued hyperparameters cannot be searched.
        var names = new JsonObject();
        foreach (var name in algorithm.Hyperparameters.Where(h => h.Type != HyperparameterType.IntList).SelectMany(h => (h.Aliases ?? []).Prepend(h.Name)))
        {
            names[name] = new JsonObject();
        }

        return new JsonObject { ["additionalProperties"] = false, ["properties"] = names };
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
        var branches = new JsonArray();
        foreach (var task in RequestFields.AllTaskTypes)
        {
            var metrics = RequestFields.MetricsFor(task);
            var properties = new JsonObject { ["task_type"] = Enum(task), ["primary_metric"] = Enum(metrics) };
            if (metrics.All(RequestFields.SupervisedMetrics.Contains))
            {
                properties["hpo"] = new JsonObject { ["properties"] = new JsonObject { ["metric"] = Enum(metrics) } };
            }

            branches.Add(new JsonObject { ["properties"] = properties });
        }

        return new JsonObject { ["description"] = "primary_metric and hpo.metric must suit task_type.", ["anyOf"] = branches };
    }

    private static JsonObject ThresholdRule()
    {
        IReadOnlyList<string?> environments = [null, .. ReinforcementAlgorithms.Environments];
        bool DependsOnEnvironment(string metric) =>
            environments.Select(e => RequestFields.ThresholdBounds(metric, e)).Distinct().Count() > 1;

        var branches = new JsonArray(new JsonObject { ["not"] = new JsonObject { ["required"] = Array(["evaluation_threshold"]) } });

        // A named primary metric: metrics with the same range share a branch.
        foreach (var group in RequestFields.AllMetrics.Where(m => !DependsOnEnvironment(m)).GroupBy(m => RequestFields.ThresholdBounds(m, null)))
        {
            branches.Add(ThresholdBranch(group.Key, requirePrimaryMetric: true, ["primary_metric"], new JsonObject { ["primary_metric"] = Enum(group) }));
        }

        foreach (var metric in RequestFields.AllMetrics.Where(DependsOnEnvironment))
        {
            foreach (var environment in ReinforcementAlgorithms.Environments)
            {
                branches.Add(ThresholdBranch(RequestFields.ThresholdBounds(metric, environment), requirePrimaryMetric: true, ["primary_metric", "environment"],
                    new JsonObject { ["primary_metric"] = Enum(metric), ["environment"] = Enum(environment) }));
            }
        }

        // No primary metric: the task's default, which for dimensionality reduction depends on the algorithm.
        foreach (var task in RequestFields.AllTaskTypes)
        {
            var defaults = AlgorithmCatalog.ForTask(task)
                .Select(a => (Algorithm: a.Name, Metric: new TrainingRequest { TaskType = task, Algorithm = a.Name }.EffectivePrimaryMetric))
                .ToList();
            var perEnvironment = defaults.Any(d => DependsOnEnvironment(d.Metric));
            IReadOnlyList<string?> taskEnvironments = perEnvironment ? [.. ReinforcementAlgorithms.Environments] : [null];
            foreach (var environment in taskEnvironments)
            {
                var groups = defaults.GroupBy(d => RequestFields.ThresholdBounds(d.Metric, environment)).ToList();
                foreach (var group in groups)
                {
                    var properties = new JsonObject { ["task_type"] = Enum(task) };
                    List<string> required = ["task_type"];
                    if (groups.Count > 1)
                    {
                        properties["algorithm"] = Enum(group.Select(d => d.Algorithm));
                        required.Add("algorithm");
                    }

                    if (environment is not null)
                    {
                        properties["environment"] = Enum(environment);
                        required.Add("environment");
                    }

                    branches.Add(ThresholdBranch(group.Key, requirePrimaryMetric: false, required, properties));
                }
            }
        }

        return new JsonObject
        {
            ["description"] = "evaluation_threshold must be reachable by the primary metric (given, or the task's default).",
            ["anyOf"] = branches,
        };
    }

    private static JsonObject ThresholdBranch(MetricBounds bounds, bool requirePrimaryMetric, IEnumerable<string> required, JsonObject properties)
    {
        var threshold = new JsonObject();
        AddRange(threshold, bounds.Min, bounds.Max, minExclusive: false, maxExclusive: false, integer: false);
        properties["evaluation_threshold"] = threshold;
        var branch = new JsonObject { ["required"] = Array(required), ["properties"] = properties };
        if (bounds.Reason is not null)
        {
            branch["description"] = bounds.Reason;
        }

        if (!requirePrimaryMetric)
        {
            branch["not"] = new JsonObject { ["required"] = Array(["primary_metric"]) };
        }

        return branch;
    }

    private static JsonObject PreprocessingRule() => new()
    {
        ["description"] = "class_imbalance other than none needs task_type classification; target encoding needs supervised learning.",
        ["allOf"] = new JsonArray(
            new JsonObject
            {
                ["anyOf"] = new JsonArray(
                    new JsonObject { ["required"] = Array(["task_type"]), ["properties"] = new JsonObject { ["task_type"] = Enum(TaskTypes.Classification) } },
                    PreprocessingField("class_imbalance", [ImbalanceStrategies.None])),
            },
            new JsonObject
            {
                ["anyOf"] = new JsonArray(
                    new JsonObject { ["properties"] = new JsonObject { ["learning_type"] = Enum(LearningTypes.Supervised) } },
                    PreprocessingField("encode_categorical", CategoricalEncodings.All.Where(e => e != CategoricalEncodings.Target))),
            }),
    };

    private static JsonObject PreprocessingField(string name, IEnumerable<string> values) => new()
    {
        ["properties"] = new JsonObject { ["data_preprocessing"] = new JsonObject { ["properties"] = new JsonObject { [name] = Enum(values) } } },
    };

    private static JsonObject HpoRule() => OnlyWhen("hpo", "hpo only applies to supervised learning (learning_type defaults to supervised).",
        new JsonObject { ["properties"] = new JsonObject { ["learning_type"] = Enum(LearningTypes.Supervised) } });

    private static JsonObject FairnessRule() => OnlyWhen("fairness", "fairness only applies to task_type classification.",
        new JsonObject { ["required"] = Array(["task_type"]), ["properties"] = new JsonObject { ["task_type"] = Enum(TaskTypes.Classification) } });

    private static JsonObject OnlyWhen(string field, string description, JsonObject condition) => new()
    {
        ["description"] = description,
        ["anyOf"] = new JsonArray(new JsonObject { ["not"] = new JsonObject { ["required"] = Array([field]) } }, condition),
    };

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
