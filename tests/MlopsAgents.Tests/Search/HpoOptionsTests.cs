using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Search;

namespace MlopsAgents.Tests.Search;

public sealed class HpoOptionsTests
{
    private static readonly AlgorithmSpec XgBoost = AlgorithmCatalog.Find(AlgorithmCatalog.XgBoost)!;
    private static readonly AlgorithmSpec Forest = AlgorithmCatalog.Find(AlgorithmCatalog.RandomForest)!;

    private static HpoOptions With(string method, params (string Name, SearchDimension Dimension)[] dimensions) => new()
    {
        Method = method,
        MaxTrials = 50,
        SearchSpace = dimensions.ToDictionary(d => d.Name, d => d.Dimension),
    };

    [Fact]
    public void Validate_WellFormedSpace_NoProblems()
    {
        var options = With(SearchMethods.Bayesian,
            ("eta", new SearchDimension { Type = "log_float", Low = 0.01, High = 0.5 }),
            ("max_depth", new SearchDimension { Type = "int", Low = 2, High = 8 }),
            ("subsample", new SearchDimension { Type = "float", Low = 0.5, High = 1 })) with { Metric = "auc_roc" };

        Assert.Empty(options.Validate(XgBoost, "classification"));
    }

    [Fact]
    public void Validate_UnknownParameter_NamesTheKnownOnes()
    {
        var error = Assert.Single(With(SearchMethods.Random, ("gamma", new SearchDimension { Type = "float", Low = 0, High = 1 })).Validate(XgBoost));

        Assert.Equal("hpo.search_space.gamma", error.Path);
        Assert.Contains("no hyperparameter 'gamma'", error.Message);
        Assert.Contains("max_depth", error.Message);
    }

    [Fact]
    public void Validate_RangeOutsideCatalog_ReportsTheBoundAndTheAllowedRange()
    {
        var errors = With(SearchMethods.Random, ("subsample", new SearchDimension { Type = "float", Low = 0, High = 1.5 })).Validate(XgBoost);

        Assert.Contains(errors, e => e.Path == "hpo.search_space.subsample.low" && e.Value == "0" && e.Message.Contains("> 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "hpo.search_space.subsample.high" && e.Value == "1.5" && e.Message.Contains("<= 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_LowNotBelowHigh_Reported()
    {
        var error = Assert.Single(With(SearchMethods.Random, ("max_depth", new SearchDimension { Type = "int", Low = 8, High = 8 })).Validate(XgBoost));

        Assert.Equal("hpo.search_space.max_depth.low", error.Path);
        Assert.Contains("below high", error.Message);
    }

    [Fact]
    public void Validate_LogFloatFromZero_NeedsPositiveLow()
    {
        var errors = With(SearchMethods.Random, ("lambda", new SearchDimension { Type = "log_float", Low = 0, High = 10 })).Validate(XgBoost);

        Assert.Contains(errors, e => e.Path == "hpo.search_space.lambda.low" && e.Message.Contains("low > 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_CategoricalWithoutValues_AsksForValues()
    {
        var error = Assert.Single(With(SearchMethods.Random, ("max_features", new SearchDimension { Type = "categorical" })).Validate(Forest));

        Assert.Equal("hpo.search_space.max_features.values", error.Path);
    }

    [Fact]
    public void Validate_CategoricalValueNotInCatalog_PointsAtTheItem()
    {
        var error = Assert.Single(With(SearchMethods.Random, ("max_features", new SearchDimension { Type = "categorical", Values = ["sqrt", "half"] })).Validate(Forest));

        Assert.Equal("hpo.search_space.max_features.values[1]", error.Path);
        Assert.Equal("half", error.Value);
        Assert.Contains("sqrt, log2, all", error.Message);
    }

    [Fact]
    public void Validate_WrongTypeForParameter_SuggestsTheRightOne()
    {
        var error = Assert.Single(With(SearchMethods.Random, ("max_depth", new SearchDimension { Type = "float", Low = 1, High = 5 })).Validate(XgBoost));

        Assert.Equal("hpo.search_space.max_depth.type", error.Path);
        Assert.Contains("search it as int", error.Message);
    }

    [Fact]
    public void Validate_GridOverFloatWithoutValuesOrSteps_Reported()
    {
        var error = Assert.Single(With(SearchMethods.Grid, ("eta", new SearchDimension { Type = "float", Low = 0.1, High = 0.3 })).Validate(XgBoost));

        Assert.Contains("'values'", error.Message);
        Assert.Contains("'steps'", error.Message);
    }

    [Fact]
    public void Validate_GridLargerThanMaxTrials_Reported()
    {
        var options = With(SearchMethods.Grid,
            ("max_depth", new SearchDimension { Type = "int", Low = 1, High = 10 }),
            ("eta", new SearchDimension { Type = "float", Low = 0.1, High = 0.3, Steps = 6 })) with { MaxTrials = 30 };

        var error = Assert.Single(options.Validate(XgBoost));

        Assert.Equal("hpo.max_trials", error.Path);
        Assert.Contains("60 points", error.Message);
    }

    [Fact]
    public void Validate_AliasAndNameOfOneParameter_Reported()
    {
        var errors = With(SearchMethods.Random,
            ("eta", new SearchDimension { Type = "float", Low = 0.1, High = 0.3 }),
            ("learning_rate", new SearchDimension { Type = "float", Low = 0.1, High = 0.3 })).Validate(XgBoost);

        Assert.Contains(errors, e => e.Message.Contains("same hyperparameter (eta)", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BadMethodFoldsTrialsAndMetric_AllReported()
    {
        var options = With("annealing", ("eta", new SearchDimension { Type = "float", Low = 0.1, High = 0.3 })) with { CvFolds = 1, MaxTrials = 0, Metric = "rmse" };

        var paths = options.Validate(XgBoost, "classification").Select(e => e.Path).ToArray();

        Assert.Equal(["hpo.method", "hpo.max_trials", "hpo.cv_folds", "hpo.metric"], paths);
    }

    [Fact]
    public void Validate_EmptySpace_AsksForAParameter()
    {
        var error = Assert.Single(new HpoOptions().Validate(XgBoost));

        Assert.Equal("hpo.search_space", error.Path);
    }
}
