using System.Text.RegularExpressions;
using MlopsAgents.Plugins.Optimization;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training.Search;

namespace MlopsAgents.Tests.Optimization;

public sealed class WorkflowOptimizerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TrainingRequest Request(string profile = "balanced", string algorithm = "xgboost") => new()
    {
        DatasetId = "ds-bc-001",
        Target = "diagnosis",
        ModelName = "bc",
        Algorithm = algorithm,
        WorkflowOptimization = new WorkflowOptimizationOptions { Enabled = true, PerformanceProfile = profile },
    };

    private static DataSummary Data(int rows, double? imbalance = null, double outliers = 0, IReadOnlyList<string>? columns = null) =>
        new("ds-bc-001", rows, columns?.Count ?? 5, imbalance, 0, outliers, columns ?? ["a", "b", "c", "d", "e"], []);

    private static OptimizationProposal Propose(TrainingRequest request, DataSummary data, RunHistory? history = null)
    {
        history ??= RunHistory.Empty;
        return WorkflowOptimizer.Propose(request, ModelCharacteristics.Analyze(request, data, history), history);
    }

    private static HistoricalRun Run(string id, double f1, long numRound, double seconds, string algorithm = "xgboost", int rows = 5000) =>
        new(new RunRecord(id, "ds-bc-001", 1, algorithm, "classification", "finished", "pass",
            new Dictionary<string, object> { ["num_round"] = numRound }, new Dictionary<string, double> { ["f1_score"] = f1 },
            new Dictionary<string, string>(), new Dictionary<string, double> { ["training"] = seconds }, T0, T0.AddMinutes(1), null), rows);

    [Theory]
    [InlineData(9999, "small")]
    [InlineData(10000, "medium")]
    [InlineData(100000, "medium")]
    [InlineData(100001, "large")]
    public void SizeClass_AtBoundaries_IsClassified(int rows, string expected)
    {
        Assert.Equal(expected, SizeClasses.Of(rows));
        Assert.Equal(expected, ModelCharacteristics.Analyze(Request(), Data(rows), RunHistory.Empty).SizeClass);
    }

    [Fact]
    public void Propose_ImbalancedClasses_ProposesSmote()
    {
        var proposal = Propose(Request(), Data(5000, imbalance: 4.5));

        var smote = Assert.Single(proposal.Phases[0].Optimizations, o => o.Id == "class_imbalance");
        Assert.Equal("smote", smote.ConfigPatch["data_preprocessing.class_imbalance"]);
        Assert.Contains("4.5", smote.Reason);
    }

    [Fact]
    public void Propose_BalancedClasses_ProposesNoRebalancing()
    {
        var proposal = Propose(Request(), Data(5000, imbalance: 2.9));
        Assert.DoesNotContain(proposal.AllOptimizations, o => o.Id == "class_imbalance");
    }

    [Fact]
    public void Propose_ManyOutliersAndSensitiveColumn_ProposesIqrAndFairness()
    {
        var proposal = Propose(Request(), Data(5000, outliers: 0.08, columns: ["age_years", "Sex", "radius"]));

        Assert.Equal("iqr", proposal.AllOptimizations.Single(o => o.Id == "outlier_removal").ConfigPatch["data_preprocessing.outlier_removal"]);
        var fairness = proposal.AllOptimizations.Single(o => o.Id == "fairness_check");
        Assert.Equal(3, fairness.Phase);
        Assert.Equal(["age_years", "Sex"], (IEnumerable<string>)fairness.ConfigPatch["fairness.sensitive_features"]);
    }

    [Fact]
    public void Propose_Profiles_ChangeTrainingProposals()
    {
        var accuracy = Propose(Request("accuracy"), Data(50000)).Phases[1].Optimizations;
        var speed = Propose(Request("speed"), Data(50000)).Phases[1].Optimizations;
        var balanced = Propose(Request("balanced"), Data(50000)).Phases[1].Optimizations;

        var hpo = Assert.IsType<HpoOptions>(Assert.Single(accuracy).ConfigPatch["hpo"]);
        Assert.Equal(SearchMethods.Bayesian, hpo.Method);
        Assert.Equal(20, hpo.MaxTrials);
        Assert.Equal(WorkflowOptimizer.FastNumRound, speed.Single(o => o.Id == "fewer_rounds").ConfigPatch["hyperparameters.num_round"]);
        Assert.DoesNotContain(speed, o => o.ConfigPatch.ContainsKey("hpo"));
        Assert.Empty(balanced);
    }

    [Fact]
    public void ChooseProfile_NoPreference_FollowsDocumentedRules()
    {
        var large = Propose(Request(), Data(200000));
        var small = Propose(Request() with { EvaluationThreshold = 0.9 }, Data(500));
        var explicitCost = Propose(Request("cost"), Data(200000));

        Assert.Equal("speed", large.PerformanceProfile);
        Assert.Equal("accuracy", small.PerformanceProfile);
        Assert.Equal("cost", explicitCost.PerformanceProfile);
    }

    [Fact]
    public void EstimateImpact_FewRuns_SaysNotEnoughHistory()
    {
        var history = new RunHistory([Run("r1", 0.9, 50, 2), Run("r2", 0.8, 100, 4), Run("r3", 0.8, 100, 4)], 0);
        var proposal = Propose(Request("speed"), Data(5000), history);

        var impact = proposal.Impact.Single(i => i.OptimizationId == "fewer_rounds");
        Assert.False(impact.EnoughHistory);
        Assert.Null(impact.MetricDelta);
        Assert.Equal(1, impact.RunsWith);
        Assert.Equal(2, impact.RunsWithout);
        Assert.StartsWith("not enough history: 1 past run(s) with this change and 2 without", impact.Summary);
    }

    [Fact]
    public void EstimateImpact_EnoughRuns_ComputesMeansExactly()
    {
        // With num_round 50: f1 0.90, 0.92, 0.94 (mean 0.92), 10/12/14 s (mean 12).
        // Without (num_round 100, and random_forest of the same family): f1 0.85, 0.86, 0.87 (mean 0.86), 20/30/40 s (mean 30).
        // A run of another family (logistic_regression) is left out.
        var history = new RunHistory(
        [
            Run("w1", 0.90, 50, 10), Run("w2", 0.92, 50, 12), Run("w3", 0.94, 50, 14),
            Run("o1", 0.85, 100, 20), Run("o2", 0.86, 100, 30), Run("o3", 0.87, 200, 40, algorithm: "random_forest"),
            Run("x1", 0.10, 100, 999, algorithm: "logistic_regression"),
        ], 0);
        var proposal = Propose(Request("speed"), Data(5000), history);

        var impact = proposal.Impact.Single(i => i.OptimizationId == "fewer_rounds");
        Assert.True(impact.EnoughHistory);
        Assert.Equal(3, impact.RunsWith);
        Assert.Equal(3, impact.RunsWithout);
        Assert.Equal(0.06, impact.MetricDelta);
        Assert.Equal(-18, impact.DurationDeltaSeconds);
        Assert.Equal("mean f1_score +0.06 over 3 run(s) with this change against 3 without; mean duration -18 s", impact.Summary);
    }

    [Fact]
    public void Analyze_History_ListsSimilarRunsOfSameTaskAlgorithmAndSizeClass()
    {
        var history = new RunHistory([Run("same", 0.9, 100, 3), Run("bigger", 0.9, 100, 3, rows: 50000), Run("rf", 0.9, 100, 3, algorithm: "random_forest")], 0);
        var c = ModelCharacteristics.Analyze(Request(), Data(5000), history);
        Assert.Equal("same", Assert.Single(c.SimilarRuns).TrainingId);
    }

    [Fact]
    public void ApplyToRequest_AcceptedIds_AppliesExactlyThosePatches()
    {
        var request = Request("speed");
        var proposal = Propose(request, Data(5000, imbalance: 5, outliers: 0.1));

        var result = RequestPatcher.ApplyToRequest(request, proposal, ["class_imbalance", "fewer_rounds"]);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        var patched = result.Request!;
        Assert.Equal("smote", patched.DataPreprocessing.ClassImbalance);
        Assert.Equal(50L, patched.Hyperparameters["num_round"]);
        Assert.Equal(request with { DataPreprocessing = patched.DataPreprocessing, Hyperparameters = patched.Hyperparameters }, patched);
        Assert.Equal(request.DataPreprocessing with { ClassImbalance = "smote" }, patched.DataPreprocessing);
        Assert.Single(patched.Hyperparameters);
        Assert.Equal("none", patched.DataPreprocessing.OutlierRemoval);
    }

    [Fact]
    public void ApplyToRequest_UnknownPathOrId_IsRejectedWithMessage()
    {
        var bad = new ProposedOptimization("bad", 6, "Bad", new Dictionary<string, object> { ["monitoring.psi_threshold"] = 0.2 }, "test");
        var proposal = new OptimizationProposal(ModelCharacteristics.Analyze(Request(), Data(10), RunHistory.Empty), "balanced", "test",
            [new PhaseProposal(6, "monitoring", [bad])], []);

        var result = RequestPatcher.ApplyToRequest(Request(), proposal, ["bad", "missing"]);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Contains("no optimization 'missing'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.StartsWith("bad: monitoring.psi_threshold: unknown patch path", StringComparison.Ordinal));
    }

    [Fact]
    public void Markdown_HasEveryPhaseAndOnlyNumbersFromTheJson()
    {
        var history = new RunHistory(
        [
            Run("w1", 0.90, 50, 10.25), Run("w2", 0.92, 50, 12), Run("w3", 0.94, 50, 14),
            Run("o1", 0.85, 100, 20), Run("o2", 0.86, 100, 30), Run("o3", 0.875, 100, 40),
        ], 2);
        var request = Request("speed") with { DataPreprocessing = new DataPreprocessingOptions() };
        var proposal = Propose(request, Data(5000, imbalance: 4.25, outliers: 0.0625, columns: ["gender", "radius"]), history);

        var markdown = ProposalMarkdown.Render(proposal);
        var json = proposal.ToJson();

        for (var phase = 1; phase <= 7; phase++)
        {
            Assert.Contains($"#### Phase {phase}: {OptimizationProposal.PhaseNames[phase - 1]}", markdown, StringComparison.Ordinal);
        }

        Assert.Contains("/approve", markdown, StringComparison.Ordinal);
        Assert.Contains("/reject", markdown, StringComparison.Ordinal);
        Assert.Contains("👍", markdown, StringComparison.Ordinal);
        var jsonNumbers = Numbers(json).ToHashSet(StringComparer.Ordinal);
        var missing = Numbers(markdown).Where(n => !jsonNumbers.Contains(n)).Distinct().ToList();
        Assert.True(missing.Count == 0, "numbers in the Markdown but not the JSON: " + string.Join(", ", missing));
    }

    [Fact]
    public void FromRegistry_SeededStore_ReadsRunsWithDatasetRows()
    {
        var dir = Directory.CreateTempSubdirectory("mlops-opt-");
        try
        {
            var registry = new SqliteRegistry(Path.Combine(dir.FullName, "registry.db"));
            registry.AddDatasetVersion(new DatasetVersion("ds-bc-001", 1, "sha", "key", 12000, ["a", "diagnosis"], "diagnosis", "/x.csv", T0));
            registry.SaveRun(Run("r1", 0.9, 100, 3).Run);

            var history = RunHistory.FromRegistry(registry, "bc");

            var run = Assert.Single(history.Runs);
            Assert.Equal(12000, run.DatasetRows);
            Assert.Equal(0, history.PriorModelVersions);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    private static IEnumerable<string> Numbers(string text) => Regex.Matches(text, @"\d+(?:\.\d+)?").Select(m => m.Value);
}
