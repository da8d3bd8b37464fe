using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>ML Training: train candidates on prepared data.</summary>
[McpServerToolType]
public sealed class TrainingTools(MlopsContext context)
{
    [McpServerTool(Name = "train_supervised_classifier", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Trains a classifier on the prepared data of a training_id (from preprocess_supervised) and keeps it as a candidate run. Algorithms: xgboost, random_forest, logistic_regression, and any other the catalog lists for classification. Returns the run_id that the evaluation and registry tools take.")]
    public Task<JsonObject> TrainSupervisedClassifier(
        [Description("training_id returned by preprocess_supervised.")] string training_id,
        [Description("Algorithm name, e.g. xgboost.")] string algorithm,
        [Description("Hyperparameters as a JSON object, e.g. {\"num_round\": 200, \"max_depth\": 4}; omitted ones take the catalog defaults.")] JsonElement? hyperparameters = null,
        [Description("Seed for the training's randomness.")] int random_seed = 42,
        [Description("When true, validate everything and report what would be trained, without training.")] bool dry_run = false,
        CancellationToken cancellationToken = default) =>
        TrainAsync(TaskTypes.Classification, training_id, algorithm, hyperparameters, random_seed, dry_run, cancellationToken);

    [McpServerTool(Name = "train_supervised_regressor", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Trains a regressor on the prepared data of a training_id (from preprocess_supervised) and keeps it as a candidate run. Algorithms: xgboost, random_forest, linear_regression, and any other the catalog lists for regression. Returns the run_id.")]
    public Task<JsonObject> TrainSupervisedRegressor(
        [Description("training_id returned by preprocess_supervised.")] string training_id,
        [Description("Algorithm name, e.g. linear_regression.")] string algorithm,
        [Description("Hyperparameters as a JSON object, e.g. {\"alpha\": 0.1}; omitted ones take the catalog defaults.")] JsonElement? hyperparameters = null,
        [Description("Seed for the training's randomness.")] int random_seed = 42,
        [Description("When true, validate everything and report what would be trained, without training.")] bool dry_run = false,
        CancellationToken cancellationToken = default) =>
        TrainAsync(TaskTypes.Regression, training_id, algorithm, hyperparameters, random_seed, dry_run, cancellationToken);

    private Task<JsonObject> TrainAsync(string task, string trainingId, string algorithm, JsonElement? hyperparameters, int seed, bool dryRun, CancellationToken ct) => ToolErrors.Run(async () =>
    {
        var data = await new PreparationService(context).LoadAsync(trainingId, ct).ConfigureAwait(false);
        if (data.Manifest.TaskType != task)
        {
            throw ToolErrors.Invalid("training_id", trainingId, $"prepared data for {task}; this one was prepared for {data.Manifest.TaskType}, so use the {(task == TaskTypes.Classification ? "train_supervised_regressor" : "train_supervised_classifier")} tool");
        }

        // The same parser as issue bodies validates the algorithm and its hyperparameters, so messages match.
        var request = DataPreparationTools.AlgorithmRequest(new JsonObject
        {
            ["dataset_id"] = data.Manifest.DatasetId,
            ["task_type"] = task,
        }, algorithm, hyperparameters, context.DataRoot);
        if (!ModelTrainers.Algorithms.Contains(request.Algorithm))
        {
            throw ToolErrors.Invalid("algorithm", algorithm, $"a trainable algorithm: {string.Join(", ", ModelTrainers.Algorithms)}");
        }

        var effective = TrainingService.WithDefaults(request.Algorithm, request.Hyperparameters);
        if (dryRun)
        {
            return new JsonObject
            {
                ["dry_run"] = true,
                ["training_id"] = trainingId,
                ["algorithm"] = request.Algorithm,
                ["hyperparameters"] = JsonSerializer.SerializeToNode(effective),
                ["train_rows"] = data.Train.RowCount,
            };
        }

        var runId = $"{trainingId}-{request.Algorithm.Replace('_', '-')}-{Guid.NewGuid().ToString("N")[..6]}";
        var candidate = await new TrainingService(context).TrainAsync(data, runId, request.Algorithm, request.Hyperparameters, seed, null, ct).ConfigureAwait(false);
        return new JsonObject
        {
            ["run_id"] = candidate.RunId,
            ["training_id"] = trainingId,
            ["algorithm"] = candidate.Algorithm,
            ["hyperparameters"] = JsonSerializer.SerializeToNode(candidate.Hyperparameters),
            ["train_rows"] = data.Train.RowCount,
            ["train_seconds"] = Math.Round(candidate.TrainSeconds, 3),
        };
    });
}
