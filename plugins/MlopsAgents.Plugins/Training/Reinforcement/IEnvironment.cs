namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>What one environment step returns: the next observation, the reward and whether the episode ended.</summary>
/// <param name="Terminated">The episode reached a terminal state (failure or goal); no value is bootstrapped past it.</param>
/// <param name="Truncated">The episode was cut off by the step cap; the state itself is not terminal.</param>
public readonly record struct StepResult(double[] Observation, double Reward, bool Terminated, bool Truncated)
{
    /// <summary>True when the episode is over for either reason.</summary>
    public bool Done => Terminated || Truncated;
}

/// <summary>A discrete-action episodic environment in the style of Gymnasium.</summary>
public interface IEnvironment
{
    /// <summary>Length of every observation vector.</summary>
    int ObservationSize { get; }

    /// <summary>Number of discrete actions, numbered 0 to ActionCount - 1.</summary>
    int ActionCount { get; }

    /// <summary>Starts a new episode; a seed reseeds the environment's random source, null continues it.</summary>
    double[] Reset(int? seed = null);

    /// <summary>Applies an action to the current episode.</summary>
    StepResult Step(int action);
}
