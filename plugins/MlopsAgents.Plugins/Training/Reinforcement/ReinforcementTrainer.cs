using System.Diagnostics;

namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>The outcome of one training run: the greedy policy, its evaluation and the training curve.</summary>
/// <param name="LearningCurve">Undiscounted reward of each training episode in the order they finished (exploratory play).</param>
public sealed record ReinforcementResult(
    string Algorithm,
    string Environment,
    ReinforcementPolicy Policy,
    ReinforcementEvaluation Evaluation,
    IReadOnlyList<double> LearningCurve,
    long Timesteps,
    TimeSpan TrainingTime)
{
    /// <summary>average_reward, episode_length and success_rate over the greedy evaluation episodes.</summary>
    public IReadOnlyDictionary<string, double> Metrics => Evaluation.ToMetrics();
}

/// <summary>Trains a catalog reinforcement-learning algorithm on a built-in environment and evaluates the greedy policy.</summary>
public sealed class ReinforcementTrainer
{
    /// <summary>Offset between the training seed and the first evaluation episode's seed, so evaluation starts are unseen in training.</summary>
    public const int EvaluationSeedOffset = 1_000_003;

    private static readonly IReadOnlyDictionary<string, Func<IReinforcementLearner>> Learners = new Dictionary<string, Func<IReinforcementLearner>>
    {
        [ReinforcementAlgorithms.Dqn] = () => new DqnLearner(),
        [ReinforcementAlgorithms.Ppo] = () => new PpoLearner(),
        [ReinforcementAlgorithms.A3c] = () => new A3cLearner(),
    };

    /// <summary>True when <paramref name="algorithm"/> is one this trainer runs.</summary>
    public static bool Supports(string? algorithm) => algorithm is not null && Learners.ContainsKey(algorithm);

    /// <summary>
    /// Trains <paramref name="algorithm"/> (dqn, ppo, a3c) on <paramref name="environment"/> (cartpole, gridworld), then
    /// plays evaluation_episodes greedy episodes. DQN and PPO are deterministic for a seed; A3C with more than one
    /// worker is not, because thread interleaving orders the global updates.
    /// </summary>
    public ReinforcementResult Train(
        string algorithm,
        string environment,
        IReadOnlyDictionary<string, object>? hyperparameters,
        int seed,
        IProgress<string>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        ArgumentNullException.ThrowIfNull(environment);
        if (!Learners.TryGetValue(algorithm, out var create))
        {
            throw new ArgumentException(
                $"Unknown reinforcement-learning algorithm '{algorithm}'. Known: {string.Join(", ", Learners.Keys)}.", nameof(algorithm));
        }

        var environmentName = environment.Trim().ToLowerInvariant();
        if (!ReinforcementEnvironments.IsKnown(environmentName))
        {
            throw new ArgumentException(
                $"Unknown environment '{environment}'. Known: {string.Join(", ", ReinforcementAlgorithms.Environments)}.", nameof(environment));
        }

        var episodes = (int)HyperparameterValues.For(algorithm, hyperparameters).GetLong("evaluation_episodes");
        var stopwatch = Stopwatch.StartNew();
        var outcome = create().Learn(new LearningContext(
            environmentName, s => ReinforcementEnvironments.Create(environmentName, s), hyperparameters, seed, progress, ct));
        stopwatch.Stop();

        var policy = new ReinforcementPolicy(algorithm, environmentName, outcome.Output, outcome.Network);
        var evaluation = Evaluate(policy, episodes, unchecked(seed + EvaluationSeedOffset), ct);
        progress?.Report(string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{algorithm} on {environmentName}: {outcome.Timesteps} steps in {stopwatch.Elapsed.TotalSeconds:F1} s; greedy average reward {evaluation.AverageReward:F1} over {episodes} episodes, success rate {evaluation.SuccessRate:F2}"));
        return new ReinforcementResult(algorithm, environmentName, policy, evaluation, outcome.EpisodeRewards, outcome.Timesteps, stopwatch.Elapsed);
    }

    /// <summary>Greedy evaluation of a (possibly loaded) policy on its own environment.</summary>
    public static ReinforcementEvaluation Evaluate(ReinforcementPolicy policy, int episodes, int seed, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var env = ReinforcementEnvironments.Create(policy.Environment, seed);
        return PolicyEvaluator.Evaluate(policy.Act, env, episodes, seed, ct);
    }
}
