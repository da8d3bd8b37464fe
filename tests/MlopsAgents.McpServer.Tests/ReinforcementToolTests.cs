using static MlopsAgents.McpServer.Tests.ToolResults;

namespace MlopsAgents.McpServer.Tests;

public sealed class ReinforcementToolTests(McpServerFixture server) : IClassFixture<McpServerFixture>
{
    [Fact]
    public async Task ReinforcementTools_PpoOnCartPole_TrainsRegistersAndReevaluates()
    {
        var described = (await server.ReadOnly.CallToolAsync("preprocess_reinforcement", Args(("environment", "cartpole")))).Ok();
        Assert.Equal(4, described.GetProperty("observation_size").GetInt32());
        Assert.Equal(2, described.GetProperty("action_count").GetInt32());

        var trained = (await server.Writable.CallToolAsync("train_reinforcement", Args(("algorithm", "ppo"), ("environment", "cartpole"),
            ("hyperparameters", new Dictionary<string, object> { ["total_timesteps"] = 20480, ["evaluation_episodes"] = 20 }), ("random_seed", 1), ("model_name", "mcp-cartpole")))).Ok();
        Assert.InRange(trained.GetProperty("metrics").GetProperty("average_reward").GetDouble(), 100, 500);
        Assert.Equal("1.0.0", trained.GetProperty("model").GetProperty("version").GetString());

        var evaluated = (await server.ReadOnly.CallToolAsync("evaluate_reinforcement", Args(("run_id", trained.GetProperty("run_id").GetString()), ("episodes", 10)))).Ok();
        Assert.Equal(10, evaluated.GetProperty("episodes").GetInt32());
        Assert.InRange(evaluated.GetProperty("metrics").GetProperty("average_reward").GetDouble(), 50, 500);
    }

    [Theory]
    [InlineData("preprocess_reinforcement", "environment", "mountaincar", "environment: 'mountaincar' → one of cartpole, gridworld")]
    [InlineData("evaluate_reinforcement", "run_id", "rl-none", "run_id: 'rl-none' has no trained policy")]
    public async Task ReinforcementTools_BadArguments_NameTheField(string tool, string name, string value, string expected)
    {
        var error = (await server.Writable.CallToolAsync(tool, Args((name, value)))).Error();

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainReinforcement_UnknownAlgorithm_SuggestsTheClosest()
    {
        var error = (await server.Writable.CallToolAsync("train_reinforcement", Args(("algorithm", "ppo2"), ("environment", "cartpole")))).Error();

        Assert.Contains("algorithm", error, StringComparison.Ordinal);
        Assert.Contains("ppo", error, StringComparison.Ordinal);
    }
}
