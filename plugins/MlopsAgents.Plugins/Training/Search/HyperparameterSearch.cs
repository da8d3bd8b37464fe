using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace MlopsAgents.Plugins.Training.Search;

/// <summary>One evaluated setting. Number counts from 1 in proposal order; Duration is wall time from its first fold's start to its last fold's end.</summary>
public sealed record TrialResult(int Number, IReadOnlyDictionary<string, object> Parameters, double MeanScore, IReadOnlyList<double> FoldScores, TimeSpan Duration);

/// <summary>The outcome of a search. BestParameters holds the searched hyperparameters only; train the final model with them over the fixed ones.</summary>
public sealed record SearchResult(string Metric, bool LowerIsBetter, IReadOnlyDictionary<string, object> BestParameters, double BestScore, TrialResult BestTrial, IReadOnlyList<TrialResult> Trials);

/// <summary>How a search runs, apart from what it searches.</summary>
public sealed record SearchSettings
{
    /// <summary>Seeds the sampler, the folds and every trainer.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Most folds trained at once, across trials; 0 or less means <see cref="Environment.ProcessorCount"/>.</summary>
    public int MaxDegreeOfParallelism { get; init; }

    /// <summary>Random trials before the Gaussian process takes over; 0 means max(4, dimensions + 2).</summary>
    public int BayesianInitialTrials { get; init; }

    /// <summary>
    /// Points the Bayesian search proposes per round (kriging believer: each proposal joins the process at its predicted
    /// mean before the next is chosen). 1, the default, is sequential and makes the search independent of the machine;
    /// folds still train in parallel.
    /// </summary>
    public int BayesianBatchSize { get; init; } = 1;

    /// <summary>Random candidates scored by expected improvement per proposal; as many again are drawn near the best trials.</summary>
    public int BayesianCandidates { get; init; } = 1000;

    public KernelKind Kernel { get; init; } = KernelKind.Matern52;
}

/// <summary>
/// Grid, random and Bayesian hyperparameter search over cross-validated scores. Trials and their folds run in parallel
/// up to the degree of parallelism; grid and random submit every trial at once, Bayesian works in rounds of
/// <see cref="SearchSettings.BayesianBatchSize"/>. A setting already tried is never proposed again; the search ends
/// early when no untried point is left.
/// </summary>
public static class HyperparameterSearch
{
    /// <summary>Length scales tried when fitting the process, on the unit-scaled space.</summary>
    public static readonly IReadOnlyList<double> LengthScales = [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.5];

    /// <summary>Noise variances tried, relative to the standardized scores' unit variance.</summary>
    public static readonly IReadOnlyList<double> NoiseVariances = [1e-6, 1e-4, 1e-3, 1e-2, 0.05, 0.2];

    private const double ExplorationMargin = 0.01;

    /// <summary>
    /// Cross-validates <paramref name="algorithm"/>'s trainer on <paramref name="data"/>. The metric is
    /// <see cref="HpoOptions.Metric"/>, or f1_score for classification and r2 for regression.
    /// </summary>
    public static SearchResult Run(
        HpoOptions options,
        string algorithm,
        TrainingData data,
        IReadOnlyDictionary<string, object>? fixedHyperparameters = null,
        SearchSettings? settings = null,
        Action<TrialResult>? onTrial = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        settings ??= new SearchSettings();
        var spec = AlgorithmCatalog.Find(algorithm) ?? throw new ArgumentException($"Unknown algorithm '{algorithm}'.", nameof(algorithm));
        var metric = options.Metric ?? (data.Task == ModelTask.Classification ? "f1_score" : "r2");
        var objective = new CrossValidatedObjective(ModelTrainers.Get(algorithm), data, metric, options.CvFolds, settings.Seed, fixedHyperparameters);
        return Run(options, spec, objective, settings, onTrial, cancellationToken);
    }

