using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Search;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>ML Training: cross-validated hyperparameter search on prepared data.</summary>
[McpServerToolType]
public sealed class HyperparameterTools(MlopsContext context)
{
    [McpServerTool(Name = "hyperparameter_optimization", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Searches hyperparameters of a supervised algorithm by k-fold cross-validation on the training split of a training_id (from preprocess_supervised): grid, random or bayesian (Gaussian process with expected improvement). Records every trial as a child run of the training_id in the registry and saves the search as optimizations/{training_id}/{search_id}.json. Returns the best parameters and score and every trial with its parameters and scores. It trains no final model: pass best_parameters to train_supervised_classifier or train_supervised_regressor.")]
    public Task<JsonObject> HyperparameterOptimization(
        [Description("training_id returned by preprocess_supervised.")] string training_id,
        [Description("Algorithm to tune, e.g. random_forest, xgboost or logistic_regression.")] string algorithm,
        [Description("The search as a JSON object: {\"method\": \"random\", \"max_trials\": 20, \"metric\": \"f1_score\", \"cv_folds\": 5, \"search_space\": {\"n_estimators\": {\"type\": \"int\", \"low\": 20, \"high\": 200}, \"max_features\": {\"type\": \"categorical\", \"values\": [\"sqrt\", \"all\"]}}}. method: grid, random or bayesian; types: int, float, log_float, categorical; a grid over a float needs steps or values; metric defaults to f1_score or r2.")] JsonElement hpo,
        [Description("Hyperparameters held fixed in every trial, as a JSON object; omitted ones take the catalog defaults.")] JsonElement? hyperparameters = null,
        [Description("Seed of the sampler, the folds and every trainer.")] int random_seed = 42,
        [Description("When true, validate the search and report what would run, without training or recording.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var data = await new PreparationService(context).LoadAsync(training_id, cancellationToken).ConfigureAwait(false);
        var task = data.Manifest.TaskType;
        var request = DataPreparationTools.AlgorithmRequest(new JsonObject
        {
            ["dataset_id"] = data.Manifest.DatasetId,
            ["task_type"] = task,
        }, algorithm, hyperparameters, context.DataRoot);
        if (!ModelTrainers.Algorithms.Contains(request.Algorithm))
        {
            throw ToolErrors.Invalid("algorithm", algorithm, $"a trainable algorithm: {string.Join(", ", ModelTrainers.Algorithms)}");
        }

        var options = HpoJson.Parse(hpo);
        var spec = AlgorithmCatalog.Find(request.Algorithm)!;
        var problems = options.Validate(spec, task);
        if (problems.Count > 0)
        {
            throw new RequestValidationException(problems);
        }

        var metric = options.Metric ?? (task == TaskTypes.Classification ? "f1_score" : "r2");
        if (dry_run)
        {
            return new JsonObject
            {
                ["dry_run"] = true,
                ["training_id"] = training_id,
                ["algorithm"] = request.Algorithm,
                ["method"] = options.Method,
                ["max_trials"] = options.MaxTrials,
                ["metric"] = metric,
                ["cv_folds"] = options.CvFolds,
                ["searched"] = new JsonArray([.. options.SearchSpace.Keys.Order(StringComparer.Ordinal).Select(k => (JsonNode?)k)]),
                ["train_rows"] = data.Train.RowCount,
            };
        }

        var startedAt = DateTimeOffset.UtcNow;
        SearchResult search;
        try
        {
            search = HyperparameterSearch.Run(options, request.Algorithm, data.Train, request.Hyperparameters, new SearchSettings { Seed = random_seed }, null, cancellationToken);
        }
        catch (ArgumentException e)
        {
            // The data decides some limits, such as more folds than the smallest class has rows.
            throw ToolErrors.Invalid("hpo", hpo.GetRawText(), $"a search this training split supports: {e.Message}");
        }

        var searchId = $"{training_id}-hpo-{Guid.NewGuid().ToString("N")[..6]}";
        var trials = new JsonArray();
        var records = new List<RunRecord>();
        foreach (var trial in search.Trials.OrderBy(t => t.Number))
        {
            var runId = $"{searchId}-trial-{trial.Number:D3}";
            var parameters = new Dictionary<string, object>(request.Hyperparameters, StringComparer.Ordinal);
            foreach (var (name, value) in trial.Parameters)
            {
                parameters[name] = value;
            }

            records.Add(new RunRecord(runId, data.Manifest.DatasetId, data.Manifest.DatasetVersion, request.Algorithm, task, "finished", "hpo_trial",
                TrainingService.WithDefaults(request.Algorithm, parameters), new Dictionary<string, double> { [search.Metric] = trial.MeanScore },
                new Dictionary<string, string> { ["search"] = ArtifactKeys.Optimization(training_id, searchId + ".json") },
                new Dictionary<string, double> { ["cross_validation"] = trial.Duration.TotalSeconds }, startedAt, DateTimeOffset.UtcNow, training_id));
            trials.Add(new JsonObject
            {
                ["number"] = trial.Number,
                ["run_id"] = runId,
                ["parameters"] = JsonSerializer.SerializeToNode(trial.Parameters),
                ["mean_score"] = trial.MeanScore,
                ["fold_scores"] = JsonSerializer.SerializeToNode(trial.FoldScores),
                ["seconds"] = Math.Round(trial.Duration.TotalSeconds, 3),
            });
        }

        var result = new JsonObject
        {
            ["search_id"] = searchId,
            ["training_id"] = training_id,
            ["algorithm"] = request.Algorithm,
            ["method"] = options.Method,
            ["metric"] = search.Metric,
            ["lower_is_better"] = search.LowerIsBetter,
            ["cv_folds"] = options.CvFolds,
            ["best_parameters"] = JsonSerializer.SerializeToNode(search.BestParameters),
            ["best_score"] = search.BestScore,
            ["best_trial"] = search.BestTrial.Number,
            ["trials"] = trials,
        };
        var stored = await context.PutTextAsync(training_id, "hpo_search", ArtifactKeys.Optimization(training_id, searchId + ".json"), result.ToJsonString(), cancellationToken).ConfigureAwait(false);
        foreach (var record in records)
        {
            context.Registry.SaveRun(record);
        }

        result["artifact"] = stored.Location;
        return result;
    });
}
