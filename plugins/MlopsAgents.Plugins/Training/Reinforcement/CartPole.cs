namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>
/// Gymnasium's CartPole-v1: a pole hinged on a cart, pushed left (action 0) or right (action 1) with a fixed force.
/// Same constants, explicit Euler integration, ±12° / ±2.4 thresholds, reward 1 per step (the failing step included)
/// and truncation at 500 steps. The state is kept in double precision where Gymnasium uses float32.
/// </summary>
public sealed class CartPole : IEnvironment
{
    public const double Gravity = 9.8;
    public const double MassCart = 1.0;
    public const double MassPole = 0.1;
    public const double TotalMass = MassCart + MassPole;

    /// <summary>Half the pole's length, as in Gymnasium.</summary>
    public const double Length = 0.5;

    public const double PoleMassLength = MassPole * Length;
    public const double ForceMagnitude = 10.0;
    public const double Tau = 0.02;
    public const double ThetaThresholdRadians = 12 * 2 * Math.PI / 360;
    public const double XThreshold = 2.4;
    public const int DefaultMaxEpisodeSteps = 500;

    private readonly double[] _state = new double[4];
    private Random _random;
    private int _steps;
    private bool _needsReset = true;

    public CartPole(int maxEpisodeSteps = DefaultMaxEpisodeSteps, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpisodeSteps, 1);
        MaxEpisodeSteps = maxEpisodeSteps;
        _random = new Random(seed);
    }

    public int ObservationSize => 4;

    public int ActionCount => 2;

    public int MaxEpisodeSteps { get; }

    /// <summary>The current state: cart position, cart velocity, pole angle, pole angular velocity.</summary>
    public IReadOnlyList<double> State => _state;

    public double[] Reset(int? seed = null)
    {
        if (seed is { } s)
        {
            _random = new Random(s);
        }

        for (var i = 0; i < _state.Length; i++)
        {
            _state[i] = (_random.NextDouble() * 2 - 1) * 0.05;
        }

        _steps = 0;
        _needsReset = false;
        return (double[])_state.Clone();
    }

    /// <summary>Places the system in a given state, for tests and replays; the step counter restarts.</summary>
    public void SetState(double x, double xDot, double theta, double thetaDot)
    {
        _state[0] = x;
        _state[1] = xDot;
        _state[2] = theta;
        _state[3] = thetaDot;
        _steps = 0;
        _needsReset = false;
    }

    public StepResult Step(int action)
    {
        if (action is not (0 or 1))
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, "CartPole actions are 0 (push left) and 1 (push right).");
        }

        if (_needsReset)
        {
            throw new InvalidOperationException("The episode is over; call Reset before stepping again.");
        }

        var (x, xDot, theta, thetaDot) = (_state[0], _state[1], _state[2], _state[3]);
        var force = action == 1 ? ForceMagnitude : -ForceMagnitude;
        var cos = Math.Cos(theta);
        var sin = Math.Sin(theta);
        var temp = (force + PoleMassLength * thetaDot * thetaDot * sin) / TotalMass;
        var thetaAcc = (Gravity * sin - cos * temp) / (Length * (4.0 / 3.0 - MassPole * cos * cos / TotalMass));
        var xAcc = temp - PoleMassLength * thetaAcc * cos / TotalMass;

        x += Tau * xDot;
        xDot += Tau * xAcc;
        theta += Tau * thetaDot;
        thetaDot += Tau * thetaAcc;
        (_state[0], _state[1], _state[2], _state[3]) = (x, xDot, theta, thetaDot);
        _steps++;

        var terminated = x < -XThreshold || x > XThreshold || theta < -ThetaThresholdRadians || theta > ThetaThresholdRadians;
        var truncated = !terminated && _steps >= MaxEpisodeSteps;
        _needsReset = terminated || truncated;
        return new StepResult((double[])_state.Clone(), 1.0, terminated, truncated);
    }
}
