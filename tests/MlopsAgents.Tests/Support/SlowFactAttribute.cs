namespace MlopsAgents.Tests.Support;

/// <summary>
/// A fact that runs only when MLOPS_SLOW_TESTS=1: full CartPole solves, large t-SNE runs and search benchmarks stay out
/// of the default test run; the bench/ scripts set the variable.
/// </summary>
public sealed class SlowFactAttribute : FactAttribute
{
    public SlowFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("MLOPS_SLOW_TESTS") != "1")
        {
            Skip = "Slow; set MLOPS_SLOW_TESTS=1 to run it (the bench/ scripts do).";
        }
    }
}
