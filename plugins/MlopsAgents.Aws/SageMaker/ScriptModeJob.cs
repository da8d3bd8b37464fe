using System.Collections;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.NeuralNetworks;

namespace MlopsAgents.Aws.SageMaker;

/// <summary>
/// Script mode: the supervised algorithms SageMaker has no built-in for train as scikit-learn estimators in the
/// SageMaker scikit-learn framework container, running the project's own <c>sklearn_train.py</c> (shipped once, as an
/// embedded resource of this assembly). The script travels as a deterministic sourcedir.tar.gz under the store's
/// <c>code/</c> prefix, which the training role may read (infra/cloudformation/iam.yaml); it prints its metrics as
/// <c>validation:accuracy=0.9561;</c> lines that the job's MetricDefinitions turn into FinalMetricDataList, under the
/// names SageMaker XGBoost uses, so the Judge reads both the same way. The script is short-running and does not resume
/// from checkpoints: an interrupted spot job trains again from its data.
/// </summary>
public static class ScriptModeJob
{
    /// <summary>The entry point inside sourcedir.tar.gz (hyperparameter sagemaker_program).</summary>
    public const string EntryPoint = "sklearn_train.py";

    private const string ResourceName = "MlopsAgents.Aws.SageMaker.Scripts." + EntryPoint;

    /// <summary>The project's algorithms the script trains, in the order its error messages list them.</summary>
    public static readonly IReadOnlyList<string> Algorithms =
        [AlgorithmCatalog.RandomForest, AlgorithmCatalog.LogisticRegression, AlgorithmCatalog.LinearRegression, NeuralNetworkAlgorithms.NeuralNetwork];

    /// <summary>The scikit-learn estimators behind <see cref="Algorithms"/>, for messages and the README.</summary>
    public static readonly IReadOnlyDictionary<string, string> Estimators = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [AlgorithmCatalog.RandomForest] = "RandomForestClassifier / RandomForestRegressor",
        [AlgorithmCatalog.LogisticRegression] = "LogisticRegression (lbfgs)",
        [AlgorithmCatalog.LinearRegression] = "LinearRegression, or Ridge when alpha > 0",
        [NeuralNetworkAlgorithms.NeuralNetwork] = "MLPClassifier / MLPRegressor (adam, early stopping)",
    };

    /// <summary>The fixed time of the tarball's entry: a stable tarball has a stable SHA-256, so its key never changes for the same script.</summary>
    public static readonly DateTimeOffset EntryTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The inference container's environment for a script-mode model: the scikit-learn container imports the entry point
    /// (its model_fn and predict_fn) from the code/ folder the script copies into model.tar.gz, as the SageMaker Python
    /// SDK does for a repacked model.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> InferenceEnvironment = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["SAGEMAKER_PROGRAM"] = EntryPoint,
        ["SAGEMAKER_SUBMIT_DIRECTORY"] = "/opt/ml/model/code",
        ["SAGEMAKER_CONTAINER_LOG_LEVEL"] = "20",
    };

    private static readonly Lazy<byte[]> ScriptContent = new(ReadScript);
    private static readonly Lazy<byte[]> Tarball = new(() => BuildTarball(ScriptContent.Value));

    /// <summary>The metrics the script prints on each channel, by task: the Judge's (accuracy, f1, auc; rmse, mae) and r2.</summary>
    private static readonly IReadOnlyDictionary<string, string[]> MetricNames = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [TaskTypes.Classification] = ["accuracy", "f1", "auc"],
        [TaskTypes.Regression] = ["rmse", "mae", "r2"],
    };

    public static bool Covers(string algorithm) => Algorithms.Contains(algorithm, StringComparer.Ordinal);

    /// <summary>sklearn_train.py exactly as shipped.</summary>
    public static byte[] Script() => (byte[])ScriptContent.Value.Clone();

    /// <summary>sourcedir.tar.gz: one ustar entry (the script, mode 0644, root-owned, <see cref="EntryTime"/>), gzip without a timestamp.</summary>
    public static byte[] SourceTarball() => (byte[])Tarball.Value.Clone();

    /// <summary>Where the tarball goes in the artifact store: under code/, addressed by its content, so a job's code never changes under it.</summary>
    public static string SourceKey() => $"code/sklearn/{Convert.ToHexStringLower(SHA256.HashData(Tarball.Value))[..16]}/sourcedir.tar.gz";

    /// <summary>The regex SageMaker applies to the job's log for one metric; its group is the value the script printed.</summary>
    public static string MetricRegex(string metricName) => Regex.Escape(metricName) + "=([0-9.eE+-]+)";

    /// <summary>MetricDefinitions for every metric the script prints for a task, on the train and validation channels.</summary>
    public static IReadOnlyList<MetricDefinition> MetricDefinitions(string taskType)
    {
        if (!MetricNames.TryGetValue(taskType, out var names))
        {
            throw new RequestValidationException("task_type", taskType, "script mode trains classification or regression");
        }

        return [.. from channel in new[] { "train", "validation" } from name in names select new MetricDefinition($"{channel}:{name}", MetricRegex($"{channel}:{name}"))];
    }

    /// <summary>
    /// The script's hyperparameters: the request's (with the catalogue's defaults; lists as 64,32), the algorithm, the
    /// task, the class count, the seed and csv_weights. SageMaker hands each to the script as <c>--name value</c>.
    /// </summary>
    public static SortedDictionary<string, string> HyperParameters(TrainingRequest request, int classCount, bool weighted)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in TrainingService.WithDefaults(request.Algorithm, request.Hyperparameters))
        {
            result[name] = Format(value);
        }

        result["algorithm"] = request.Algorithm;
        result["task"] = request.TaskType;
        if (request.TaskType == TaskTypes.Classification)
        {
            result["num_classes"] = classCount.ToString(CultureInfo.InvariantCulture);
        }

        result["seed"] = request.RandomSeed.ToString(CultureInfo.InvariantCulture);
        result["csv_weights"] = weighted ? "1" : "0";
        return result;
    }

    /// <summary>Uploads sourcedir.tar.gz (content-addressed, so a second run rewrites the same bytes) and returns the job's script settings.</summary>
    public static async Task<ScriptModeSettings> UploadAsync(IArtifactStore store, SageMakerRunSettings settings, string region, string taskType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        var key = SourceKey();
        await store.PutBytesAsync(key, Tarball.Value, cancellationToken).ConfigureAwait(false);
        return new ScriptModeSettings(EntryPoint, settings.S3Uri(key), BuiltInAlgorithmImages.TrainingImage(TrainingAlgorithm.Script, region))
        {
            MetricDefinitions = MetricDefinitions(taskType),
        };
    }

    private static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => string.Join(",", items.Cast<object>().Select(Format)),
        _ => value.ToString() ?? "",
    };

    private static byte[] ReadScript()
    {
        using var stream = typeof(ScriptModeJob).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The assembly {typeof(ScriptModeJob).Assembly.GetName().Name} lacks its embedded resource {ResourceName}; rebuild it.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    internal static byte[] BuildTarball(byte[] script)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: true))
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, EntryPoint)
            {
                DataStream = new MemoryStream(script, writable: false),
                ModificationTime = EntryTime,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                Uid = 0,
                Gid = 0,
                UserName = "root",
                GroupName = "root",
            });
        }

        return output.ToArray();
    }
}
