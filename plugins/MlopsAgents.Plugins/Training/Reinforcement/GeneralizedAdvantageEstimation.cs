namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>Generalised advantage estimation, GAE(λ) (Schulman et al., 2016), over a rollout that may span several episodes.</summary>
public static class GeneralizedAdvantageEstimation
{
    /// <summary>
    /// Advantages and value targets (advantage + value) for each step of a rollout.
    /// δ_t = r_t + γ·V(s_{t+1})·(1 − terminated_t) − V(s_t) and A_t = δ_t + γλ·A_{t+1}·(1 − episodeEnd_t).
    /// </summary>
    /// <param name="rewards">r_t.</param>
    /// <param name="values">V(s_t).</param>
    /// <param name="nextValues">V(s_{t+1}) of the observation that followed step t; ignored where the step terminated.
    /// Kept separate from <paramref name="values"/> so a truncated episode still bootstraps from its last state.</param>
    /// <param name="terminated">The step reached a terminal state, so nothing follows it.</param>
    /// <param name="episodeEnds">The episode ended at this step (terminated or truncated), which cuts the λ-chain.</param>
    public static (double[] Advantages, double[] Returns) Compute(
        IReadOnlyList<double> rewards,
        IReadOnlyList<double> values,
        IReadOnlyList<double> nextValues,
        IReadOnlyList<bool> terminated,
        IReadOnlyList<bool> episodeEnds,
        double gamma,
        double lambda)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(nextValues);
        ArgumentNullException.ThrowIfNull(terminated);
        ArgumentNullException.ThrowIfNull(episodeEnds);
        var n = rewards.Count;
        if (values.Count != n || nextValues.Count != n || terminated.Count != n || episodeEnds.Count != n)
        {
            throw new ArgumentException("Rewards, values, next values, terminated and episode-end flags must have the same length.");
        }

        var advantages = new double[n];
        var returns = new double[n];
        var next = 0.0;
        for (var t = n - 1; t >= 0; t--)
        {
            var bootstrap = terminated[t] ? 0.0 : nextValues[t];
            var delta = rewards[t] + gamma * bootstrap - values[t];
            next = delta + gamma * lambda * (episodeEnds[t] || terminated[t] ? 0.0 : next);
            advantages[t] = next;
            returns[t] = next + values[t];
        }

        return (advantages, returns);
    }
}
