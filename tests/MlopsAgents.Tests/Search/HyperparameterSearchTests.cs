using System.Collections.Concurrent;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Search;
using MlopsAgents.Tests.Training;

namespace MlopsAgents.Tests.Search;

public sealed class HyperparameterSearchTests
{
    private static readonly AlgorithmSpec XgBoost = AlgorithmCatalog.Find(AlgorithmCatalog.XgBoost)!;

    /// <summary>A smooth score over (eta, subsample) peaking at eta = 0.05, subsample = 0.75; fold f adds f/100.</summary>
    private sealed class PeakObjective(bool lowerIsBetter = false) : ITrialObjective
    {
        public ConcurrentBag<string> Calls { get; } = [];
        public string Metric => lowerIsBetter ? "rmse" : "accuracy";
        public bool LowerIsBetter => lowerIsBetter;
        public int FoldCount => 2;

        public double EvaluateFold(IReadOnlyDictionary<string, object> parameters, int fold)
        {
            var eta = (double)parameters["eta"];
            var subsample = parameters.TryGetValue("subsample", out var s) ? (double)s : 0.75;
            Calls.Add($"{eta}|{subsample}|{fold}");
            var score = 1 - Math.Pow(Math.Log10(eta / 0.05), 2) - 4 * Math.Pow(subsample - 0.75, 2) + fold / 100.0;
            return lowerIsBetter ? -score : score;
        }
    }

    private static HpoOptions Options(string method, int trials) => new()
    {
        Method = method,
        MaxTrials = trials,
        SearchSpace = new Dictionary<string, SearchDimension>
        {
            ["eta"] = new() { Type = "log_float", Low = 0.001, High = 1, Steps = 4 },
            ["subsample"] = new() { Type = "float", Low = 0.2, High = 1, Values = [0.2, 0.6, 1.0] },
        },
    };

    [Fact]
    public void Run_Grid_EvaluatesEveryGridPointOnEveryFoldAndReportsEachTrial()
    {
        var objective = new PeakObjective();
        var reported = new ConcurrentBag<TrialResult>();

        var result = HyperparameterSearch.Run(Options(SearchMethods.Grid, 12), XgBoost, objective, new SearchSettings { MaxDegreeOfParallelism = 3 }, reported.Add);

        Assert.Equal(12, result.Trials.Count);
        Assert.Equal(24, objective.Calls.Count);
        Assert.Equal(Enumerable.Range(1, 12), result.Trials.Select(t => t.Number));
        Assert.Equal(Enumerable.Range(1, 12), reported.Select(t => t.Number).Order());
        Assert.All(result.Trials, t => Assert.Equal(t.FoldScores.Average(), t.MeanScore, 12));
        Assert.Equal(0.1, (double)result.BestParameters["eta"], 9);
        Assert.Equal(0.6, (double)result.BestParameters["subsample"]);
        Assert.Equal(result.Trials.Max(t => t.MeanScore), result.BestScore);
    }

    [Fact]
    public void Run_RandomSameSeed_SameTrialsInSameOrder()
    {
        string[] Keys(int seed) => HyperparameterSearch.Run(Options(SearchMethods.Random, 10), XgBoost, new PeakObjective(), new SearchSettings { Seed = seed })
            .Trials.Select(t => $"{t.Parameters["eta"]}|{t.Parameters["subsample"]}").ToArray();

        var first = Keys(3);

        Assert.Equal(first, Keys(3));
        Assert.NotEqual(first, Keys(4));
        Assert.Equal(10, first.Distinct().Count());
    }

    [Fact]
    public void Run_LowerIsBetterMetric_PicksTheSmallestMean()
    {
        var result = HyperparameterSearch.Run(Options(SearchMethods.Grid, 12), XgBoost, new PeakObjective(lowerIsBetter: true));

        Assert.True(result.LowerIsBetter);
        Assert.Equal(result.Trials.Min(t => t.MeanScore), result.BestScore);
        Assert.Equal(0.1, (double)result.BestParameters["eta"], 9);
    }

