using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training.Reinforcement;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>Reinforcement learning: describe the built-in environments, train policies, evaluate them.</summary>
[McpServerToolType]
public sealed class ReinforcementTools(MlopsContext context)
{
    [McpServerTool(Name = "preprocess_reinforcement", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Describes a built-in reinforcement-learning environment before training: observation size, number of actions, reward and episode cap, and what counts as success. Reinforcement learning needs no dataset; the environment generates the experience.")]
    public JsonObject PreprocessReinforcement(
        [Description("Environment name: cartpole or gridworld.")] string environment) => ToolErrors.Run(() =>
    {
        if (!ReinforcementEnvironments.IsKnown(environment))
        {
            throw ToolErrors.Invalid("environment", environment, "one of " + string.Join(", ", ReinforcementAlgorithms.Environments));
        }

        var env = ReinforcementEnvironments.Create(environment);
        return new JsonObject
        {
            ["environment"] = environment,
            ["observation_size"] = env.ObservationSize,
            ["action_count"] = env.ActionCount,
            ["description"] = environment == ReinforcementEnvironments.CartPoleName
                ? "Classic CartPole-v1 physics: reward 1 per step, episodes end when the pole passes 12° or the cart 2.4, truncated at 500 steps; success = lasting all 500 steps."
                : "5×5 grid world with walls and a pit: −0.01 per step, +1 at the goal, −1 in the pit, capped at 50 steps; success = reaching the goal.",
            ["algorithms"] = new JsonArray([.. ReinforcementAlgorithms.Specs.Select(a => (JsonNode?)a.Name)]),
        };
    });

    [McpServerTool(Name = "train_reinforcement", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Trains a policy with dqn, ppo or a3c in a built-in environment, evaluates it over greedy episodes (average_reward, episode_length, success_rate), keeps it under the run, and optionally registers it as a model version.")]
    public Task<JsonObject> TrainReinforcement(
        [Description("Algorithm: dqn, ppo or a3c.")] string algorithm,
        [Description("Environment: cartpole or gridworld.")] string environment,
        [Description("Hyperparameters as a JSON object, e.g. {\"total_timesteps\": 50000}; omitted ones take the catalog defaults.")] JsonElement? hyperparameters = null,
        [Description("Seed for the training and the evaluation episodes.")] int random_seed = 42,
        [Description("Model name to register the policy under; omit to keep it as a run only.")] string? model_name = null,
        [Description("When true, validate and report what would be trained, without training.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        var request = DataPreparationTools.AlgorithmRequest(new JsonObject
        {
            ["learning_type"] = LearningTypes.Reinforcement,
            ["task_type"] = TaskTypes.Control,
            ["environment"] = environment,
            ["model_name"] = model_name,
        }, algorithm, hyperparameters, context.DataRoot);
        var effective = Plugins.Training.TrainingService.WithDefaults(request.Algorithm, request.Hyperparameters);
        if (dry_run)
        {
            return new JsonObject { ["dry_run"] = true, ["algorithm"] = request.Algorithm, ["environment"] = environment, ["hyperparameters"] = JsonSerializer.SerializeToNode(effective) };
        }

        var runId = $"rl-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{request.Algorithm}-{Guid.NewGuid().ToString("N")[..6]}";
        var service = new ReinforcementRunService(context);
        var run = await service.TrainAsync(runId, request.Algorithm, environment, request.Hyperparameters, random_seed, null, cancellationToken).ConfigureAwait(false);
        var result = new JsonObject
        {
            ["run_id"] = runId,
            ["algorithm"] = run.Algorithm,
            ["environment"] = environment,
            ["timesteps"] = run.Result.Timesteps,
            ["training_seconds"] = Math.Round(run.Result.TrainingTime.TotalSeconds, 3),
            ["metrics"] = JsonSerializer.SerializeToNode(run.Result.Metrics),
            ["hyperparameters"] = JsonSerializer.SerializeToNode(run.Hyperparameters),
            ["artifacts"] = JsonSerializer.SerializeToNode(run.Artifacts),
        };
        if (request.ModelName is { } name)
        {
            var packaged = await service.RegisterAsync(run, name, request.EffectivePrimaryMetric, cancellationToken).ConfigureAwait(false);
            result["model"] = new JsonObject { ["name"] = name, ["version"] = packaged.Model.Version };
        }

        return result;
    });

    [McpServerTool(Name = "evaluate_reinforcement", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Re-evaluates a trained policy over fresh greedy episodes: average reward (with its standard deviation), mean episode length and success rate. Writes nothing.")]
    public Task<JsonObject> EvaluateReinforcement(
        [Description("run_id returned by train_reinforcement.")] string run_id,
        [Description("Greedy evaluation episodes, 1 to 1000.")] int episodes = 100,
        [Description("Seed of the evaluation episodes.")] int random_seed = 7,
        CancellationToken cancellationToken = default) => ToolErrors.Run(async () =>
    {
        if (episodes is < 1 or > 1000)
        {
            throw ToolErrors.Invalid("episodes", episodes, "an integer from 1 to 1000");
        }

        var evaluation = await new ReinforcementRunService(context).EvaluateAsync(run_id, episodes, random_seed, cancellationToken).ConfigureAwait(false);
        var result = ToolJson.ToObject(evaluation);
        result["run_id"] = run_id;
        result["metrics"] = JsonSerializer.SerializeToNode(evaluation.ToMetrics());
        return result;
    });
}
