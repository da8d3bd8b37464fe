using System.Globalization;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Search;

namespace MlopsAgents.Plugins.Optimization;

/// <summary>
/// The deterministic proposal rules of the Workflow Optimizer: characteristics in, optimizations for phases 1–7 out.
/// The same inputs always give the same proposal. An LLM may word the comment; it never adds to this list.
/// </summary>
public static class WorkflowOptimizer
{
    public const string Speed = "speed";
    public const string Accuracy = "accuracy";
    public const string Cost = "cost";

    /// <summary>Imbalance ratios (majority / minority) above this get a rebalancing proposal.</summary>
    public const double ImbalanceThreshold = 3;

    /// <summary>Outlier shares (worst numeric column) above this get outlier removal.</summary>
    public const double OutlierThreshold = 0.05;

    /// <summary>num_round of a speed or cost profile.</summary>
    public const long FastNumRound = 50;

    /// <summary>early_stopping_patience of a speed or cost profile.</summary>
    public const long FastPatience = 5;

    /// <summary>
    /// The profile in force. A request that names speed, accuracy or cost gets it. <c>balanced</c> is the schema's default
    /// and so reads as "no preference"; then: over 100,000 rows → speed (training time dominates); under 10,000 rows with a
    /// supervised task and an evaluation threshold → accuracy (runs are cheap and a bar must be cleared); else balanced.
    /// </summary>
    public static (string Profile, string Reason) ChooseProfile(TrainingRequest request, ModelCharacteristics characteristics)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(characteristics);
        var requested = request.WorkflowOptimization.PerformanceProfile;
        if (requested != PerformanceProfiles.Balanced)
        {
            return (requested, $"the request asks for the {requested} profile");
        }

        if (characteristics.SizeClass == SizeClasses.Large)
        {
            return (Speed, "no profile was requested and the dataset is large (over 100000 rows), so training time dominates");
        }

        if (characteristics.SizeClass == SizeClasses.Small && request.LearningType == LearningTypes.Supervised && request.EvaluationThreshold is not null)
        {
            return (Accuracy, "no profile was requested, the dataset is small (under 10000 rows) so runs are cheap, and the request sets an evaluation threshold to clear");
        }

