using MlopsAgents.Plugins.Training.Reinforcement;
using MlopsAgents.Tests.Support;
using Xunit.Abstractions;

namespace MlopsAgents.Tests.Training.Reinforcement;

/// <summary>
/// Full CartPole-v1 solves, opt-in (<c>--filter Category=Slow</c>, or bench/rl-cartpole.sh): the greedy policy's mean
/// reward over 100 evaluation episodes must reach 475 for DQN and PPO and 195 for A3C.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ReinforcementSolveTests(ITestOutputHelper output)
{
    [SlowFact]
    public void Train_DqnCatalogBudget_SolvesCartPole() =>
        Solve("dqn", new Dictionary<string, object>(), 475);

    [SlowFact]
    public void Train_PpoCatalogBudget_SolvesCartPole() =>
        Solve("ppo", new Dictionary<string, object>(), 475);

    [SlowFact]
    public void Train_A3cCatalogBudget_SolvesCartPole() =>
        Solve("a3c", new Dictionary<string, object>(), 195);

    private void Solve(string algorithm, Dictionary<string, object> hyperparameters, double threshold)
    {
        hyperparameters["evaluation_episodes"] = 100L;
        var result = new ReinforcementTrainer().Train(algorithm, "cartpole", hyperparameters, seed: 1, new TestOutputProgress(output));
        var summary = "BENCH " + ReinforcementTrainerTests.Describe(result);
        output.WriteLine(summary);
        Console.WriteLine(summary);

        Assert.True(result.Evaluation.AverageReward >= threshold, summary);
    }
}
