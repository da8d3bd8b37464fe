using System.Globalization;
using System.Text.Json;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Plugins.Training.Search;

/// <summary>The search methods of the <c>hpo</c> block.</summary>
public static class SearchMethods
{
    public const string Grid = "grid";
    public const string Random = "random";
    public const string Bayesian = "bayesian";
    public static readonly IReadOnlyList<string> All = [Grid, Random, Bayesian];
}

/// <summary>The dimension types of a search space.</summary>
public static class SearchParameterTypes
{
    public const string Int = "int";
    public const string Float = "float";

    /// <summary>A positive float searched on a log scale (uniform in log(value)).</summary>
    public const string LogFloat = "log_float";

    public const string Categorical = "categorical";
    public static readonly IReadOnlyList<string> All = [Int, Float, LogFloat, Categorical];
}

/// <summary>
/// One searched hyperparameter. Numeric types (int, float, log_float) need <see cref="Low"/> &lt; <see cref="High"/>,
/// both inclusive; random and Bayesian search sample that range. A grid needs a finite set of points per dimension:
/// <list type="bullet">
/// <item>int: every integer in [low, high], or <see cref="Steps"/> evenly spaced integers, or the listed <see cref="Values"/>;</item>
/// <item>float: <see cref="Steps"/> evenly spaced points including both ends, or the listed <see cref="Values"/>;</item>
/// <item>log_float: <see cref="Steps"/> geometrically spaced points including both ends, or the listed <see cref="Values"/>;</item>
/// <item>categorical: the listed <see cref="Values"/>, for every method.</item>
/// </list>
/// Values on a numeric dimension must lie in [low, high]; they only shape the grid. Values are long, double, string or
/// bool, as in <see cref="TrainingRequest.Hyperparameters"/>.
/// </summary>
public sealed record SearchDimension
{
    public required string Type { get; init; }
    public double? Low { get; init; }
    public double? High { get; init; }
    public IReadOnlyList<object>? Values { get; init; }
    public int? Steps { get; init; }
}

/// <summary>
/// The <c>hpo</c> block: <c>{method, max_trials, metric, cv_folds, search_space: {param: dimension}}</c>. A null
/// <see cref="Metric"/> means the request's primary metric (the task default, f1_score or r2).
/// </summary>
public sealed record HpoOptions
{
    /// <summary>The most trials a search may run, and the most points a grid may have.</summary>
    public const int MaxTrialLimit = 1000;

    public const int MaxFolds = 20;

    public string Method { get; init; } = SearchMethods.Random;
    public int MaxTrials { get; init; } = 20;
    public string? Metric { get; init; }
    public int CvFolds { get; init; } = 5;
    public IReadOnlyDictionary<string, SearchDimension> SearchSpace { get; init; } = new Dictionary<string, SearchDimension>();

    /// <summary>
    /// Problems with these options for <paramref name="algorithm"/>, each with the path under <c>hpo</c>, the offending
    /// value and what to do; empty when the search can run. <paramref name="taskType"/> (classification or regression)
    /// narrows the metrics allowed; without it any supervised metric passes.
    /// </summary>
    public IReadOnlyList<RequestError> Validate(AlgorithmSpec algorithm, string? taskType = null)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        var errors = new List<RequestError>();
        if (!SearchMethods.All.Contains(Method))
        {
            errors.Add(new("hpo.method", Method, $"use one of {string.Join(", ", SearchMethods.All)}"));
        }

        if (MaxTrials < 1 || MaxTrials > MaxTrialLimit)
        {
            errors.Add(new("hpo.max_trials", Text(MaxTrials), $"use a whole number from 1 to {MaxTrialLimit}"));
        }

        if (CvFolds < 2 || CvFolds > MaxFolds)
        {
            errors.Add(new("hpo.cv_folds", Text(CvFolds), $"use a whole number of folds from 2 to {MaxFolds}"));
        }

        if (Metric is not null)
        {
            IReadOnlyList<string> metrics = taskType switch
            {
                TaskTypes.Classification => Metrics.Classification,
                TaskTypes.Regression => Metrics.Regression,
                _ => [.. Metrics.Classification, .. Metrics.Regression],
            };
            if (!metrics.Contains(Metric))
            {
                errors.Add(new("hpo.metric", Metric, $"use one of {string.Join(", ", metrics)}"));
            }
        }

