namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>
/// A 5×5 grid: start in the top-left corner, goal in the bottom-right, two walls that block movement and two pits
/// that end the episode. The observation is a one-hot vector of the agent's cell (row-major). Actions: 0 up, 1 right,
/// 2 down, 3 left; moving into a wall or off the grid leaves the agent where it is.
/// Rewards: -0.01 per step, +1 on reaching the goal, -1 on falling into a pit; episodes are truncated after 50 steps.
/// </summary>
public sealed class GridWorld : IEnvironment
{
    public const int Size = 5;
    public const double StepPenalty = -0.01;
    public const double GoalReward = 1.0;
    public const double PitReward = -1.0;
    public const int DefaultMaxEpisodeSteps = 50;

    /// <summary>The layout, row 0 at the top: S start, G goal, # wall, P pit, . free.</summary>
    public static readonly IReadOnlyList<string> Layout =
    [
        "S....",
        ".#.P.",
        ".#...",
        "...#.",
        "P...G",
    ];

    private static readonly (int Dx, int Dy)[] Moves = [(0, -1), (1, 0), (0, 1), (-1, 0)];

    private int _steps;
    private bool _needsReset = true;

    public GridWorld(int maxEpisodeSteps = DefaultMaxEpisodeSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpisodeSteps, 1);
        MaxEpisodeSteps = maxEpisodeSteps;
    }

    public int ObservationSize => Size * Size;

    public int ActionCount => Moves.Length;

    public int MaxEpisodeSteps { get; }

    /// <summary>The agent's column (0 = left).</summary>
    public int X { get; private set; }

    /// <summary>The agent's row (0 = top).</summary>
    public int Y { get; private set; }

    /// <summary>True once the agent has stepped onto the goal in the current episode.</summary>
    public bool ReachedGoal { get; private set; }

    /// <summary>The start is fixed, so the seed only matters for interface symmetry with stochastic environments.</summary>
    public double[] Reset(int? seed = null)
    {
        (X, Y) = (0, 0);
        _steps = 0;
        ReachedGoal = false;
        _needsReset = false;
        return Observe();
    }

    public StepResult Step(int action)
    {
        if (action < 0 || action >= Moves.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, "GridWorld actions are 0 up, 1 right, 2 down, 3 left.");
        }

        if (_needsReset)
        {
            throw new InvalidOperationException("The episode is over; call Reset before stepping again.");
        }

        var (dx, dy) = Moves[action];
        var (nx, ny) = (X + dx, Y + dy);
        if (nx is >= 0 and < Size && ny is >= 0 and < Size && Layout[ny][nx] != '#')
        {
            (X, Y) = (nx, ny);
        }

        _steps++;
        var cell = Layout[Y][X];
        var reward = StepPenalty;
        var terminated = false;
        if (cell == 'G')
        {
            reward += GoalReward;
            terminated = true;
            ReachedGoal = true;
        }
        else if (cell == 'P')
        {
            reward += PitReward;
            terminated = true;
        }

        var truncated = !terminated && _steps >= MaxEpisodeSteps;
        _needsReset = terminated || truncated;
        return new StepResult(Observe(), reward, terminated, truncated);
    }

    private double[] Observe()
    {
        var observation = new double[Size * Size];
        observation[Y * Size + X] = 1.0;
        return observation;
    }
}
