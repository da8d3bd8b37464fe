using System.Globalization;
using MlopsAgents.Plugins.DataPreparation;

namespace MlopsAgents.Plugins.Monitoring;

/// <summary>
/// Data drift per feature, Evidently-style: numeric columns get KS, normalised Wasserstein and PSI; categorical ones
/// chi-square and Jensen–Shannon; the decision method follows <see cref="DriftOptions"/>. Missing cells are dropped
/// before any statistic, and the size rule looks at the reference column's present values.
/// </summary>
public sealed class DriftDetector
{
    private readonly DriftOptions _options;

    public DriftDetector(DriftOptions? options = null)
    {
        _options = options ?? new DriftOptions();
        var problems = _options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid drift options: " + string.Join(" ", problems), nameof(options));
        }
    }

    public DriftOptions Options => _options;

    /// <summary>
    /// Compares the columns both frames hold (or <paramref name="columns"/>, which must be in both), in the reference's
    /// column order. A column with no present values on either side is listed in <see cref="DriftReport.Skipped"/>.
    /// </summary>
    public DriftReport Compare(DataFrame reference, DataFrame current, IReadOnlyList<string>? columns = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var names = columns ?? reference.Columns.Where(c => current.IndexOf(c) >= 0).ToArray();
        var features = new List<FeatureDrift>();
        var skipped = new List<SkippedColumn>();
        foreach (var name in names)
        {
            int ri = reference.IndexOf(name), ci = current.IndexOf(name);
            if (ri < 0 || ci < 0)
            {
                throw new ArgumentException($"Column '{name}' is not in both frames.", nameof(columns));
            }

            var refCells = Present(reference, ri);
            var curCells = Present(current, ci);
            if (refCells.Length == 0 || curCells.Length == 0)
            {
                skipped.Add(new SkippedColumn(name, refCells.Length == 0 ? "no values in the reference" : "no values in the current data"));
                continue;
            }

            var refNumbers = Numbers(refCells);
            var curNumbers = refNumbers is null ? null : Numbers(curCells);
            if (refNumbers is not null && curNumbers is not null && refNumbers.Distinct().Count() > _options.CategoricalMaxUnique)
            {
                features.Add(CompareNumeric(name, refNumbers, curNumbers));
            }
            else
            {
                // Numbers with few distinct values are categories; key them by value so "1" and "1.0" agree.
                var key = refNumbers is not null && curNumbers is not null
                    ? (Func<string, string>)(cell => double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture))
                    : cell => cell;
                features.Add(CompareCategorical(name, refCells.Select(key).ToArray(), curCells.Select(key).ToArray()));
            }
        }

        return DriftReport.Create(reference.RowCount, current.RowCount, features, skipped, _options.DriftShareThreshold);
    }

    /// <summary>
    /// Compares many numeric columns at once, in parallel across cores (each column is independent, and sorting
    /// dominates), and returns the report in the order of <paramref name="names"/>.
    /// </summary>
    public DriftReport CompareNumericColumns(IReadOnlyList<string> names, IReadOnlyList<double[]> reference, IReadOnlyList<double[]> current)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        if (reference.Count != names.Count || current.Count != names.Count)
        {
            throw new ArgumentException($"Expected one reference and one current column per name ({names.Count}); got {reference.Count} and {current.Count}.", nameof(reference));
        }

        var features = new FeatureDrift[names.Count];
        Parallel.For(0, names.Count, i => features[i] = CompareNumeric(names[i], reference[i], current[i]));
        return DriftReport.Create(reference.Count == 0 ? 0 : reference[0].Length, current.Count == 0 ? 0 : current[0].Length, features, [], _options.DriftShareThreshold);
    }

    /// <summary>Drift of one numeric feature: KS, normalised Wasserstein (÷ max(reference std, 0.001)) and PSI.</summary>
    public FeatureDrift CompareNumeric(string column, IReadOnlyList<double> reference, IReadOnlyList<double> current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        if (reference.Count == 0 || current.Count == 0)
        {
            throw new ArgumentException($"Column '{column}': both samples need at least one value.");
        }

        var a = RadixSort.SortedCopy(reference);
        var b = RadixSort.SortedCopy(current);
        var (ks, ksP) = DriftStatistics.KolmogorovSmirnov(a, b);
        var wasserstein = DriftStatistics.Wasserstein(a, b) / Math.Max(DriftStatistics.PopulationStd(a), 0.001);
        var summary = DriftBaseline.SummarizeSorted(a, _options.PsiBins);
        var psi = PsiOfSorted(summary, b);
        var statistics = new Dictionary<string, double>
        {
            ["ks_statistic"] = ks,
            ["ks_p_value"] = ksP,
            ["wasserstein_norm"] = wasserstein,
            ["psi"] = psi,
        };
        var method = _options.NumericMethod ?? (a.Length <= _options.SmallReferenceMaxRows ? DriftMethod.KolmogorovSmirnov : DriftMethod.Wasserstein);
        return method switch
        {
            DriftMethod.KolmogorovSmirnov => new(column, ColumnKind.Numeric, method, ks, ksP, _options.PValueThreshold, ksP < _options.PValueThreshold, a.Length, b.Length, statistics),
            DriftMethod.Wasserstein => new(column, ColumnKind.Numeric, method, wasserstein, null, _options.WassersteinThreshold, wasserstein >= _options.WassersteinThreshold, a.Length, b.Length, statistics),
            _ => new(column, ColumnKind.Numeric, DriftMethod.Psi, psi, null, _options.PsiThreshold, psi >= _options.PsiThreshold, a.Length, b.Length, statistics),
        };
    }

    /// <summary>
    /// Drift of one categorical feature over the union of categories (ordinal order): chi-square of the current counts
    /// against reference proportions × current size, and Jensen–Shannon of the zero-filled frequency vectors.
    /// </summary>
    public FeatureDrift CompareCategorical(string column, IReadOnlyList<string> reference, IReadOnlyList<string> current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        if (reference.Count == 0 || current.Count == 0)
        {
            throw new ArgumentException($"Column '{column}': both samples need at least one value.");
        }

        var refCounts = Count(reference);
        var curCounts = Count(current);
        var keys = refCounts.Keys.Union(curCounts.Keys).Order(StringComparer.Ordinal).ToArray();
        var observed = keys.Select(k => (double)curCounts.GetValueOrDefault(k)).ToArray();
        var expected = keys.Select(k => refCounts.GetValueOrDefault(k) * (double)current.Count / reference.Count).ToArray();
        var (chi, chiP) = DriftStatistics.ChiSquare(observed, expected);
        var refShares = keys.Select(k => (double)refCounts.GetValueOrDefault(k) / reference.Count).ToArray();
        var curShares = keys.Select(k => (double)curCounts.GetValueOrDefault(k) / current.Count).ToArray();
        var js = DriftStatistics.JensenShannon(DriftStatistics.FillZeroes(refShares), DriftStatistics.FillZeroes(curShares));
        var statistics = new Dictionary<string, double>
        {
            ["chi_square"] = chi,
            ["chi_square_p_value"] = chiP,
            ["jensen_shannon"] = js,
        };
        var method = _options.CategoricalMethod ?? (reference.Count <= _options.SmallReferenceMaxRows ? DriftMethod.ChiSquare : DriftMethod.JensenShannon);

        // A single category on both sides leaves chi-square without degrees of freedom: nothing can have drifted.
        return method == DriftMethod.ChiSquare
            ? new(column, ColumnKind.Categorical, method, chi, double.IsNaN(chiP) ? 1 : chiP, _options.PValueThreshold, !double.IsNaN(chiP) && chiP < _options.PValueThreshold, reference.Count, current.Count, statistics)
            : new(column, ColumnKind.Categorical, DriftMethod.JensenShannon, js, null, _options.JensenShannonThreshold, js >= _options.JensenShannonThreshold, reference.Count, current.Count, statistics);
    }

    /// <summary>
    /// Compares live data against a saved <see cref="DriftBaseline"/> when the raw reference rows are gone: PSI on the
    /// baseline's quantile bins for numeric features, Jensen–Shannon on its category shares for categorical ones.
    /// Features missing from <paramref name="current"/>, or holding no values there, are listed as skipped.
    /// </summary>
    public DriftReport CompareToBaseline(DriftBaseline baseline, DataFrame current)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(current);
        var features = new List<FeatureDrift>();
        var skipped = new List<SkippedColumn>();
        foreach (var feature in baseline.Features)
        {
            var index = current.IndexOf(feature.Name);
            if (index < 0)
            {
                skipped.Add(new SkippedColumn(feature.Name, "not in the current data"));
                continue;
            }

            var cells = Present(current, index);
            if (cells.Length == 0)
            {
                skipped.Add(new SkippedColumn(feature.Name, "no values in the current data"));
                continue;
            }

            if (feature.Kind == ColumnKind.Numeric)
            {
                var numbers = Numbers(cells);
                if (numbers is null || feature.Numeric is not { BinFractions.Length: > 0 } summary)
                {
                    skipped.Add(new SkippedColumn(feature.Name, numbers is null ? "numeric in the baseline but not in the current data" : "the baseline holds no values"));
                    continue;
                }

                var psi = Psi(summary, numbers);
                features.Add(new FeatureDrift(feature.Name, ColumnKind.Numeric, DriftMethod.Psi, psi, null, _options.PsiThreshold, psi >= _options.PsiThreshold,
                    feature.Count, numbers.Length, new Dictionary<string, double> { ["psi"] = psi }));
            }
            else
            {
                var shares = feature.Categories ?? new Dictionary<string, double>();
                var counts = Count(cells);
                var keys = shares.Keys.Union(counts.Keys).Order(StringComparer.Ordinal).ToArray();
                var refShares = keys.Select(k => shares.GetValueOrDefault(k)).ToArray();
                var curShares = keys.Select(k => (double)counts.GetValueOrDefault(k) / cells.Length).ToArray();
                var js = refShares.Any(s => s > 0)
                    ? DriftStatistics.JensenShannon(DriftStatistics.FillZeroes(refShares), DriftStatistics.FillZeroes(curShares))
                    : Math.Sqrt(Math.Log(2));
                features.Add(new FeatureDrift(feature.Name, ColumnKind.Categorical, DriftMethod.JensenShannon, js, null, _options.JensenShannonThreshold, js >= _options.JensenShannonThreshold,
                    feature.Count, cells.Length, new Dictionary<string, double> { ["jensen_shannon"] = js }));
            }
        }

        return DriftReport.Create(baseline.RowCount, current.RowCount, features, skipped, _options.DriftShareThreshold);
    }

    // The same counts as Psi, by one forward walk over the bins, because sorted values visit them in order.
    private static double PsiOfSorted(NumericSummary summary, double[] sorted)
    {
        var counts = new double[summary.BinFractions.Length];
        var bin = 0;
        foreach (var v in sorted)
        {
            while (bin < counts.Length - 1 && v >= summary.Edges[bin + 1])
            {
                bin++;
            }

            counts[bin]++;
        }

        var currentShares = counts.Select(c => c / sorted.Length).ToArray();
        return DriftStatistics.PopulationStabilityIndex(DriftStatistics.FillZeroes(summary.BinFractions), DriftStatistics.FillZeroes(currentShares));
    }

    private static double Psi(NumericSummary summary, IReadOnlyList<double> current)
    {
        var counts = new double[summary.BinFractions.Length];
        foreach (var v in current)
        {
            counts[summary.BinOf(v)]++;
        }

        var currentShares = counts.Select(c => c / current.Count).ToArray();
        return DriftStatistics.PopulationStabilityIndex(DriftStatistics.FillZeroes(summary.BinFractions), DriftStatistics.FillZeroes(currentShares));
    }

    private static string[] Present(DataFrame frame, int column) =>
        frame.Rows.Select(r => r[column]).Where(c => !DataFrame.IsMissingToken(c)).Select(c => c!.Trim()).ToArray();

    private static double[]? Numbers(string[] cells)
    {
        var result = new double[cells.Length];
        for (var i = 0; i < cells.Length; i++)
        {
            if (!DataFrame.TryParseNumber(cells[i], out result[i]))
            {
                return null;
            }
        }

        return result;
    }

    private static Dictionary<string, int> Count(IReadOnlyList<string> values)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in values)
        {
            counts[v] = counts.GetValueOrDefault(v) + 1;
        }

        return counts;
    }
}
