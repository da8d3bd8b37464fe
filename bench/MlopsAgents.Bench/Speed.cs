using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MlopsAgents.Plugins.Evaluation;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.NeuralNetworks;

namespace MlopsAgents.Bench;

/// <summary>
/// Training time and test accuracy of the catalog's <c>xgboost</c> (ML.NET LightGBM) and <c>neural_network</c> on a
/// train/test pair written by <c>bench/speed/reference.py</c>, printed as the same JSON lines that script prints for
/// XGBoost and scikit-learn, so <c>bench/speed.sh</c> can set them side by side.
/// </summary>
internal static class Speed
{
    private const int Seed = 42;
    private const int WarmUpRows = 200;

    public static int Run(string[] args)
    {
        var trainPath = Text(args, "--train");
        var testPath = Text(args, "--test");
        var label = Text(args, "--label");
        if (trainPath is null || testPath is null || label is null)
        {
            Console.Error.WriteLine("usage: MlopsAgents.Bench speed --train TRAIN.csv --test TEST.csv --label COLUMN [--name NAME] [--repeat N]");
            return 2;
        }

        var name = Text(args, "--name") ?? Path.GetFileNameWithoutExtension(trainPath);
        var repeat = Count(args, "--repeat", 1);
        var (train, test) = Load(trainPath, testPath, label);

        // Catalog defaults, spelled out so the numbers stay tied to what reference.py gives XGBoost.
        var boosting = new Dictionary<string, object> { ["num_round"] = 100L, ["max_depth"] = 6L, ["eta"] = 0.3 };
        // scikit-learn's early_stopping carves 10% of the training rows (stratified) for validation; so does this.
        var (fit, validation) = CarveValidation(train, 0.1);
        var models = new (string Model, Func<TrainingData, TrainingData?, ITrainedModel> Train, TrainingData Data, TrainingData? Validation)[]
        {
            (AlgorithmCatalog.XgBoost, (d, v) => ModelTrainers.Get(AlgorithmCatalog.XgBoost).Train(d, v, boosting, Seed), train, null),
            (NeuralNetworkAlgorithms.NeuralNetwork, (d, v) => ModelTrainers.Get(NeuralNetworkAlgorithms.NeuralNetwork).Train(d, v, new Dictionary<string, object>(), Seed), fit, validation),
        };

        foreach (var (model, trainModel, data, held) in models)
        {
            // One untimed fit on a few rows first, as reference.py does, so JIT compilation stays out of the timing.
            trainModel(Head(data, WarmUpRows), held is null ? null : Head(held, WarmUpRows));
            var seconds = new double[repeat];
            ITrainedModel? trained = null;
            for (var r = 0; r < repeat; r++)
            {
                GC.Collect();
                var watch = Stopwatch.StartNew();
                trained = trainModel(data, held);
                seconds[r] = watch.Elapsed.TotalSeconds;
            }

            var report = ClassificationEvaluator.Evaluate(test.Labels.Select(l => (int)l).ToArray(), trained!.Predict(test.Features), test.ClassNames);
            Array.Sort(seconds);
            var median = repeat % 2 == 1 ? seconds[repeat / 2] : (seconds[repeat / 2 - 1] + seconds[repeat / 2]) / 2;
            var record = new Dictionary<string, object>
            {
                ["dataset"] = name,
                ["model"] = model,
                ["train_seconds"] = Math.Round(median, 4),
                ["accuracy"] = Math.Round(report.Accuracy, 4),
            };
            if (trained is MlpModel mlp)
            {
                record["epochs"] = mlp.Epochs;
            }

            Console.WriteLine(JsonSerializer.Serialize(record));
        }

        return 0;
    }

    /// <summary>Reads both files; every column but the label is a number, and class indices follow the label text sorted ordinally.</summary>
    private static (TrainingData Train, TrainingData Test) Load(string trainPath, string testPath, string label)
    {
        var (header, trainRows) = ReadCsv(trainPath);
        var (testHeader, testRows) = ReadCsv(testPath);
        if (!header.SequenceEqual(testHeader))
        {
            throw new InvalidDataException($"'{trainPath}' and '{testPath}' have different columns.");
        }

        var labelAt = Array.IndexOf(header, label);
        if (labelAt < 0)
        {
            throw new InvalidDataException($"'{trainPath}' has no column '{label}'.");
        }

        var featureNames = header.Where((_, j) => j != labelAt).ToArray();
        var classes = trainRows.Concat(testRows).Select(r => r[labelAt]).Distinct().Order(StringComparer.Ordinal).ToArray();
        TrainingData Build(string[][] rows, string path) => new(
            rows.Select((r, i) => r.Where((_, j) => j != labelAt).Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                ? x
                : throw new InvalidDataException($"'{path}' row {i + 2}: '{v}' is not a number.")).ToArray()).ToArray(),
            rows.Select(r => (double)Array.IndexOf(classes, r[labelAt])).ToArray(),
            featureNames,
            classes);
        return (Build(trainRows, trainPath), Build(testRows, testPath));
    }

    // The files come from reference.py: plain numbers and unquoted labels, so a comma split is enough.
    private static (string[] Header, string[][] Rows) ReadCsv(string path)
    {
        var lines = File.ReadLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length < 2)
        {
            throw new InvalidDataException($"'{path}' has no data rows.");
        }

        return (lines[0].Split(','), lines[1..].Select(l => l.Split(',')).ToArray());
    }

    /// <summary>Stratified, seeded hold-out of <paramref name="fraction"/> of each class's rows.</summary>
    private static (TrainingData Fit, TrainingData Validation) CarveValidation(TrainingData data, double fraction)
    {
        var random = new Random(Seed);
        var held = new List<int>();
        var kept = new List<int>();
        foreach (var rows in Enumerable.Range(0, data.RowCount).GroupBy(i => (int)data.Labels[i]).OrderBy(g => g.Key))
        {
            var shuffled = rows.ToArray();
            random.Shuffle(shuffled);
            var take = (int)Math.Round(shuffled.Length * fraction, MidpointRounding.AwayFromZero);
            held.AddRange(shuffled[..take]);
            kept.AddRange(shuffled[take..]);
        }

        kept.Sort();
        held.Sort();
        return (Rows(data, kept), Rows(data, held));
    }

    private static TrainingData Head(TrainingData data, int count) => Rows(data, Enumerable.Range(0, Math.Min(count, data.RowCount)).ToList());

    private static TrainingData Rows(TrainingData data, List<int> rows) =>
        new(rows.Select(i => data.Features[i]).ToArray(), rows.Select(i => data.Labels[i]).ToArray(), data.FeatureNames, data.ClassNames);

    private static string? Text(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Count(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
    }
}
