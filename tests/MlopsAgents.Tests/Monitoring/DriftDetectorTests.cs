using System.Globalization;
using System.Text.Json;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Monitoring;

public sealed class DriftDetectorTests
{
    private static readonly string LoansPath = Path.Combine(AppContext.BaseDirectory, "examples", "datasets", "loans.csv");

    [Fact]
    public void CompareNumeric_SmallReference_DecidesByKsPValue()
    {
        var c = DriftStatisticsTests.Case("shifted_normal");
        var feature = new DriftDetector().CompareNumeric("x", DriftStatisticsTests.Sorted(c, "reference"), DriftStatisticsTests.Sorted(c, "current"));
        Assert.Equal(DriftMethod.KolmogorovSmirnov, feature.Method);
        Assert.Equal(c.GetProperty("ks_pvalue").GetDouble(), feature.PValue!.Value, 1e-10);
        Assert.Equal(0.05, feature.Threshold);
        Assert.True(feature.Drifted);
    }

    [Fact]
    public void CompareNumeric_LargeReference_DecidesByNormalisedWasserstein()
    {
        var c = DriftStatisticsTests.Case("same_distribution"); // 1,500 reference rows: KS p 0.73, Wasserstein 0.048
        var feature = new DriftDetector().CompareNumeric("x", DriftStatisticsTests.Sorted(c, "reference"), DriftStatisticsTests.Sorted(c, "current"));
        Assert.Equal(DriftMethod.Wasserstein, feature.Method);
        Assert.Null(feature.PValue);
        Assert.Equal(0.1, feature.Threshold);
        Assert.False(feature.Drifted);

        var shifted = DriftStatisticsTests.Sorted(c, "current").Select(v => v + 1).ToArray();
        Assert.True(new DriftDetector().CompareNumeric("x", DriftStatisticsTests.Sorted(c, "reference"), shifted).Drifted);
    }

    [Fact]
    public void CompareCategorical_SizeRule_ChiSquareUpTo1000ThenJensenShannon()
    {
        var detector = new DriftDetector();
        var small = DriftStatisticsTests.Case("categorical_shift");
        var smallFeature = detector.CompareCategorical("c", DriftStatisticsTests.Strings(small, "reference"), DriftStatisticsTests.Strings(small, "current"));
        Assert.Equal(DriftMethod.ChiSquare, smallFeature.Method);
        Assert.True(smallFeature.Drifted);

        var large = DriftStatisticsTests.Case("categorical_same"); // chi-square p 0.024 would flag it; JS 0.028 does not
        var largeFeature = detector.CompareCategorical("c", DriftStatisticsTests.Strings(large, "reference"), DriftStatisticsTests.Strings(large, "current"));
        Assert.Equal(DriftMethod.JensenShannon, largeFeature.Method);
        Assert.False(largeFeature.Drifted);
    }

    [Fact]
    public void Compare_NumericWithFewDistinctValues_CountsAsCategorical()
    {
        var rows = Enumerable.Range(0, 200).Select(i => new string?[] { (i % 3).ToString(CultureInfo.InvariantCulture), (i * 0.5).ToString(CultureInfo.InvariantCulture) }).ToList();
        var frame = new DataFrame(["grade", "amount"], rows);
        var report = new DriftDetector().Compare(frame, frame);
        Assert.Equal(ColumnKind.Categorical, report.Features.Single(f => f.Column == "grade").Kind);
        Assert.Equal(DriftMethod.ChiSquare, report.Features.Single(f => f.Column == "grade").Method);
        Assert.Equal(ColumnKind.Numeric, report.Features.Single(f => f.Column == "amount").Kind);
        Assert.False(report.DatasetDrifted);
    }

    [Theory]
    [InlineData(0.5, false)]
    [InlineData(0.3, true)]
    public void Compare_ShareOfDriftedFeatures_DecidesDatasetVerdict(double share, bool drifted)
    {
        // One of three features shifts: share 1/3.
        var rng = new Random(7);
        List<string?[]> Rows(double shift) => Enumerable.Range(0, 300).Select(_ => new string?[]
        {
            (rng.NextDouble() + shift).ToString("R", CultureInfo.InvariantCulture),
            rng.NextDouble().ToString("R", CultureInfo.InvariantCulture),
            rng.NextDouble().ToString("R", CultureInfo.InvariantCulture),
        }).ToList();
        var reference = new DataFrame(["a", "b", "c"], Rows(0));
        var current = new DataFrame(["a", "b", "c"], Rows(0.5));
        var report = new DriftDetector(new DriftOptions { DriftShareThreshold = share }).Compare(reference, current);
        Assert.Equal(1, report.DriftedCount);
        Assert.Equal(1.0 / 3, report.ShareDrifted, 1e-12);
        Assert.Equal(drifted, report.DatasetDrifted);
    }

