using MlopsAgents.Plugins.Training.Reinforcement;

namespace MlopsAgents.Tests.Training.Reinforcement;

public sealed class CartPoleTests
{
    [Fact]
    public void Step_PushRightFromRest_MatchesGymEulerUpdate()
    {
        var env = new CartPole();
        env.SetState(0, 0, 0, 0);

        var step = env.Step(1);

        // temp = 10/1.1, θ'' = −600/41, x'' = 4400/451; Euler moves velocities only on the first step.
        Assert.Equal(0.0, step.Observation[0], 12);
        Assert.Equal(88.0 / 451.0, step.Observation[1], 12);
        Assert.Equal(0.0, step.Observation[2], 12);
        Assert.Equal(-12.0 / 41.0, step.Observation[3], 12);
        Assert.Equal(1.0, step.Reward);
        Assert.False(step.Terminated);
        Assert.False(step.Truncated);
    }

    [Fact]
    public void Step_PushLeftFromTiltedState_MatchesHandComputedValues()
    {
        var env = new CartPole();
        env.SetState(0.1, -0.2, 0.05, 0.3);

        var step = env.Step(0);

        Assert.Equal(0.096, step.Observation[0], 12);
        Assert.Equal(-0.3957976546439626, step.Observation[1], 12);
        Assert.Equal(0.056, step.Observation[2], 12);
        Assert.Equal(0.6080233136061515, step.Observation[3], 12);
    }

    [Fact]
    public void Reset_SameSeed_SameSmallInitialState()
    {
        var a = new CartPole().Reset(7);
        var b = new CartPole().Reset(7);

        Assert.Equal(a, b);
        Assert.All(a, v => Assert.InRange(v, -0.05, 0.05));
        Assert.NotEqual(a, new CartPole().Reset(8));
    }

    [Fact]
    public void Step_BalancedFor500Steps_TruncatedNotTerminated()
    {
        var env = new CartPole();
        env.SetState(0, 0, 0, 0);
        StepResult step = default;
        var steps = 0;

        // A hand-tuned linear controller keeps pole and cart well inside the thresholds, so only the time limit ends the episode.
        var state = env.State;
        do
        {
            step = env.Step(0.1 * state[0] + 0.5 * state[1] + 10 * state[2] + 2 * state[3] > 0 ? 1 : 0);
            steps++;
        }
        while (!step.Done);

        Assert.Equal(500, steps);
        Assert.True(step.Truncated);
        Assert.False(step.Terminated);
        Assert.Throws<InvalidOperationException>(() => env.Step(0));
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.2094, 0.1, true)]
    [InlineData(0.0, 0.0, -0.2094, -0.1, true)]
    [InlineData(0.0, 0.0, 0.2, 0.0, false)]
    [InlineData(2.399, 1.0, 0.0, 0.0, true)]
    [InlineData(-2.399, -1.0, 0.0, 0.0, true)]
    [InlineData(2.3, 1.0, 0.0, 0.0, false)]
    public void Step_NearThresholds_TerminatesOnlyPast12DegreesOr2Point4(double x, double xDot, double theta, double thetaDot, bool expected)
    {
        var env = new CartPole();
        env.SetState(x, xDot, theta, thetaDot);

        // One Euler step moves θ by τ·θ' and x by τ·x', so these states land just past (or short of) a threshold.
        var step = env.Step(theta >= 0 ? 0 : 1);

        Assert.Equal(expected, step.Terminated);
        Assert.Equal(1.0, step.Reward);
        Assert.False(step.Truncated);
    }
}
