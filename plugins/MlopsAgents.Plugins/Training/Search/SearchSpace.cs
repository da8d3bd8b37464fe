using System.Globalization;

namespace MlopsAgents.Plugins.Training.Search;

/// <summary>
/// A validated search space bound to an algorithm: dimensions in ordinal order of their canonical names, each able to
/// draw a value, list its grid points and place a value in the unit-scaled space the Gaussian process works in.
/// </summary>
public sealed class SearchSpace
{
    private SearchSpace(IReadOnlyList<Dimension> dimensions)
    {
        Dimensions = dimensions;
        EncodedWidth = dimensions.Sum(d => d.Width);
    }

    internal IReadOnlyList<Dimension> Dimensions { get; }

    /// <summary>Canonical hyperparameter names, in dimension order.</summary>
    public IReadOnlyList<string> Names => Dimensions.Select(d => d.Name).ToArray();

    /// <summary>Width of the encoded vector: one coordinate per numeric dimension, one per value of a categorical one.</summary>
    public int EncodedWidth { get; }

    /// <summary>Builds the space; throws <see cref="ArgumentException"/> listing the problems when <see cref="HpoOptions.Validate"/> finds any.</summary>
    public static SearchSpace Create(HpoOptions options, AlgorithmSpec algorithm)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(algorithm);
        var errors = options.Validate(algorithm);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid search options: " + string.Join("; ", errors), nameof(options));
        }

        var dimensions = options.SearchSpace
            .Select(p => (Spec: algorithm.FindHyperparameter(p.Key)!, Dimension: p.Value))
            .OrderBy(p => p.Spec.Name, StringComparer.Ordinal)
            .Select(p => new Dimension(p.Spec, p.Dimension))
            .ToArray();
        return new SearchSpace(dimensions);
    }

    /// <summary>Every grid point: the cartesian product of the dimensions' points, the first dimension varying slowest.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object>> Grid()
    {
        IEnumerable<IReadOnlyList<object>> product = [[]];
        foreach (var dimension in Dimensions)
        {
            var points = dimension.GridPoints();
            product = product.SelectMany(prefix => points.Select(p => (IReadOnlyList<object>)[.. prefix, p])).ToList();
        }

        return product.Select(ToParameters).ToArray();
    }

    /// <summary>One point drawn uniformly (log-uniformly for log_float) from the space.</summary>
    public IReadOnlyDictionary<string, object> Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return ToParameters(Dimensions.Select(d => d.Decode(random.NextDouble())).ToArray());
    }

    /// <summary>
    /// A point near <paramref name="center"/>: numeric unit coordinates moved by Gaussian noise of standard deviation
    /// <paramref name="scale"/> (clamped to the range), categorical values redrawn with probability <paramref name="scale"/>.
    /// </summary>
    public IReadOnlyDictionary<string, object> Perturb(IReadOnlyDictionary<string, object> center, double scale, Random random)
    {
        ArgumentNullException.ThrowIfNull(center);
        ArgumentNullException.ThrowIfNull(random);
        return ToParameters(Dimensions.Select(d =>
        {
            var value = center[d.Name];
            if (d.IsCategorical)
            {
                return random.NextDouble() < scale ? d.Decode(random.NextDouble()) : value;
            }

            var u = d.Unit(value) + scale * Gaussian(random);
            return d.Decode(Math.Clamp(u, 0, 1));
        }).ToArray());
    }

    /// <summary>The point in the unit-scaled space: numeric values in [0, 1] (log scale for log_float), categorical values one-hot.</summary>
    public double[] Encode(IReadOnlyDictionary<string, object> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var x = new double[EncodedWidth];
        var offset = 0;
        foreach (var d in Dimensions)
        {
            var value = parameters[d.Name];
            if (d.IsCategorical)
            {
                x[offset + d.IndexOf(value)] = 1;
            }
            else
            {
                x[offset] = d.Unit(value);
            }

            offset += d.Width;
        }

        return x;
    }

    /// <summary>A stable text key of a point, for spotting repeats.</summary>
    public string Key(IReadOnlyDictionary<string, object> parameters) =>
        string.Join("|", Dimensions.Select(d => SearchValues.Format(parameters[d.Name])));

    private IReadOnlyDictionary<string, object> ToParameters(IReadOnlyList<object> values)
    {
        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 0; i < Dimensions.Count; i++)
        {
            parameters[Dimensions[i].Name] = values[i];
        }

        return parameters;
    }

    internal static double Gaussian(Random random)
    {
        // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>One dimension, with values already normalized to the spec's type.</summary>
    internal sealed class Dimension
    {
        private readonly object[]? _values;
        private readonly object[]? _gridValues;
        private readonly int? _steps;

        public Dimension(HyperparameterSpec spec, SearchDimension dimension)
        {
            Name = spec.Name;
            Type = dimension.Type;
            Low = dimension.Low ?? 0;
            High = dimension.High ?? 0;
            _steps = dimension.Steps;
            if (Type == SearchParameterTypes.Categorical)
            {
                _values = dimension.Values!.Select(v => SearchValues.TryNormalize(spec, v, out var n) ? n : v).ToArray();
            }
            else if (dimension.Values is { } grid)
            {
                _gridValues = grid.Select(v => SearchValues.TryNumber(v, out var n) ? FromNumber(n) : v).ToArray();
            }
        }

        public string Name { get; }
        public string Type { get; }
        public double Low { get; }
        public double High { get; }
        public bool IsCategorical => _values is not null;
        public int Width => _values?.Length ?? 1;

        public object Decode(double u)
        {
            u = Math.Clamp(u, 0, 1);
            if (_values is not null)
            {
                return _values[Math.Min((int)(u * _values.Length), _values.Length - 1)];
            }

            return Type switch
            {
                // Each integer owns an equal slice of [0, 1]; Unit maps it back to the middle of its slice.
                SearchParameterTypes.Int => (object)(long)Math.Min(Low + Math.Floor(u * (High - Low + 1)), High),
                SearchParameterTypes.LogFloat => Math.Clamp(Math.Exp(Math.Log(Low) + u * (Math.Log(High) - Math.Log(Low))), Low, High),
                _ => Low + u * (High - Low),
            };
        }

        public double Unit(object value)
        {
            if (_values is not null)
            {
                return (IndexOf(value) + 0.5) / _values.Length;
            }

            SearchValues.TryNumber(value, out var v);
            return Type switch
            {
                SearchParameterTypes.Int => (v - Low + 0.5) / (High - Low + 1),
                SearchParameterTypes.LogFloat => (Math.Log(v) - Math.Log(Low)) / (Math.Log(High) - Math.Log(Low)),
                _ => (v - Low) / (High - Low),
            };
        }

        public int IndexOf(object value)
        {
            var key = SearchValues.Format(value);
            var index = Array.FindIndex(_values!, v => SearchValues.Format(v) == key);
            return index >= 0 ? index : throw new ArgumentException($"'{key}' is not one of the values searched for {Name}.", nameof(value));
        }

        public IReadOnlyList<object> GridPoints()
        {
            if (_values is not null)
            {
                return _values;
            }

            if (_gridValues is not null)
            {
                return _gridValues;
            }

            if (_steps is not { } steps)
            {
                // Validation lets only an int dimension through without values or steps: every integer in the range.
                return Enumerable.Range(0, (int)(High - Low) + 1).Select(i => (object)(long)(Low + i)).ToArray();
            }

            var points = Enumerable.Range(0, steps).Select(i => Type switch
            {
                SearchParameterTypes.Int => (object)(long)Math.Round(Low + i * (High - Low) / (steps - 1), MidpointRounding.AwayFromZero),
                SearchParameterTypes.LogFloat => i == steps - 1 ? High : Math.Exp(Math.Log(Low) + i * (Math.Log(High) - Math.Log(Low)) / (steps - 1)),
                _ => i == steps - 1 ? High : Low + i * (High - Low) / (steps - 1),
            });
            return points.DistinctBy(p => Convert.ToString(p, CultureInfo.InvariantCulture)).ToArray();
        }

        private object FromNumber(double n) => Type == SearchParameterTypes.Int ? (long)n : n;
    }
}
