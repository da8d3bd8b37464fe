using MlopsAgents.Plugins.Training.Reinforcement;

namespace MlopsAgents.Tests.Training.Reinforcement;

public sealed class GridWorldTests
{
    private const int Up = 0, Right = 1, Down = 2, Left = 3;

    [Fact]
    public void Reset_Always_StartsTopLeftWithOneHotObservation()
    {
        var observation = new GridWorld().Reset(3);

        Assert.Equal(25, observation.Length);
        Assert.Equal(1.0, observation[0]);
        Assert.Equal(1.0, observation.Sum());
    }

    [Fact]
    public void Step_OffGridOrIntoWall_StaysInPlaceWithStepPenalty()
    {
        var env = new GridWorld();
        env.Reset();

        var offGrid = env.Step(Up);
        Assert.Equal((0, 0), (env.X, env.Y));
        Assert.Equal(GridWorld.StepPenalty, offGrid.Reward);

        env.Step(Down);
        var intoWall = env.Step(Right);

        Assert.Equal((0, 1), (env.X, env.Y));
        Assert.Equal(1.0, intoWall.Observation[5]);
        Assert.False(intoWall.Done);
    }

    [Fact]
    public void Step_AlongTopThenDownRightColumn_ReachesGoalInEightSteps()
    {
        var env = new GridWorld();
        env.Reset();
        var actions = new[] { Right, Right, Right, Right, Down, Down, Down, Down };
        var total = 0.0;
        StepResult step = default;

        foreach (var action in actions)
        {
            Assert.False(step.Done);
            step = env.Step(action);
            total += step.Reward;
        }

        Assert.True(step.Terminated);
        Assert.True(env.ReachedGoal);
        Assert.Equal((4, 4), (env.X, env.Y));
        Assert.Equal(1.0 + 8 * GridWorld.StepPenalty, total, 12);
    }

    [Fact]
    public void Step_IntoPit_TerminatesWithPenalty()
    {
        var env = new GridWorld();
        env.Reset();
        env.Step(Right);
        env.Step(Right);
        env.Step(Right);

        var step = env.Step(Down);

        Assert.True(step.Terminated);
        Assert.False(env.ReachedGoal);
        Assert.Equal(GridWorld.PitReward + GridWorld.StepPenalty, step.Reward, 12);
    }

    [Fact]
    public void Step_WanderingPastStepCap_Truncated()
    {
        var env = new GridWorld();
        env.Reset();
        StepResult step = default;
        for (var i = 0; i < GridWorld.DefaultMaxEpisodeSteps; i++)
        {
            Assert.False(step.Done);
            step = env.Step(i % 2 == 0 ? Up : Left);
        }

        Assert.True(step.Truncated);
        Assert.False(step.Terminated);
    }

    [Fact]
    public void Create_UnknownName_ThrowsWithKnownNames()
    {
        var error = Assert.Throws<ArgumentException>(() => ReinforcementEnvironments.Create("mountaincar"));

        Assert.Contains("cartpole, gridworld", error.Message, StringComparison.Ordinal);
        Assert.IsType<GridWorld>(ReinforcementEnvironments.Create("GridWorld"));
    }
}
