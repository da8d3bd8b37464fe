using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Aws.Tests.SageMaker;

/// <summary>
/// sklearn_train.py run for real with Debian's /usr/bin/python3 (python3-sklearn, as .ci/run installs it), the way the
/// SageMaker training toolkit runs it: extracted from the sourcedir.tar.gz the job uploads, SM_* variables set, and the
/// CreateTrainingJob hyperparameters JSON-decoded into sorted <c>--name value</c> arguments.
/// </summary>
public sealed class ScriptModeScriptTests : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly string _dir = Directory.CreateTempSubdirectory("mlops-sklearn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("random_forest", false, 0.9)]
    [InlineData("random_forest", true, 0.9)]
    [InlineData("logistic_regression", false, 0.9)]
    [InlineData("neural_network", false, 0.85)]
    public void Script_BreastCancerChannels_SavesModelAndPrintsEveryDeclaredMetric(string algorithm, bool weighted, double minimumAccuracy)
    {
        var (train, test) = BreastCancer();
        if (weighted)
        {
            train = train with { SampleWeights = [.. train.Labels.Select(l => l == 1 ? 1.7 : 0.6)] };
        }

        WriteChannels(train, test, weighted);
        var request = new TrainingRequest { Algorithm = algorithm, TaskType = TaskTypes.Classification, RandomSeed = 7 };

        var (code, stdout, stderr) = RunScript(ScriptModeJob.HyperParameters(request, classCount: 2, weighted));

        Assert.True(code == 0, stderr + stdout);
        Assert.True(File.Exists(Path.Combine(_dir, "model", "model.joblib")));
        Assert.Equal(ScriptModeJob.Script(), File.ReadAllBytes(Path.Combine(_dir, "model", "code", ScriptModeJob.EntryPoint)));
        var metrics = Extract(stdout, ScriptModeJob.MetricDefinitions(TaskTypes.Classification));
        Assert.Equal(6, metrics.Count);
        Assert.InRange(metrics["validation:accuracy"], minimumAccuracy, 1.0);
        Assert.InRange(metrics["validation:f1"], minimumAccuracy - 0.1, 1.0);
        Assert.InRange(metrics["validation:auc"], minimumAccuracy, 1.0);
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "output", "metrics.json")))!;
        Assert.Equal(metrics["validation:accuracy"], written["metrics"]!["validation:accuracy"]!.GetValue<double>(), 8);
        Assert.Equal(weighted, stdout.Contains("with sample weights", StringComparison.Ordinal));
    }

    [Fact]
    public void Script_RegressionChannels_ReportsRmseMaeAndR2ThatFitTheData()
    {
        var (train, test) = Linear(rows: 400, noise: 0.1);
        WriteChannels(train, test, weighted: false);
        var request = new TrainingRequest { Algorithm = "linear_regression", TaskType = TaskTypes.Regression, Hyperparameters = new Dictionary<string, object> { ["alpha"] = 0.01 } };

        var (code, stdout, stderr) = RunScript(ScriptModeJob.HyperParameters(request, classCount: 0, weighted: false));

        Assert.True(code == 0, stderr + stdout);
        var metrics = Extract(stdout, ScriptModeJob.MetricDefinitions(TaskTypes.Regression));
        Assert.Equal(6, metrics.Count);
        Assert.InRange(metrics["validation:rmse"], 0.05, 0.2);
        Assert.InRange(metrics["validation:mae"], 0.03, 0.2);
        Assert.InRange(metrics["validation:r2"], 0.99, 1.0);
    }

    [Fact]
    public void Script_MulticlassRandomForest_ReportsAccuracyAndMacroF1WithoutAuc()
    {
        var (train, test) = Blobs(classes: 3, rows: 300);
        WriteChannels(train, test, weighted: false);
        var request = new TrainingRequest { Algorithm = "random_forest", TaskType = TaskTypes.Classification, Hyperparameters = new Dictionary<string, object> { ["n_estimators"] = 30L, ["max_features"] = "all" } };

        var (code, stdout, stderr) = RunScript(ScriptModeJob.HyperParameters(request, classCount: 3, weighted: false));

        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("validation:f1=", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("validation:auc=", stdout, StringComparison.Ordinal);
        Assert.InRange(Extract(stdout, ScriptModeJob.MetricDefinitions(TaskTypes.Classification))["validation:accuracy"], 0.9, 1.0);
    }

    [Theory]
    [InlineData("n_estimators", "0", "hyperparameter n_estimators='0' is not allowed: an integer >= 1 and <= 5000")]
    [InlineData("max_features", "most", "hyperparameter max_features='most' is not allowed: one of sqrt, log2, all")]
    [InlineData("learning_rate", "0.1", "hyperparameter learning_rate is not one random_forest takes; allowed: n_estimators, max_depth")]
    public void Script_BadHyperparameter_ExitsNonZeroNamingIt(string name, string value, string expected)
    {
        var (train, test) = BreastCancer();
        WriteChannels(train, test, weighted: false);
        var hp = ScriptModeJob.HyperParameters(new TrainingRequest { Algorithm = "random_forest" }, classCount: 2, weighted: false);
        hp[name] = value;

        var (code, _, stderr) = RunScript(hp);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "model", "model.joblib")));
    }

    [Fact]
    public void Script_InferenceFunctions_LoadTheSavedModelAndPredictProbabilities()
    {
        var (train, test) = BreastCancer();
        WriteChannels(train, test, weighted: false);
        var (code, stdout, stderr) = RunScript(ScriptModeJob.HyperParameters(new TrainingRequest { Algorithm = "random_forest", RandomSeed = 3 }, classCount: 2, weighted: false));
        Assert.True(code == 0, stderr + stdout);
        var rows = string.Join(",", test.Features.Take(3).Select(r => "[" + string.Join(",", r.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]"));

        // What the scikit-learn serving container does: import the entry point, model_fn on the model folder, predict_fn on decoded rows.
        var (serveCode, serveOut, serveErr) = Run(Python, ["-c", $"import sys, json; sys.path.insert(0, '{Path.Combine(_dir, "model", "code")}'); import sklearn_train as s; " +
            $"m = s.model_fn('{Path.Combine(_dir, "model")}'); print(json.dumps(s.predict_fn([{rows}], m).tolist()))"], new Dictionary<string, string>());

        Assert.True(serveCode == 0, serveErr);
        var probabilities = JsonSerializer.Deserialize<double[]>(serveOut)!;
        Assert.Equal(3, probabilities.Length);
        Assert.All(probabilities, p => Assert.InRange(p, 0.0, 1.0));
        Assert.Equal(test.Labels.Take(3).Select(l => l == 1), probabilities.Select(p => p > 0.5));
    }

    /// <summary>The values each MetricDefinition's regex finds in the script's output (the last match, as SageMaker keeps the final value).</summary>
    private static Dictionary<string, double> Extract(string stdout, IReadOnlyList<MetricDefinition> definitions)
    {
        var found = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var d in definitions)
        {
            var matches = Regex.Matches(stdout, d.Regex);
            if (matches.Count > 0)
            {
                found[d.Name] = double.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        return found;
    }

    private void WriteChannels(TrainingData train, TrainingData test, bool weighted)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "train"));
        Directory.CreateDirectory(Path.Combine(_dir, "validation"));
        File.WriteAllText(Path.Combine(_dir, "train", "train.csv"), SageMakerPipeline.ChannelCsv(train, weighted));
        File.WriteAllText(Path.Combine(_dir, "validation", "validation.csv"), SageMakerPipeline.ChannelCsv(test, weighted));
    }

    /// <summary>Extracts sourcedir.tar.gz with Python's tarfile and runs the entry point as the toolkit does.</summary>
    private (int Code, string Stdout, string Stderr) RunScript(IReadOnlyDictionary<string, string> hyperParameters)
    {
        var tarball = Path.Combine(_dir, "sourcedir.tar.gz");
        File.WriteAllBytes(tarball, ScriptModeJob.SourceTarball());
        var code = Path.Combine(_dir, "code");
        var (x, _, xErr) = Run(Python, ["-c", "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])", tarball, code], new Dictionary<string, string>());
        Assert.True(x == 0, xErr);

        var spec = new TrainingJobSpec
        {
            JobName = "script-test",
            Algorithm = TrainingAlgorithm.Script,
            RoleArn = "arn:aws:iam::111122223333:role/r",
            Channels = [new TrainingChannel("train", "s3://b/train/")],
            OutputS3Uri = "s3://b/models/",
            InstanceType = "ml.m5.large",
            HyperParameters = hyperParameters,
            Script = new ScriptModeSettings(ScriptModeJob.EntryPoint, "s3://b/code/sourcedir.tar.gz"),
        };
        var body = SageMakerClient.BuildCreateTrainingJob(spec, "us-east-1");
        var arguments = new List<string> { Path.Combine(code, ScriptModeJob.EntryPoint) };
        foreach (var (name, encoded) in body["HyperParameters"]!.AsObject().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!name.StartsWith("sagemaker_", StringComparison.Ordinal))
            {
                arguments.Add("--" + name);
                arguments.Add(JsonSerializer.Deserialize<string>(encoded!.GetValue<string>())!);
            }
        }

        return Run(Python, arguments, new Dictionary<string, string>
        {
            ["SM_CHANNEL_TRAIN"] = Path.Combine(_dir, "train"),
            ["SM_CHANNEL_VALIDATION"] = Path.Combine(_dir, "validation"),
            ["SM_MODEL_DIR"] = Path.Combine(_dir, "model"),
            ["SM_OUTPUT_DATA_DIR"] = Path.Combine(_dir, "output"),
        });
    }

    private static (int Code, string Stdout, string Stderr) Run(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        Assert.True(File.Exists(file), $"{file} is missing: the script-mode tests need Debian's python3-sklearn (apt-get install -y python3-sklearn; .ci/run does it).");
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment)
        {
            start.Environment[k] = v;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} did not finish within 3 minutes");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The bundled breast-cancer set as the pipeline encodes it (malignant = 1), standardized on the train rows; every fifth row held out.</summary>
    private static (TrainingData Train, TrainingData Test) BreastCancer()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "examples", "breast_cancer.csv"));
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        var features = rows.Select(r => r[..^1].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var labels = rows.Select(r => r[^1] == "malignant" ? 1.0 : 0.0).ToArray();
        var trainIndex = Enumerable.Range(0, rows.Count).Where(i => i % 5 != 0).ToArray();
        for (var j = 0; j < header.Length - 1; j++)
        {
            var mean = trainIndex.Average(i => features[i][j]);
            var sd = Math.Sqrt(trainIndex.Average(i => Math.Pow(features[i][j] - mean, 2)));
            foreach (var row in features)
            {
                row[j] = (row[j] - mean) / (sd == 0 ? 1 : sd);
            }
        }

        return Split(features, labels, header[..^1], ["benign", "malignant"], i => i % 5 == 0);
    }

    /// <summary>y = 3 x1 - 2 x2 + 0.5 plus Gaussian noise, seeded; every fifth row held out.</summary>
    private static (TrainingData Train, TrainingData Test) Linear(int rows, double noise)
    {
        var random = new Random(11);
        var features = new double[rows][];
        var labels = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            features[i] = [random.NextDouble() * 4 - 2, random.NextDouble() * 4 - 2];
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            labels[i] = 3 * features[i][0] - 2 * features[i][1] + 0.5 + noise * gaussian;
        }

        return Split(features, labels, ["x1", "x2"], [], i => i % 5 == 0);
    }

    /// <summary>Well-separated Gaussian blobs, one per class, seeded; every fifth row held out.</summary>
    private static (TrainingData Train, TrainingData Test) Blobs(int classes, int rows)
    {
        var random = new Random(5);
        var features = new double[rows][];
        var labels = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            var c = i % classes;
            features[i] = [c * 4 + random.NextDouble(), -c * 3 + random.NextDouble(), random.NextDouble()];
            labels[i] = c;
        }

        return Split(features, labels, ["a", "b", "c"], [.. Enumerable.Range(0, classes).Select(c => "class_" + c.ToString(CultureInfo.InvariantCulture))], i => i % 5 == 0);
    }

    private static (TrainingData Train, TrainingData Test) Split(double[][] features, double[] labels, IReadOnlyList<string> names, IReadOnlyList<string> classes, Func<int, bool> heldOut)
    {
        var test = Enumerable.Range(0, labels.Length).Where(heldOut).ToArray();
        var train = Enumerable.Range(0, labels.Length).Where(i => !heldOut(i)).ToArray();
        return (new TrainingData([.. train.Select(i => features[i])], [.. train.Select(i => labels[i])], names, classes),
                new TrainingData([.. test.Select(i => features[i])], [.. test.Select(i => labels[i])], names, classes));
    }
}