        if (SearchSpace.Count == 0)
        {
            errors.Add(new("hpo.search_space", null, $"name at least one hyperparameter of {algorithm.Name} to search: {Known(algorithm)}"));
            return errors;
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var gridSize = 1.0;
        foreach (var (name, dimension) in SearchSpace.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var path = "hpo.search_space." + name;
            var spec = algorithm.FindHyperparameter(name);
            if (spec is null)
            {
                errors.Add(new(path, null, $"{algorithm.Name} has no hyperparameter '{name}'; it has {Known(algorithm)}"));
                continue;
            }

            if (seen.TryGetValue(spec.Name, out var first))
            {
                errors.Add(new(path, null, $"'{name}' and '{first}' are the same hyperparameter ({spec.Name}); search it once"));
                continue;
            }

            seen[spec.Name] = name;
            var before = errors.Count;
            ValidateDimension(path, spec, dimension, errors);
            if (errors.Count == before && Method == SearchMethods.Grid)
            {
                double? points = dimension.Type == SearchParameterTypes.Int && dimension.Values is null && dimension.Steps is null
                    ? Math.Floor(dimension.High!.Value) - Math.Ceiling(dimension.Low!.Value) + 1
                    : dimension.Values?.Count ?? dimension.Steps;
                if (points is null)
                {
                    errors.Add(new(path, dimension.Type, "a grid over a float needs 'values' (the grid points) or 'steps' (how many evenly spaced points)"));
                }
                else
                {
                    gridSize *= points.Value;
                }
            }
        }

        if (errors.Count == 0 && Method == SearchMethods.Grid && gridSize > MaxTrials)
        {
            errors.Add(new("hpo.max_trials", Text(MaxTrials),
                string.Create(CultureInfo.InvariantCulture, $"the grid has {gridSize:0} points but max_trials is {MaxTrials}; raise max_trials (at most {MaxTrialLimit}) or use fewer grid points")));
        }

        return errors;
    }

    private static void ValidateDimension(string path, HyperparameterSpec spec, SearchDimension dimension, List<RequestError> errors)
    {
        var type = dimension.Type;
        if (!SearchParameterTypes.All.Contains(type))
        {
            errors.Add(new(path + ".type", type, $"use one of {string.Join(", ", SearchParameterTypes.All)}"));
            return;
        }

        if (spec.Type == HyperparameterType.IntList)
        {
            errors.Add(new(path, null, $"{spec.Name} is a list of integers and cannot be searched; fix it in hyperparameters instead"));
            return;
        }

        if (type == SearchParameterTypes.Categorical)
        {
            if (dimension.Values is not { Count: > 0 } values)
            {
                errors.Add(new(path + ".values", null, $"a categorical dimension needs a non-empty 'values' list of {spec.Allowed}"));
                return;
            }

            for (var i = 0; i < values.Count; i++)
            {
                if (!SearchValues.TryNormalize(spec, values[i], out var normalized) || !SearchValues.InRange(spec, normalized))
                {
                    errors.Add(new($"{path}.values[{Text(i)}]", SearchValues.Format(values[i]), $"{spec.Name} must be {spec.Allowed}"));
                }
            }

            var duplicate = values.Select(SearchValues.Format).GroupBy(v => v, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                errors.Add(new(path + ".values", duplicate.Key, "list each value once"));
            }

            if (dimension.Low is not null || dimension.High is not null || dimension.Steps is not null)
            {
                errors.Add(new(path, null, "a categorical dimension takes only 'values'; drop low, high and steps"));
            }

            return;
        }

        var wanted = type == SearchParameterTypes.Int ? HyperparameterType.Int : HyperparameterType.Float;
        if (spec.Type != wanted)
        {
            var suggestion = spec.Type switch
            {
                HyperparameterType.Int => "int",
                HyperparameterType.Float => "float or log_float",
                _ => "categorical",
            };
            errors.Add(new(path + ".type", type, $"{spec.Name} is {spec.Allowed}; search it as {suggestion}"));
            return;
        }

        if (dimension.Low is not { } low || dimension.High is not { } high)
        {
            errors.Add(new(path, null, $"a {type} dimension needs both 'low' and 'high'"));
            return;
        }

        var before = errors.Count;
        if (!double.IsFinite(low) || !double.IsFinite(high) || !(low < high))
        {
            errors.Add(new(path + ".low", Text(low), $"low must be a finite number below high ({Text(high)})"));
        }

        if (type == SearchParameterTypes.Int && (low != Math.Floor(low) || high != Math.Floor(high)))
        {
            errors.Add(new(path, $"{Text(low)}..{Text(high)}", "an int dimension needs whole-number low and high"));
        }

        if (type == SearchParameterTypes.LogFloat && !(low > 0))
        {
            errors.Add(new(path + ".low", Text(low), "a log_float dimension needs low > 0"));
        }

        if (!SearchValues.InRange(spec, low))
        {
            errors.Add(new(path + ".low", Text(low), $"outside the range of {spec.Name}, which must be {spec.Allowed}"));
        }

        if (!SearchValues.InRange(spec, high))
        {
            errors.Add(new(path + ".high", Text(high), $"outside the range of {spec.Name}, which must be {spec.Allowed}"));
        }

        if (dimension.Steps is { } steps && (steps < 2 || steps > MaxTrialLimit))
        {
            errors.Add(new(path + ".steps", Text(steps), $"use from 2 to {MaxTrialLimit} grid points"));
        }

        if (dimension.Values is { } grid && errors.Count == before)
        {
            if (grid.Count == 0)
            {
                errors.Add(new(path + ".values", null, "list at least one grid point, or drop 'values'"));
            }

            for (var i = 0; i < grid.Count; i++)
            {
                if (!SearchValues.TryNumber(grid[i], out var v) || v < low || v > high || (type == SearchParameterTypes.Int && v != Math.Floor(v)))
                {
                    errors.Add(new($"{path}.values[{Text(i)}]", SearchValues.Format(grid[i]),
                        $"grid points must be {(type == SearchParameterTypes.Int ? "whole numbers" : "numbers")} from low ({Text(low)}) to high ({Text(high)})"));
                }
            }

            if (grid.Select(SearchValues.Format).Distinct(StringComparer.Ordinal).Count() != grid.Count)
            {
                errors.Add(new(path + ".values", null, "list each grid point once"));
            }
        }
    }