    /// <summary>Searches <paramref name="options"/>' space for the best mean fold score of <paramref name="objective"/>.</summary>
    public static SearchResult Run(
        HpoOptions options,
        AlgorithmSpec algorithm,
        ITrialObjective objective,
        SearchSettings? settings = null,
        Action<TrialResult>? onTrial = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objective);
        settings ??= new SearchSettings();
        var space = SearchSpace.Create(options, algorithm);
        var runner = new TrialRunner(objective, space.Key, settings, onTrial, cancellationToken);
        var random = new Random(settings.Seed);
        switch (options.Method)
        {
            case SearchMethods.Grid:
                runner.Evaluate(space.Grid());
                break;
            case SearchMethods.Random:
                runner.Evaluate(DrawUntried(space, random, options.MaxTrials, runner.Tried));
                break;
            default:
                RunBayesian(space, options.MaxTrials, settings, random, runner);
                break;
        }

        var trials = runner.Trials;
        var sign = objective.LowerIsBetter ? -1.0 : 1.0;
        var best = trials.OrderByDescending(t => sign * t.MeanScore).ThenBy(t => t.Number).First();
        return new SearchResult(objective.Metric, objective.LowerIsBetter, best.Parameters, best.MeanScore, best, trials);
    }

    private static void RunBayesian(SearchSpace space, int maxTrials, SearchSettings settings, Random random, TrialRunner runner)
    {
        var initial = settings.BayesianInitialTrials > 0 ? settings.BayesianInitialTrials : Math.Max(4, space.Dimensions.Count + 2);
        runner.Evaluate(DrawUntried(space, random, Math.Min(initial, maxTrials), runner.Tried));
        var sign = runner.LowerIsBetter ? -1.0 : 1.0;
        while (runner.Trials.Count < maxTrials)
        {
            var trials = runner.Trials;
            var x = trials.Select(t => space.Encode(t.Parameters)).ToList();
            var y = Standardize(trials.Select(t => sign * t.MeanScore).ToArray());
            var gp = GaussianProcess.FitByMarginalLikelihood(x.ToArray(), y, settings.Kernel, LengthScales, NoiseVariances);
            var pending = new HashSet<string>(runner.Tried, StringComparer.Ordinal);
            var batch = new List<IReadOnlyDictionary<string, object>>();
            var believed = y.ToList();
            var size = Math.Min(Math.Max(1, settings.BayesianBatchSize), maxTrials - trials.Count);
            for (var b = 0; b < size; b++)
            {
                var next = ProposeByExpectedImprovement(space, gp, trials, believed.Max(), pending, settings.BayesianCandidates, random);
                if (next is null)
                {
                    break;
                }

                batch.Add(next);
                pending.Add(space.Key(next));
                if (b + 1 < size)
                {
                    // Kriging believer: pretend the proposal scored its predicted mean, which shrinks the variance there.
                    var point = space.Encode(next);
                    x.Add(point);
                    believed.Add(gp.Predict(point).Mean);
                    gp = GaussianProcess.Fit(x.ToArray(), believed.ToArray(), gp.Settings);
                }
            }

            if (batch.Count == 0)
            {
                return;
            }

            runner.Evaluate(batch);
        }
    }

    private static IReadOnlyDictionary<string, object>? ProposeByExpectedImprovement(
        SearchSpace space, GaussianProcess gp, IReadOnlyList<TrialResult> trials, double best, HashSet<string> tried, int candidateCount, Random random)
    {
        var candidates = new List<IReadOnlyDictionary<string, object>>(2 * candidateCount);
        for (var i = 0; i < candidateCount; i++)
        {
            candidates.Add(space.Sample(random));
        }

        // Local candidates around the three best trials, at two scales, so a narrow optimum can be refined.
        foreach (var leader in TopByPosteriorMean(gp, trials, space))
        {
            for (var i = 0; i < candidateCount / 6; i++)
            {
                candidates.Add(space.Perturb(leader, 0.15, random));
                candidates.Add(space.Perturb(leader, 0.04, random));
            }
        }

        IReadOnlyDictionary<string, object>? choice = null;
        var bestEi = double.NegativeInfinity;
        foreach (var candidate in candidates)
        {
            if (tried.Contains(space.Key(candidate)))
            {
                continue;
            }

            var (mean, variance) = gp.Predict(space.Encode(candidate));
            var ei = ExpectedImprovement.Compute(mean, variance, best, ExplorationMargin);
            if (ei > bestEi)
            {
                bestEi = ei;
                choice = candidate;
            }
        }

        return choice ?? DrawUntried(space, random, 1, tried).FirstOrDefault();
    }

    /// <summary>The three trials the process rates highest, which smooths over a lucky fold split.</summary>
    private static IEnumerable<IReadOnlyDictionary<string, object>> TopByPosteriorMean(GaussianProcess gp, IReadOnlyList<TrialResult> trials, SearchSpace space) =>
        trials.OrderByDescending(t => gp.Predict(space.Encode(t.Parameters)).Mean).ThenBy(t => t.Number).Take(3).Select(t => t.Parameters);

    /// <summary>Up to <paramref name="count"/> distinct random points not in <paramref name="tried"/>; fewer when the space runs out.</summary>
    private static List<IReadOnlyDictionary<string, object>> DrawUntried(SearchSpace space, Random random, int count, IReadOnlySet<string> tried)
    {
        const int AttemptsPerPoint = 200;
        var seen = new HashSet<string>(tried, StringComparer.Ordinal);
        var points = new List<IReadOnlyDictionary<string, object>>(count);
        while (points.Count < count)
        {
            var found = false;
            for (var attempt = 0; attempt < AttemptsPerPoint && !found; attempt++)
            {
                var point = space.Sample(random);
                if (seen.Add(space.Key(point)))
                {
                    points.Add(point);
                    found = true;
                }
            }

            if (!found)
            {
                break;
            }
        }

        return points;
    }

    private static double[] Standardize(double[] values)
    {
        var mean = values.Average();
        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        var scale = std > 1e-12 ? std : 1.0;
        return values.Select(v => (v - mean) / scale).ToArray();
    }

    /// <summary>Runs trials fold by fold in parallel and reports each trial once its last fold is done.</summary>
    private sealed class TrialRunner(ITrialObjective objective, Func<IReadOnlyDictionary<string, object>, string> keyOf, SearchSettings settings, Action<TrialResult>? onTrial, CancellationToken cancellationToken)
    {
        private readonly List<TrialResult> _trials = [];
        private readonly HashSet<string> _tried = new(StringComparer.Ordinal);
        private readonly Lock _report = new();

        public bool LowerIsBetter => objective.LowerIsBetter;

        /// <summary>Completed trials in number order.</summary>
        public IReadOnlyList<TrialResult> Trials => _trials;

        public IReadOnlySet<string> Tried => _tried;

        public void Evaluate(IReadOnlyList<IReadOnlyDictionary<string, object>> points)
        {
            if (points.Count == 0)
            {
                return;
            }

            var first = _trials.Count + 1;
            var k = objective.FoldCount;
            var scores = new double[points.Count][];
            var started = new long[points.Count];
            var remaining = new int[points.Count];
            for (var t = 0; t < points.Count; t++)
            {
                scores[t] = new double[k];
                remaining[t] = k;
                started[t] = long.MaxValue;
            }

            var completed = new ConcurrentBag<TrialResult>();
            var work = Enumerable.Range(0, points.Count).SelectMany(t => Enumerable.Range(0, k).Select(f => (Trial: t, Fold: f)));
            var parallel = new ParallelOptions
            {
                MaxDegreeOfParallelism = settings.MaxDegreeOfParallelism > 0 ? settings.MaxDegreeOfParallelism : Environment.ProcessorCount,
                CancellationToken = cancellationToken,
            };
            try
            {
                // No buffering: work items start in trial order, so early trials finish (and are reported) first.
                Parallel.ForEach(Partitioner.Create(work, EnumerablePartitionerOptions.NoBuffering), parallel, item =>
                {
                    var (t, f) = item;
                    Interlocked.CompareExchange(ref started[t], Stopwatch.GetTimestamp(), long.MaxValue);
                    scores[t][f] = objective.EvaluateFold(points[t], f);
                    if (Interlocked.Decrement(ref remaining[t]) == 0)
                    {
                        var result = new TrialResult(first + t, points[t], scores[t].Average(), scores[t], Stopwatch.GetElapsedTime(Interlocked.Read(ref started[t])));
                        completed.Add(result);
                        if (onTrial is not null)
                        {
                            lock (_report)
                            {
                                onTrial(result);
                            }
                        }
                    }
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }

            _trials.AddRange(completed.OrderBy(r => r.Number));
            foreach (var point in points)
            {
                _tried.Add(keyOf(point));
            }
        }
    }
}
