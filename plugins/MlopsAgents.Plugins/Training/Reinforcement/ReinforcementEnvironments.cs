namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>Creates the built-in environments by the names listed in <see cref="ReinforcementAlgorithms.Environments"/>.</summary>
public static class ReinforcementEnvironments
{
    public const string CartPoleName = "cartpole";
    public const string GridWorldName = "gridworld";

    /// <summary>True when <paramref name="name"/> is a built-in environment (case-insensitive).</summary>
    public static bool IsKnown(string? name) =>
        name is not null && ReinforcementAlgorithms.Environments.Contains(name.Trim().ToLowerInvariant());

    /// <summary>A fresh environment; <paramref name="seed"/> seeds its random initial states.</summary>
    public static IEnvironment Create(string name, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            CartPoleName => new CartPole(seed: seed),
            GridWorldName => new GridWorld(),
            _ => throw new ArgumentException(
                $"Unknown environment '{name}'. Known environments: {string.Join(", ", ReinforcementAlgorithms.Environments)}.", nameof(name)),
        };
    }

    /// <summary>Whether an evaluation episode counts as a success: 500 steps balanced for CartPole, the goal reached for GridWorld.</summary>
    internal static bool IsSuccess(IEnvironment environment, int episodeLength, bool terminated) => environment switch
    {
        CartPole cartPole => !terminated && episodeLength >= cartPole.MaxEpisodeSteps,
        GridWorld gridWorld => gridWorld.ReachedGoal,
        _ => false,
    };
}
