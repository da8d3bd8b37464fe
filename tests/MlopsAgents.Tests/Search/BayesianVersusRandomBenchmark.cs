using System.Globalization;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Search;
using MlopsAgents.Tests.Training;
using MlopsAgents.Tests.Support;
using Xunit.Abstractions;

namespace MlopsAgents.Tests.Search;

/// <summary>
/// At an equal budget, Bayesian optimisation finds a better cross-validated score than random search on average over
/// seeds, on a bundled dataset. The seed drives the sampler and the folds; both methods see the same folds per seed.
/// </summary>
public sealed class BayesianVersusRandomBenchmark(ITestOutputHelper output)
{
    public static readonly int[] Seeds = [1, 2, 3, 4, 5];

    public const int Budget = 15;

    public static HpoOptions Options(string method) => new()
    {
        Method = method,
        MaxTrials = Budget,
        Metric = "accuracy",
        CvFolds = 5,
        SearchSpace = new Dictionary<string, SearchDimension>
        {
            ["eta"] = new() { Type = SearchParameterTypes.LogFloat, Low = 1e-3, High = 1 },
            ["max_depth"] = new() { Type = SearchParameterTypes.Int, Low = 1, High = 8 },
            ["num_round"] = new() { Type = SearchParameterTypes.Int, Low = 5, High = 150 },
        },
    };

    [SlowFact]
    [Trait("Category", "Slow")]
    public void Bayesian_XgBoost_BeatsRandomOnAverage()
    {
        var data = TestCsv.LoadClassification(Environment.GetEnvironmentVariable("HPO_BENCH_DATA") ?? "wine.csv");
        var scores = new Dictionary<string, List<double>> { [SearchMethods.Random] = [], [SearchMethods.Bayesian] = [] };
        foreach (var seed in Seeds)
        {
            foreach (var method in scores.Keys)
            {
                var started = DateTime.UtcNow;
                var result = HyperparameterSearch.Run(Options(method), AlgorithmCatalog.XgBoost, data, settings: new SearchSettings { Seed = seed });
                scores[method].Add(result.BestScore);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"seed {seed} {method,-8} best accuracy {result.BestScore:F4} ({(DateTime.UtcNow - started).TotalSeconds:F1} s) at {string.Join(", ", result.BestParameters.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))}"));
            }
        }

        var random = scores[SearchMethods.Random].Average();
        var bayesian = scores[SearchMethods.Bayesian].Average();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mean best accuracy over {Seeds.Length} seeds, {Budget} trials: random {random:F4}, bayesian {bayesian:F4}"));
        Assert.True(bayesian > random, $"bayesian {bayesian} vs random {random}");
    }
}