    [Fact]
    public void CompareToBaseline_ShiftedIncome_FlagsIncomeOnly()
    {
        var loans = DataFrame.ReadCsv(LoansPath);
        var columns = loans.Columns.ToArray();
        var half = loans.RowCount / 2;
        var train = loans.WithRows(loans.Rows.Take(half));
        var live = loans.WithRows(loans.Rows.Skip(half));
        var baseline = DriftBaseline.Build(train, columns, [], []);
        var detector = new DriftDetector();

        var unshifted = detector.CompareToBaseline(baseline, live);
        Assert.Equal(0, unshifted.DriftedCount);
        Assert.False(unshifted.DatasetDrifted);

        var shifted = detector.CompareToBaseline(baseline, ScaleIncome(live, 1.5));
        var income = shifted.Features.Single(f => f.Column == "income");
        Assert.Equal(DriftMethod.Psi, income.Method);
        Assert.True(income.Drifted);
        Assert.Equal(["income"], shifted.Features.Where(f => f.Drifted).Select(f => f.Column));
        Assert.Contains(shifted.Features, f => f.Kind == ColumnKind.Categorical && f.Method == DriftMethod.JensenShannon);
    }

    [Fact]
    public void DriftReport_Json_IsSnakeCaseAndRoundTrips()
    {
        var loans = DataFrame.ReadCsv(LoansPath);
        var report = new DriftDetector().Compare(loans, ScaleIncome(loans, 1.5));
        var json = report.ToJson();
        using var doc = JsonDocument.Parse(json);
        var income = doc.RootElement.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("column").GetString() == "income");
        Assert.Equal("wasserstein_norm", income.GetProperty("method").GetString());
        Assert.Equal("numeric", income.GetProperty("kind").GetString());
        Assert.True(income.GetProperty("drifted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, income.GetProperty("p_value").ValueKind);
        Assert.True(doc.RootElement.TryGetProperty("share_drifted", out _));
        Assert.Equal(report.DriftedCount, DriftReport.FromJson(json).DriftedCount);
        Assert.Contains("| income | numeric | wasserstein_norm |", report.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void DriftFileComparison_BadInput_NamesTheProblem()
    {
        using var dir = new Evaluation.TempDirectory();
        File.WriteAllText(dir.File("other.csv"), "x,y\n1,2\n");
        var options = new DriftOptions();
        Assert.Contains("does not exist", DriftFileComparison.Compare(LoansPath, dir.File("missing.csv"), null, options).Error, StringComparison.Ordinal);
        var noCommon = DriftFileComparison.Compare(LoansPath, dir.File("other.csv"), null, options).Error!;
        Assert.Contains("share no column", noCommon, StringComparison.Ordinal);
        Assert.Contains("income", noCommon, StringComparison.Ordinal);
        Assert.Contains("x, y", noCommon, StringComparison.Ordinal);
        Assert.Contains("nope", DriftFileComparison.Compare(LoansPath, LoansPath, ["income", "nope"], options).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void MlopsDrift_ShiftedLoans_ExitsFourWithJsonLast()
    {
        using var dir = new Evaluation.TempDirectory();
        var shiftedPath = dir.File("shifted.csv");
        using (var writer = new StreamWriter(shiftedPath))
        {
            ScaleIncome(DataFrame.ReadCsv(LoansPath), 1.5).WriteCsv(writer);
        }

        var (code, stdout, _) = MlopsCli.Run("drift", LoansPath, shiftedPath, "--json", "--columns", "income,age,region", "--threshold-share", "0.3");
        Assert.Equal(4, code);
        var report = DriftReport.FromJson(stdout[stdout.IndexOf("\n{", StringComparison.Ordinal)..]);
        Assert.Equal(["income", "age", "region"], report.Features.Select(f => f.Column));
        Assert.True(report.DatasetDrifted);
        Assert.Equal(0.3, report.ShareThreshold);

        var (same, _, _) = MlopsCli.Run("drift", LoansPath, LoansPath, "--json");
        Assert.Equal(0, same);
        var (missing, _, stderr) = MlopsCli.Run("drift", LoansPath, dir.File("absent.csv"));
        Assert.Equal(2, missing);
        Assert.Contains("absent.csv", stderr, StringComparison.Ordinal);
    }

    private static DataFrame ScaleIncome(DataFrame frame, double factor)
    {
        var index = frame.IndexOf("income");
        return frame.WithRows(frame.Rows.Select(r =>
        {
            var copy = (string?[])r.Clone();
            if (copy[index] is { } cell)
            {
                copy[index] = (double.Parse(cell, CultureInfo.InvariantCulture) * factor).ToString("R", CultureInfo.InvariantCulture);
            }

            return copy;
        }));
    }
}
