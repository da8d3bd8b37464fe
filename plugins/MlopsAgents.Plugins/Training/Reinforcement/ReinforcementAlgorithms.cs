using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>Catalog entries of the reinforcement-learning algorithms. The environment is the request's <c>environment</c> field.</summary>
public static class ReinforcementAlgorithms
{
    public const string Ppo = "ppo";
    public const string Dqn = "dqn";
    public const string A3c = "a3c";

    /// <summary>Built-in environments a request may name.</summary>
    public static readonly IReadOnlyList<string> Environments = ["cartpole", "gridworld"];

    public static readonly IReadOnlyList<AlgorithmSpec> Specs =
    [
        new(Ppo, [TaskTypes.Control],
            "Proximal policy optimisation (clipped objective, GAE) with separate policy and value networks.",
            [
                new("total_timesteps", HyperparameterType.Int, "Environment steps to train for.", 100000L, Min: 1, Max: 100_000_000),
                new("learning_rate", HyperparameterType.Float, "Adam step size.", 3e-4, Min: 0, Max: 1, MinExclusive: true),
                new("gamma", HyperparameterType.Float, "Discount factor.", 0.99, Min: 0, Max: 1),
                new("gae_lambda", HyperparameterType.Float, "GAE smoothing.", 0.95, Min: 0, Max: 1),
                new("clip_range", HyperparameterType.Float, "PPO clipping epsilon.", 0.2, Min: 0, Max: 1, MinExclusive: true),
                new("n_steps", HyperparameterType.Int, "Steps collected per update.", 2048L, Min: 1, Max: 1_000_000),
                new("n_epochs", HyperparameterType.Int, "Optimisation epochs per update.", 10L, Min: 1, Max: 1000),
                new("batch_size", HyperparameterType.Int, "Mini-batch size.", 64L, Min: 1, Max: 1_000_000),
                new("ent_coef", HyperparameterType.Float, "Entropy bonus weight.", 0.0, Min: 0, Max: 1),
                new("hidden_layers", HyperparameterType.IntList, "Hidden layer sizes of both networks.", new long[] { 64, 64 }, Min: 1, Max: 4096),
                new("evaluation_episodes", HyperparameterType.Int, "Greedy episodes for the reported metrics.", 100L, Min: 1, Max: 100000),
            ]),
        new(Dqn, [TaskTypes.Control],
            "Deep Q-network with a replay buffer, a target network and epsilon-greedy exploration.",
            [
                new("total_timesteps", HyperparameterType.Int, "Environment steps to train for.", 100000L, Min: 1, Max: 100_000_000),
                new("learning_rate", HyperparameterType.Float, "Adam step size.", 1e-3, Min: 0, Max: 1, MinExclusive: true),
                new("gamma", HyperparameterType.Float, "Discount factor.", 0.99, Min: 0, Max: 1),
                new("buffer_size", HyperparameterType.Int, "Replay buffer capacity.", 50000L, Min: 1, Max: 10_000_000),
                new("batch_size", HyperparameterType.Int, "Replay mini-batch size.", 64L, Min: 1, Max: 100000),
                new("target_update_interval", HyperparameterType.Int, "Steps between target-network syncs.", 500L, Min: 1, Max: 10_000_000),
                new("epsilon_start", HyperparameterType.Float, "Initial exploration rate.", 1.0, Min: 0, Max: 1),
                new("epsilon_end", HyperparameterType.Float, "Final exploration rate.", 0.05, Min: 0, Max: 1),
                new("epsilon_decay_steps", HyperparameterType.Int, "Steps over which epsilon decays linearly.", 10000L, Min: 1, Max: 100_000_000),
                new("hidden_layers", HyperparameterType.IntList, "Hidden layer sizes of the Q-network.", new long[] { 64, 64 }, Min: 1, Max: 4096),
                new("evaluation_episodes", HyperparameterType.Int, "Greedy episodes for the reported metrics.", 100L, Min: 1, Max: 100000),
            ]),
        new(A3c, [TaskTypes.Control],
            "Asynchronous advantage actor-critic: worker threads, each with its own environment, update one shared global network.",
            [
                new("total_timesteps", HyperparameterType.Int, "Environment steps to train for, over all workers.", 200000L, Min: 1, Max: 100_000_000),
                new("workers", HyperparameterType.Int, "Asynchronous worker threads.", 4L, Min: 1, Max: 64),
                new("learning_rate", HyperparameterType.Float, "Step size of the shared optimizer.", 1e-3, Min: 0, Max: 1, MinExclusive: true),
                new("gamma", HyperparameterType.Float, "Discount factor.", 0.99, Min: 0, Max: 1),
                new("n_steps", HyperparameterType.Int, "Steps per worker before each update.", 5L, Min: 1, Max: 100000),
                new("ent_coef", HyperparameterType.Float, "Entropy bonus weight.", 0.01, Min: 0, Max: 1),
                new("hidden_layers", HyperparameterType.IntList, "Hidden layer sizes of the shared network.", new long[] { 64, 64 }, Min: 1, Max: 4096),
                new("evaluation_episodes", HyperparameterType.Int, "Greedy episodes for the reported metrics.", 100L, Min: 1, Max: 100000),
            ]),
    ];
}
