using System.Text.Json.Nodes;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Packaging;

/// <summary>Builds the OpenAPI 3 document of a packaged model's prediction API from its metadata.</summary>
public static class OpenApiDocument
{
    public const string FileName = "openapi.json";

    public static JsonObject Build(ModelMetadata m)
    {
        var rowProperties = new JsonObject();
        foreach (var c in m.InputColumns)
        {
            rowProperties[c.Name] = c.Kind == ColumnKind.Numeric
                ? new JsonObject { ["type"] = new JsonArray("number", "null"), ["description"] = $"Numeric feature; null is imputed ({m.InputColumns.Count} columns in all)." }
                : new JsonObject { ["type"] = new JsonArray("string", "null"), ["enum"] = new JsonArray([.. (c.Categories ?? []).Select(v => (JsonNode?)JsonValue.Create(v)), null]) };
        }

        var predictionSchema = m.TaskType == "regression"
            ? new JsonObject { ["type"] = "object", ["required"] = new JsonArray("prediction"), ["properties"] = new JsonObject { ["prediction"] = new JsonObject { ["type"] = "number" } } }
            : new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("prediction", "probabilities"),
                ["properties"] = new JsonObject
                {
                    ["prediction"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. m.ClassNames.Select(n => (JsonNode?)JsonValue.Create(n))]) },
                    ["probabilities"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject(m.ClassNames.Select(n => KeyValuePair.Create(n, (JsonNode?)new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 1 }))),
                    },
                },
            };

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = $"{m.ModelName} prediction API",
                ["version"] = m.Version,
                ["description"] = $"{m.Algorithm} {m.TaskType} model predicting '{m.Target}', trained in run {m.TrainingId} on dataset {m.Dataset?.DatasetId} v{m.Dataset?.Version}.",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "http://127.0.0.1:8080" }),
            ["paths"] = new JsonObject
            {
                ["/predict"] = new JsonObject
                {
                    ["post"] = new JsonObject
                    {
                        ["operationId"] = "predict",
                        ["summary"] = "Predict a batch of rows.",
                        ["requestBody"] = new JsonObject
                        {
                            ["required"] = true,
                            ["content"] = Json(new JsonObject { ["$ref"] = "#/components/schemas/PredictRequest" }),
                        },
                        ["responses"] = new JsonObject
                        {
                            ["200"] = new JsonObject { ["description"] = "One prediction per row, in order.", ["content"] = Json(new JsonObject { ["$ref"] = "#/components/schemas/PredictResponse" }) },
                            ["400"] = new JsonObject { ["description"] = "A row is invalid; errors name the row, the column and the reason.", ["content"] = Json(new JsonObject { ["$ref"] = "#/components/schemas/Problem" }) },
                        },
                    },
                },
                ["/health"] = new JsonObject
                {
                    ["get"] = new JsonObject
                    {
                        ["operationId"] = "health",
                        ["summary"] = "Liveness and the model versions loaded.",
                        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "Healthy." } },
                    },
                },
                ["/openapi.json"] = new JsonObject
                {
                    ["get"] = new JsonObject
                    {
                        ["operationId"] = "openapi",
                        ["summary"] = "This document.",
                        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "The OpenAPI document." } },
                    },
                },
            },
            ["components"] = new JsonObject
            {
                ["schemas"] = new JsonObject
                {
                    ["Row"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["required"] = new JsonArray([.. m.InputColumns.Select(c => (JsonNode?)JsonValue.Create(c.Name))]),
                        ["properties"] = rowProperties,
                    },
                    ["PredictRequest"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["required"] = new JsonArray("rows"),
                        ["properties"] = new JsonObject
                        {
                            ["rows"] = new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = new JsonObject { ["$ref"] = "#/components/schemas/Row" } },
                        },
                    },
                    ["PredictResponse"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["model"] = new JsonObject { ["type"] = "string" },
                            ["version"] = new JsonObject { ["type"] = "string" },
                            ["predictions"] = new JsonObject { ["type"] = "array", ["items"] = predictionSchema },
                        },
                    },
                    ["Problem"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["title"] = new JsonObject { ["type"] = "string" },
                            ["status"] = new JsonObject { ["type"] = "integer" },
                            ["errors"] = new JsonObject
                            {
                                ["type"] = "array",
                                ["items"] = new JsonObject
                                {
                                    ["type"] = "object",
                                    ["properties"] = new JsonObject
                                    {
                                        ["row"] = new JsonObject { ["type"] = "integer" },
                                        ["message"] = new JsonObject { ["type"] = "string" },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        };

        static JsonObject Json(JsonObject schema) => new() { ["application/json"] = new JsonObject { ["schema"] = schema } };
    }

    /// <summary>The model's task as the metadata spells it.</summary>
    public static string TaskName(ModelTask task) => task == ModelTask.Regression ? "regression" : "classification";
}