        return (PerformanceProfiles.Balanced, "no profile was requested and no rule picks another, so the balanced profile applies");
    }

    /// <summary>Builds the proposal: the profile, the optimizations of every phase, and their impact from the run history.</summary>
    public static OptimizationProposal Propose(TrainingRequest request, ModelCharacteristics characteristics, RunHistory history, int minRunsPerSide = ImpactEstimator.DefaultMinRunsPerSide)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(characteristics);
        ArgumentNullException.ThrowIfNull(history);
        var (profile, profileReason) = ChooseProfile(request, characteristics);
        var c = characteristics;
        var phases = new List<PhaseProposal>
        {
            Phase(1, DataPreparation(request, c)),
            Phase(2, Training(request, c, profile)),
            Phase(3, Evaluation(request, c, profile)),
            Phase(4, []),
            Phase(5, Deployment(request, c, profile)),
            Phase(6, Monitoring(request)),
            Phase(7, Retraining(request, profile)),
        };
        var optimizations = phases.SelectMany(p => p.Optimizations).ToList();
        var impact = optimizations.Select(o => ImpactEstimator.Estimate(o, request, history, minRunsPerSide)).ToList();
        return new OptimizationProposal(c, profile, profileReason, phases, impact) { MinRunsPerSide = minRunsPerSide };
    }

    private static PhaseProposal Phase(int number, List<ProposedOptimization> optimizations) =>
        new(number, OptimizationProposal.PhaseNames[number - 1], optimizations);

    private static ProposedOptimization Make(string id, int phase, string title, string reason, params (string Path, object Value)[] patch) =>
        new(id, phase, title, patch.ToDictionary(p => p.Path, p => p.Value, StringComparer.Ordinal), reason);

    private static List<ProposedOptimization> DataPreparation(TrainingRequest request, ModelCharacteristics c)
    {
        var list = new List<ProposedOptimization>();
        if (request.LearningType != LearningTypes.Supervised)
        {
            if (NeedsScaling(request))
            {
                list.Add(Make("standardize", 1, "Standardize numeric features",
                    $"{request.Algorithm} works on distances, so features on large scales would dominate; z-scores put them on one scale",
                    ("data_preprocessing.standardize", true)));
            }

            return list;
        }

        var prep = request.DataPreprocessing;
        if (request.TaskType == TaskTypes.Classification && c.ImbalanceRatio is { } ratio && ratio > ImbalanceThreshold && prep.ClassImbalance == ImbalanceStrategies.None)
        {
            // SMOTE synthesizes minority rows by nearest neighbours; over 100,000 rows that search is costly, and class weights do the job for free.
            var strategy = c.SizeClass == SizeClasses.Large ? "class_weight" : "smote";
            list.Add(Make("class_imbalance", 1, $"Rebalance classes with {strategy}",
                string.Create(CultureInfo.InvariantCulture, $"the majority class outnumbers the minority {F(ratio)} to 1 (above {F(ImbalanceThreshold)}); ")
                + (strategy == "smote" ? "SMOTE adds synthetic minority rows to the training split only" : "class weights reweight the loss without growing a large training split"),
                ("data_preprocessing.class_imbalance", strategy)));
        }

        if (c.OutlierShare > OutlierThreshold && prep.OutlierRemoval == OutlierStrategies.None)
        {
            list.Add(Make("outlier_removal", 1, "Remove outlier rows by the IQR rule",
                $"up to a share of {F(c.OutlierShare)} of the rows in a numeric column lie outside 1.5 × IQR (above {F(OutlierThreshold)}); removing them from the training split keeps them from pulling the fit",
                ("data_preprocessing.outlier_removal", "iqr")));
        }

        if (c.HighCardinalityCategoricals.Count > 0 && prep.EncodeCategorical == CategoricalEncodings.OneHot)
        {
            list.Add(Make("target_encoding", 1, "Target-encode high-cardinality categoricals",
                $"{string.Join(", ", c.HighCardinalityCategoricals)} have more than {DataSummary.HighCardinality} distinct values; one-hot would add a column per value, target encoding adds one",
                ("data_preprocessing.encode_categorical", CategoricalEncodings.Target)));
        }

        if (NeedsScaling(request))
        {
            list.Add(Make("standardize", 1, "Standardize numeric features",
                $"{request.Algorithm} is fitted by gradient steps that converge slowly on features of very different scales",
                ("data_preprocessing.standardize", true)));
        }

        return list;
    }

    private static bool NeedsScaling(TrainingRequest request) =>
        request.Algorithm is "neural_network" or AlgorithmCatalog.LogisticRegression or "kmeans" or "dbscan" or "tsne"
        && !request.DataPreprocessing.Standardize && !request.DataPreprocessing.Normalize;

    private static List<ProposedOptimization> Training(TrainingRequest request, ModelCharacteristics c, string profile)
    {
        var list = new List<ProposedOptimization>();
        if (request.LearningType != LearningTypes.Supervised)
        {
            return list;
        }

        var fast = profile is Speed or Cost;
        if (profile == Accuracy && request.Hpo is null && SearchSpaceFor(request.Algorithm) is { } space)
        {
            // Fewer trials and folds as data grows: each trial costs a full cross-validated fit.
            var (trials, folds) = c.SizeClass switch
            {
                SizeClasses.Small => (30, 5),
                SizeClasses.Medium => (20, 5),
                _ => (10, 3),
            };
            var hpo = new HpoOptions { Method = SearchMethods.Bayesian, MaxTrials = trials, CvFolds = folds, SearchSpace = space };
            list.Add(Make("hpo_bayesian", 2, $"Bayesian hyperparameter search, {trials} trials",
                $"the accuracy profile trades training time for a better model; a {c.SizeClass} dataset affords {trials} trials with {folds}-fold cross-validation over {string.Join(", ", space.Keys)}",
                ("hpo", hpo)));
        }
        else if (profile == PerformanceProfiles.Balanced && request.Hpo is null && c.SizeClass == SizeClasses.Small && SearchSpaceFor(request.Algorithm) is { } small)
        {
            list.Add(Make("hpo_random", 2, "Random hyperparameter search, 10 trials",
                $"the dataset is small, so a short random search over {string.Join(", ", small.Keys)} costs little",
                ("hpo", new HpoOptions { Method = SearchMethods.Random, MaxTrials = 10, CvFolds = 5, SearchSpace = small })));
        }

        if (fast)
        {
            var spec = AlgorithmCatalog.Find(request.Algorithm);
            if (request.Algorithm == AlgorithmCatalog.XgBoost && Current(request, spec, "num_round") is { } rounds && rounds > FastNumRound)
            {
                list.Add(Make("fewer_rounds", 2, $"Train {FastNumRound} boosting rounds",
                    $"the {profile} profile favours a shorter fit; {FastNumRound} rounds instead of {F(rounds)} cut training time roughly in proportion",
                    ("hyperparameters.num_round", FastNumRound)));
            }

            if (request.Algorithm == AlgorithmCatalog.RandomForest && Current(request, spec, "n_estimators") is { } trees && trees > FastNumRound)
            {
                list.Add(Make("fewer_trees", 2, $"Grow {FastNumRound} trees",
                    $"the {profile} profile favours a shorter fit; {FastNumRound} trees instead of {F(trees)} cut training time roughly in proportion",
                    ("hyperparameters.n_estimators", FastNumRound)));
            }

            if (request.Algorithm == "neural_network" && Current(request, spec, "early_stopping_patience") is { } patience && patience > FastPatience)
            {
                list.Add(Make("early_stopping", 2, $"Stop after {FastPatience} epochs without improvement",
                    $"the {profile} profile favours a shorter fit; a patience of {FastPatience} instead of {F(patience)} stops training sooner once validation loss stalls",
                    ("hyperparameters.early_stopping_patience", FastPatience)));
            }

            if (request.LearningCurve)
            {
                list.Add(Make("skip_learning_curve", 2, "Skip the learning curve",
                    "the learning curve refits the model on growing subsets; the " + profile + " profile drops that extra work",
                    ("learning_curve", false)));
            }
        }

        if (c.SizeClass == SizeClasses.Large && fast && request.Algorithm is AlgorithmCatalog.RandomForest or "neural_network")
        {
            list.Add(Make("algorithm_xgboost", 2, "Use xgboost",
                $"over 100000 rows, histogram-based boosting trains much faster than {request.Algorithm}; hyperparameters of {request.Algorithm} must be removed if this is accepted",
                ("algorithm", AlgorithmCatalog.XgBoost)));
        }
        else if (c.SizeClass == SizeClasses.Small && request.Algorithm == "neural_network")
        {
            list.Add(Make("algorithm_xgboost", 2, "Use xgboost",
                "under 10000 rows of tabular data, boosted trees usually generalize better than a neural network; hyperparameters of neural_network must be removed if this is accepted",
                ("algorithm", AlgorithmCatalog.XgBoost)));
        }

        return list;
    }

    /// <summary>The search space the optimizer proposes for an algorithm; null for algorithms without a search.</summary>
    public static IReadOnlyDictionary<string, SearchDimension>? SearchSpaceFor(string algorithm) => algorithm switch
    {
        AlgorithmCatalog.XgBoost => new Dictionary<string, SearchDimension>
        {
            ["eta"] = new() { Type = SearchParameterTypes.LogFloat, Low = 0.01, High = 0.3 },
            ["max_depth"] = new() { Type = SearchParameterTypes.Int, Low = 3, High = 10 },
            ["num_round"] = new() { Type = SearchParameterTypes.Int, Low = 50, High = 500 },
        },
        AlgorithmCatalog.RandomForest => new Dictionary<string, SearchDimension>
        {
            ["max_depth"] = new() { Type = SearchParameterTypes.Int, Low = 4, High = 32 },
            ["min_samples_leaf"] = new() { Type = SearchParameterTypes.Int, Low = 1, High = 10 },
            ["n_estimators"] = new() { Type = SearchParameterTypes.Int, Low = 50, High = 500 },
        },
        AlgorithmCatalog.LogisticRegression => new Dictionary<string, SearchDimension>
        {
            ["C"] = new() { Type = SearchParameterTypes.LogFloat, Low = 0.01, High = 100 },
        },
        AlgorithmCatalog.LinearRegression => new Dictionary<string, SearchDimension>
        {
            ["alpha"] = new() { Type = SearchParameterTypes.LogFloat, Low = 0.0001, High = 100 },
        },
        "neural_network" => new Dictionary<string, SearchDimension>
        {
            ["batch_size"] = new() { Type = SearchParameterTypes.Int, Low = 16, High = 128 },
            ["l2"] = new() { Type = SearchParameterTypes.LogFloat, Low = 0.00001, High = 0.01 },
            ["learning_rate"] = new() { Type = SearchParameterTypes.LogFloat, Low = 0.0001, High = 0.01 },
        },
        _ => null,
    };

    private static double? Current(TrainingRequest request, AlgorithmSpec? spec, string name)
    {
        var value = request.Hyperparameters.TryGetValue(name, out var given) ? given : spec?.FindHyperparameter(name)?.Default;
        return value switch
        {
            long l => l,
            int i => i,
            double d => d,
            _ => null,
        };
    }

    private static List<ProposedOptimization> Evaluation(TrainingRequest request, ModelCharacteristics c, string profile)
    {
        var list = new List<ProposedOptimization>();
        if (request.TaskType == TaskTypes.Classification && request.Fairness is null && c.SensitiveColumns.Count > 0)
        {
            list.Add(Make("fairness_check", 3, "Check fairness across groups",
                $"{string.Join(", ", c.SensitiveColumns)} look like protected attributes; comparing selection rates and errors across their groups shows whether the model treats them differently",
                ("fairness.sensitive_features", c.SensitiveColumns.ToList())));
        }

        if (request.LearningType == LearningTypes.Supervised && !request.Explain && profile is Accuracy or PerformanceProfiles.Balanced)
        {
            list.Add(Make("shap", 3, "Explain the model with SHAP",
                "SHAP values rank the features the model relies on, which the results comment and reviewers use to sanity-check it",
                ("explain", true)));
        }
        else if (request.Explain && profile == Cost && c.SizeClass == SizeClasses.Large)
        {
            list.Add(Make("skip_shap", 3, "Skip SHAP explanations",
                "over 100000 rows, SHAP and LIME add noticeable compute; the cost profile drops them",
                ("explain", false)));
        }

        return list;
    }

    private static List<ProposedOptimization> Deployment(TrainingRequest request, ModelCharacteristics c, string profile)
    {
        var list = new List<ProposedOptimization>();
        if (request.LearningType != LearningTypes.Reinforcement && request.DeploymentStrategy == DeploymentStrategies.Direct && c.PriorModelVersions > 0 && profile != Speed)
        {
            list.Add(Make("canary", 5, "Deploy as a canary",
                $"the model already has {c.PriorModelVersions} registered version(s), so a champion may be serving; a canary sends a slice of traffic to the new version first and rolls back if it does worse",
                ("deployment_strategy", DeploymentStrategies.Canary)));
        }

        return list;
    }

    private static List<ProposedOptimization> Monitoring(TrainingRequest request)
    {
        var list = new List<ProposedOptimization>();
        if (request.LearningType != LearningTypes.Reinforcement && !request.MonitoringEnabled)
        {
            list.Add(Make("drift_monitoring", 6, "Monitor drift",
                "the monitor compares live inputs and predictions with the training baseline (PSI on binned features, KS on quantiles) and flags drift before metrics degrade",
                ("monitoring_enabled", true)));
        }

        return list;
    }

    private static List<ProposedOptimization> Retraining(TrainingRequest request, string profile)
    {
        var list = new List<ProposedOptimization>();
        if (request.LearningType == LearningTypes.Reinforcement || request.AutoRetrainEnabled)
        {
            return list;
        }

        // The cost profile retrains only on drift: metric checks need labelled live data, which costs to collect.
        List<string> triggers = profile == Cost ? ["drift_detected"] : ["drift_detected", "metric_degradation"];
        list.Add(Make("retrain_triggers", 7, "Retrain automatically",
            $"retraining on {string.Join(" or ", triggers)} keeps the model current without someone watching the dashboards; each retrain still passes the Judge",
            ("auto_retrain_enabled", true), ("retrain_triggers", triggers)));
        return list;
    }

    private static string F(double value) => ModelCharacteristics.Format(value);
}