    [Fact]
    public void Run_BayesianOnASmoothPeak_GetsCloseToTheOptimumAndIsReproducible()
    {
        var options = Options(SearchMethods.Bayesian, 20) with
        {
            SearchSpace = new Dictionary<string, SearchDimension>
            {
                ["eta"] = new() { Type = "log_float", Low = 0.001, High = 1 },
                ["subsample"] = new() { Type = "float", Low = 0.2, High = 1 },
            },
        };

        var first = HyperparameterSearch.Run(options, XgBoost, new PeakObjective(), new SearchSettings { Seed = 5 });
        var second = HyperparameterSearch.Run(options, XgBoost, new PeakObjective(), new SearchSettings { Seed = 5 });

        Assert.Equal(20, first.Trials.Count);
        Assert.Equal(first.Trials.Select(t => t.MeanScore), second.Trials.Select(t => t.MeanScore));
        Assert.True(first.BestScore > 0.99, $"best {first.BestScore}");
    }

    [Fact]
    public void Run_BayesianInBatches_RunsTheBudget()
    {
        var options = Options(SearchMethods.Bayesian, 12) with
        {
            SearchSpace = new Dictionary<string, SearchDimension> { ["eta"] = new() { Type = "log_float", Low = 0.001, High = 1 } },
        };

        var result = HyperparameterSearch.Run(options, XgBoost, new PeakObjective(), new SearchSettings { BayesianBatchSize = 3 });

        Assert.Equal(12, result.Trials.Count);
        Assert.Equal(12, result.Trials.Select(t => t.Parameters["eta"]).Distinct().Count());
    }

    [Fact]
    public void Run_SmallDiscreteSpace_StopsWhenEveryPointIsTried()
    {
        var options = new HpoOptions
        {
            Method = SearchMethods.Bayesian,
            MaxTrials = 10,
            SearchSpace = new Dictionary<string, SearchDimension>
            {
                ["eta"] = new() { Type = "categorical", Values = [0.01, 0.05, 0.1] },
            },
        };

        var result = HyperparameterSearch.Run(options, XgBoost, new PeakObjective());

        Assert.Equal(3, result.Trials.Count);
        Assert.Equal(0.05, (double)result.BestParameters["eta"]);
    }

    [Fact]
    public void Run_InvalidOptions_ThrowsWithTheProblems()
    {
        var options = new HpoOptions { SearchSpace = new Dictionary<string, SearchDimension> { ["gamma"] = new() { Type = "float", Low = 0, High = 1 } } };

        var error = Assert.Throws<ArgumentException>(() => HyperparameterSearch.Run(options, XgBoost, new PeakObjective()));

        Assert.Contains("hpo.search_space.gamma", error.Message);
    }

    [Fact]
    public void Run_CrossValidatedLogisticRegressionOnWine_ScoresEveryFoldAndFindsAGoodC()
    {
        var (data, _) = TestCsv.Standardize(TestCsv.LoadClassification("wine.csv"), TestCsv.LoadClassification("wine.csv"));
        var options = new HpoOptions
        {
            Method = SearchMethods.Grid,
            MaxTrials = 3,
            Metric = "accuracy",
            CvFolds = 3,
            SearchSpace = new Dictionary<string, SearchDimension> { ["C"] = new() { Type = "log_float", Low = 1e-4, High = 1, Steps = 3 } },
        };

        var result = HyperparameterSearch.Run(options, AlgorithmCatalog.LogisticRegression, data, settings: new SearchSettings { Seed = 1 });

        Assert.Equal("accuracy", result.Metric);
        Assert.All(result.Trials, t => Assert.Equal(3, t.FoldScores.Count));
        Assert.True(result.BestScore > 0.95, $"best accuracy {result.BestScore}");
        Assert.NotEqual(1e-4, (double)result.BestParameters["C"]);
        Assert.All(result.Trials, t => Assert.True(t.Duration > TimeSpan.Zero));
    }

    [Fact]
    public void CrossValidatedObjective_MetricOfTheOtherTask_Throws()
    {
        var data = TestCsv.LoadClassification("iris.csv");

        var error = Assert.Throws<ArgumentException>(() => new CrossValidatedObjective(new LogisticRegressionTrainer(), data, "r2", 3, 0));

        Assert.Contains("accuracy", error.Message);
    }
}