    private static string Known(AlgorithmSpec algorithm) =>
        string.Join(", ", algorithm.Hyperparameters.Where(h => h.Type != HyperparameterType.IntList).Select(h => h.Name));

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Normalizes search values (long, double, string, bool or their JSON forms) to what the trainers read.</summary>
internal static class SearchValues
{
    public static bool TryNumber(object? value, out double number)
    {
        switch (value)
        {
            case long l: number = l; return true;
            case int i: number = i; return true;
            case double d when double.IsFinite(d): number = d; return true;
            case float f when float.IsFinite(f): number = f; return true;
            case decimal m: number = (double)m; return true;
            case JsonElement { ValueKind: JsonValueKind.Number } e: number = e.GetDouble(); return true;
            default: number = 0; return false;
        }
    }

    /// <summary>The value as the spec's type: long for Int, double for Float, bool for Bool, string for Categorical.</summary>
    public static bool TryNormalize(HyperparameterSpec spec, object? value, out object normalized)
    {
        normalized = value!;
        switch (spec.Type)
        {
            case HyperparameterType.Int when TryNumber(value, out var n) && n == Math.Floor(n) && Math.Abs(n) < 9e15:
                normalized = (long)n;
                return true;
            case HyperparameterType.Float when TryNumber(value, out var n):
                normalized = n;
                return true;
            case HyperparameterType.Bool when value is bool b:
                normalized = b;
                return true;
            case HyperparameterType.Bool when value is JsonElement { ValueKind: JsonValueKind.True or JsonValueKind.False } e:
                normalized = e.GetBoolean();
                return true;
            case HyperparameterType.Categorical when value is string s:
                normalized = s;
                return true;
            case HyperparameterType.Categorical when value is JsonElement { ValueKind: JsonValueKind.String } e:
                normalized = e.GetString()!;
                return true;
            default:
                return false;
        }
    }

    public static bool InRange(HyperparameterSpec spec, object value) => spec.Type switch
    {
        HyperparameterType.Int or HyperparameterType.Float => TryNumber(value, out var n) && InRange(spec, n),
        HyperparameterType.Categorical => value is string s && (spec.Values?.Contains(s) ?? false),
        _ => true,
    };

    public static bool InRange(HyperparameterSpec spec, double value) =>
        (spec.Min is not { } min || (spec.MinExclusive ? value > min : value >= min)) && (spec.Max is not { } max || value <= max);

    public static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        JsonElement e => e.GetRawText(),
        _ => value.ToString() ?? "",
    };
}
