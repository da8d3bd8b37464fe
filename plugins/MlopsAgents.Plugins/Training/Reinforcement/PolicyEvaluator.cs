namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>Greedy-evaluation metrics. Success: a CartPole episode balanced for all 500 steps, a GridWorld episode that reached the goal.</summary>
public sealed record ReinforcementEvaluation(int Episodes, double AverageReward, double RewardStandardDeviation, double EpisodeLength, double SuccessRate)
{
    /// <summary>The metrics under the names the pipeline reports: average_reward, episode_length, success_rate.</summary>
    public IReadOnlyDictionary<string, double> ToMetrics() => new Dictionary<string, double>
    {
        ["average_reward"] = AverageReward,
        ["episode_length"] = EpisodeLength,
        ["success_rate"] = SuccessRate,
    };
}

/// <summary>Runs a fixed policy for a number of episodes and summarises them.</summary>
public static class PolicyEvaluator
{
    /// <summary>
    /// Plays <paramref name="episodes"/> episodes with <paramref name="act"/>; episode i is reset with seed
    /// <paramref name="seed"/> + i, so the same policy and seed always give the same metrics.
    /// </summary>
    public static ReinforcementEvaluation Evaluate(
        Func<double[], int> act, IEnvironment environment, int episodes, int seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(act);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);

        var rewards = new double[episodes];
        var lengths = new double[episodes];
        var successes = 0;
        for (var episode = 0; episode < episodes; episode++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var observation = environment.Reset(unchecked(seed + episode));
            var total = 0.0;
            var length = 0;
            StepResult step;
            do
            {
                step = environment.Step(act(observation));
                total += step.Reward;
                length++;
                observation = step.Observation;
            }
            while (!step.Done);

            rewards[episode] = total;
            lengths[episode] = length;
            if (ReinforcementEnvironments.IsSuccess(environment, length, step.Terminated))
            {
                successes++;
            }
        }

        var mean = rewards.Average();
        var variance = rewards.Sum(r => (r - mean) * (r - mean)) / episodes;
        return new ReinforcementEvaluation(episodes, mean, Math.Sqrt(variance), lengths.Average(), (double)successes / episodes);
    }
}
