using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.DataPreparation;

public sealed class DataPreparationTests
{
    [Fact]
    public void ReadCsv_QuotedFieldsAndMissingTokens_ParsesCells()
    {
        var frame = DataFrame.ReadCsv(new StringReader("a,b,c\n1,\"x, y\",NA\n2,\"say \"\"hi\"\"\",\n"), "test.csv");

        Assert.Equal(["a", "b", "c"], frame.Columns);
        Assert.Equal(new string?[] { "1", "x, y", null }, frame.Rows[0]);
        Assert.Equal(new string?[] { "2", "say \"hi\"", null }, frame.Rows[1]);
        Assert.Equal(ColumnKind.Numeric, frame.InferKind(0));
        Assert.Equal(ColumnKind.Categorical, frame.InferKind(1));
    }

    [Fact]
    public void ReadCsv_RaggedRow_NamesTheLine()
    {
        var e = Assert.Throws<FormatException>(() => DataFrame.ReadCsv(new StringReader("a,b\n1,2\n3\n"), "bad.csv"));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("1 fields", e.Message);
    }

    [Fact]
    public void DataQualityReport_Loans_FindsMissingDuplicatesAndImbalance()
    {
        var frame = DataFrame.ReadCsv(Examples.Dataset("loans.csv"));

        var report = DataQualityReport.Build("loans", 1, frame, "default", isClassification: true);

        Assert.Equal(5040, report.Rows);
        Assert.Equal(40, report.DuplicateRows);
        var income = report.ColumnProfiles.Single(p => p.Name == "income");
        Assert.Equal("numeric", income.Kind);
        Assert.InRange(income.MissingFraction, 0.03, 0.05);
        Assert.Equal("categorical", report.ColumnProfiles.Single(p => p.Name == "employment").Kind);
        Assert.Equal(["0", "1"], report.ClassBalance!.Keys);
        Assert.InRange(report.ImbalanceRatio!.Value, 5, 8);
        Assert.Contains(report.Warnings, w => w.Contains("imbalanced", StringComparison.Ordinal));
        Assert.Contains("| income | numeric |", report.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void FeaturePreprocessor_FitOnTrain_ImputesEncodesAndScales()
    {
        var train = DataFrame.ReadCsv(new StringReader("x,color,y\n1,red,a\n3,blue,b\n,red,a\n5,,b\n"), "t.csv");
        var kinds = new Dictionary<string, ColumnKind> { ["x"] = ColumnKind.Numeric, ["color"] = ColumnKind.Categorical };
        var options = new DataPreprocessingOptions { HandleMissing = MissingValueStrategies.Mean, Standardize = true, EncodeCategorical = CategoricalEncodings.OneHot };

        var p = FeaturePreprocessor.Fit(train, "y", ["x", "color"], kinds, options, ModelTask.Classification, ["a", "b"]);
        var data = p.ToTrainingData(train);

        Assert.Equal(["x", "color=blue", "color=red"], p.FeatureNames);
        var mean = 3.0;
        var std = Math.Sqrt(((1 - mean) * (1 - mean) + 0 + (5 - mean) * (5 - mean)) / 3);
        Assert.Equal((1 - mean) / std, data.Features[0][0], 12);
        Assert.Equal(0, data.Features[2][0], 12); // imputed with the mean, which standardizes to 0
        Assert.Equal([0.0, 1.0], data.Features[0][1..]);
        Assert.Equal([0.0, 1.0], data.Features[3][1..]); // missing colour imputed with the mode, red
        Assert.Equal([0.0, 1.0, 0.0, 1.0], data.Labels);

        var roundTrip = FeaturePreprocessor.FromJson(p.ToJson());
        Assert.Equal(p.FeatureNames, roundTrip.FeatureNames);
        Assert.Equal(data.Features[1], roundTrip.ToTrainingData(train).Features[1]);
    }

    [Fact]
    public void FeaturePreprocessor_TryTransform_BadCellsNameColumnAndReason()
    {
        var train = DataFrame.ReadCsv(new StringReader("x,color,y\n1,red,a\n3,blue,b\n"), "t.csv");
        var kinds = new Dictionary<string, ColumnKind> { ["x"] = ColumnKind.Numeric, ["color"] = ColumnKind.Categorical };
        var p = FeaturePreprocessor.Fit(train, "y", ["x", "color"], kinds, new DataPreprocessingOptions { EncodeCategorical = CategoricalEncodings.Label }, ModelTask.Classification, ["a", "b"]);
        var errors = new List<string>();

        var result = p.TryTransform(name => name == "x" ? (true, "abc") : (true, "green"), errors);

        Assert.Null(result);
        Assert.Equal(["column 'x': 'abc' is not a number", "column 'color': unknown category 'green'; known: blue, red"], errors);
    }

    [Fact]
    public void DataSplitter_Stratified_KeepsClassSharesAndIsDeterministic()
    {
        var strata = Enumerable.Range(0, 100).Select(i => i < 80 ? 0 : 1).ToArray();

        var a = DataSplitter.Split(100, strata, 0.2, 0.1, seed: 7);
        var b = DataSplitter.Split(100, strata, 0.2, 0.1, seed: 7);
        var c = DataSplitter.Split(100, strata, 0.2, 0.1, seed: 8);

        Assert.Equal(a.Test, b.Test);
        Assert.NotEqual(a.Test, c.Test);
        Assert.Equal(20, a.Test.Length);
        Assert.Equal(4, a.Test.Count(i => strata[i] == 1));
        Assert.Equal(10, a.Validation.Length);
        Assert.Equal(70, a.Train.Length);
        Assert.Empty(a.Train.Intersect(a.Test).Concat(a.Train.Intersect(a.Validation)).Concat(a.Test.Intersect(a.Validation)));
    }

    [Fact]
    public async Task DatasetService_AddAsync_NewVersionOnlyWhenContentChanges()
    {
        using var dir = new TempDirectory();
        var registry = new SqliteRegistry(dir.Combine("r.db"));
        var service = new DatasetService(registry, new LocalArtifactStore(dir.Combine("artifacts")));
        var file = dir.Combine("d.csv");
        await File.WriteAllTextAsync(file, "x,y\n1,a\n2,b\n");

        var first = await service.AddAsync(file, "ds-1", "y");
        var same = await service.AddAsync(file, "ds-1", "y");
        await File.WriteAllTextAsync(file, "x,y\n1,a\n2,b\n3,a\n");
        var changed = await service.AddAsync(file, "ds-1", "y");

        Assert.True(first.Created);
        Assert.False(same.Created);
        Assert.Equal(1, same.Dataset.Version);
        Assert.True(changed.Created);
        Assert.Equal(2, changed.Dataset.Version);
        Assert.Equal(3, changed.Dataset.RowCount);
        var (loaded, frame) = await service.LoadAsync("ds-1", 1);
        Assert.Equal(2, frame.RowCount);
        Assert.Equal(first.Dataset.Sha256, loaded.Sha256);
    }

    [Theory]
    [InlineData("bad id!", "y", "--id")]
    [InlineData("ds", "nope", "--target: column 'nope'")]
    public async Task DatasetService_AddAsync_BadArguments_NameTheField(string id, string target, string expected)
    {
        using var dir = new TempDirectory();
        var service = new DatasetService(new SqliteRegistry(dir.Combine("r.db")), new LocalArtifactStore(dir.Combine("artifacts")));
        var file = dir.Combine("d.csv");
        await File.WriteAllTextAsync(file, "x,y\n1,a\n");

        var e = await Assert.ThrowsAsync<DataValidationException>(() => service.AddAsync(file, id, target));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
