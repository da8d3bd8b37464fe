using System.Globalization;
using MlopsAgents.Plugins.Training.NeuralNetworks;

namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>Everything a learner needs for one training run.</summary>
/// <param name="CreateEnvironment">Makes an independent environment from a seed; asynchronous learners call it once per worker.</param>
public sealed record LearningContext(
    string Environment,
    Func<int, IEnvironment> CreateEnvironment,
    IReadOnlyDictionary<string, object>? Hyperparameters,
    int Seed,
    IProgress<string>? Progress = null,
    CancellationToken CancellationToken = default);

/// <summary>What a learner hands back: the greedy policy network, the training curve and the steps actually taken.</summary>
public sealed record LearningOutcome(NeuralNetwork Network, PolicyOutput Output, IReadOnlyList<double> EpisodeRewards, long Timesteps);

/// <summary>One reinforcement-learning algorithm.</summary>
public interface IReinforcementLearner
{
    /// <summary>The catalog name, e.g. "dqn".</summary>
    string Algorithm { get; }

    LearningOutcome Learn(LearningContext context);
}

/// <summary>Reports training progress at about every tenth of the budget, with the recent mean episode reward.</summary>
internal sealed class ProgressReporter(string algorithm, string environment, long totalTimesteps, IProgress<string>? progress)
{
    private const int Window = 20;
    private long _nextReport = Math.Max(1, totalTimesteps / 10);

    public void Report(long timesteps, IReadOnlyList<double> episodeRewards)
    {
        if (progress is null || timesteps < _nextReport)
        {
            return;
        }

        _nextReport = timesteps + Math.Max(1, totalTimesteps / 10);
        var recent = episodeRewards.Skip(Math.Max(0, episodeRewards.Count - Window)).ToArray();
        var mean = recent.Length == 0 ? "n/a" : recent.Average().ToString("F1", CultureInfo.InvariantCulture);
        progress.Report(string.Create(
            CultureInfo.InvariantCulture,
            $"{algorithm} on {environment}: {timesteps}/{totalTimesteps} steps, {episodeRewards.Count} episodes, mean reward of the last {recent.Length}: {mean}"));
    }
}
