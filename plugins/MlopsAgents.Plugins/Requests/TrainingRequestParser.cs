using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MlopsAgents.Plugins.Training;
using MlopsAgents.Plugins.Training.Search;

namespace MlopsAgents.Plugins.Requests;

/// <summary>
/// Parses and validates a training request written as YAML in a GitHub issue body. Every problem is reported
/// at once, each with its path, the value given and what is allowed, so the requester can fix them in one edit.
/// </summary>
public static class TrainingRequestParser
{
    private const string BodyPath = "body";

    private const string HowToWrite =
        "put the request fields in a ```yaml fenced block, one per line, e.g. 'task_type: classification', 'algorithm: xgboost' and 'dataset_id: my-dataset'";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses an issue body given as text.</summary>
    public static RequestParseResult Parse(string body, RequestParseOptions options)
    {
        ArgumentNullException.ThrowIfNull(body);

        // Lone surrogates become U+FFFD here; they cannot be part of a valid request anyway.
        return Parse(Encoding.UTF8.GetBytes(body), options);
    }

    /// <summary>Parses an issue body given as the UTF-8 bytes that arrived.</summary>
    public static RequestParseResult Parse(byte[] body, RequestParseOptions options)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(options);
        if (!Path.IsPathFullyQualified(options.DataRoot))
        {
            throw new ArgumentException($"DataRoot must be an absolute directory, not '{options.DataRoot}'.", nameof(options));
        }

        if (options.MaxBodyBytes <= 0 || options.MaxYamlNodes <= 0 || options.MaxYamlDepth <= 0)
        {
            throw new ArgumentException("MaxBodyBytes, MaxYamlNodes and MaxYamlDepth must be positive.", nameof(options));
        }

        if (body.Length > options.MaxBodyBytes)
        {
            return Fail($"the body is {Fmt(body.Length)} bytes, over the limit of {Fmt(options.MaxBodyBytes)} bytes; shorten the request");
        }

        ReadOnlySpan<byte> bytes = body;
        var bomLength = bytes.StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        bytes = bytes[bomLength..];
        if (FirstInvalidUtf8(bytes) is { } offset)
        {
            return Fail($"the body is not valid UTF-8 (invalid byte at offset {Fmt(offset + bomLength)})");
        }

        var markdown = MarkdownYaml.Extract(StrictUtf8.GetString(bytes));
        if (markdown.FromFence && string.IsNullOrWhiteSpace(markdown.Yaml))
        {
            return Fail("the ```yaml block is empty; " + HowToWrite);
        }

        var loaded = YamlTree.Load(markdown.Yaml, markdown.LineOffset, options.MaxYamlNodes, options.MaxYamlDepth);
        if (loaded.Error is not null)
        {
            return Fail(markdown.FromFence || !loaded.IsSyntaxError
                ? loaded.Error
                : $"no ```yaml block was found and the body is not YAML ({loaded.Error}); " + HowToWrite);
        }

        var root = loaded.Root;
        if (root is null || root.Kind != YamlNodeKind.Mapping)
        {
            return Fail(markdown.FromFence
                ? "the ```yaml block does not hold a mapping of fields; " + HowToWrite
                : "no training request found: " + HowToWrite);
        }

        // Prose that happens to parse as YAML ("Hello: please train") should get the how-to, not a list of unknown fields.
        if (!markdown.FromFence && !root.Pairs.Any(p => RequestFields.TopLevel.Any(f => f.Name == p.Key.Text)))
        {
            return Fail("no training request found: " + HowToWrite);
        }

        return new RequestReader(options).Read(root);
    }

    private static RequestParseResult Fail(string message) => new(null, [new RequestError(BodyPath, null, message)]);

    private static int? FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) != OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return null;
    }

    private static string Fmt(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads one request: first each field on its own, then the rules that tie fields together.</summary>
    private sealed class RequestReader(RequestParseOptions options)
    {
        private readonly List<RequestError> _errors = [];

        // Top-level fields that were written, even with a bad value, so a bad dataset_id does not also read as "missing".
        private readonly HashSet<string> _given = new(StringComparer.Ordinal);
        private readonly Dictionary<string, YamlNode> _nodes = new(StringComparer.Ordinal);

        public RequestParseResult Read(YamlNode root)
        {
            var values = ReadObject(root, RequestFields.TopLevel, [], "", topLevel: true);
            var request = Validate(values);
            return _errors.Count == 0 ? new(request, []) : new(null, _errors);
        }

        private void Error(string path, string? value, string message) => _errors.Add(new(path, value, message));

        private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

        private static string List(IEnumerable<string> values) => string.Join(", ", values);

        private Dictionary<string, object> ReadObject(YamlNode mapping, IReadOnlyList<FieldSpec> fields, IReadOnlyList<string> required, string prefix, bool topLevel)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            var values = new Dictionary<string, object>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in mapping.Pairs)
            {
                if (keyNode.Kind != YamlNodeKind.Scalar)
                {
                    Error(Join(prefix, "?"), keyNode.Display, $"field names must be plain text (line {Fmt(keyNode.Line)})");
                    continue;
                }

                var name = keyNode.Text;
                var path = Join(prefix, name);
                if (!seen.Add(name))
                {
                    Error(path, null, $"field '{name}' is given twice (again at line {Fmt(keyNode.Line)}); keep one");
                    continue;
                }

                var spec = fields.FirstOrDefault(f => f.Name == name);
                if (spec is null)
                {
                    var names = fields.Select(f => f.Name).ToList();
                    Error(path, null, $"unknown field '{name}'{Suggestions.AllowedTail(name, names)}");
                    continue;
                }

                // An empty value means "not given", which suits issue templates where optional fields are left blank.
                if (valueNode.ScalarType == YamlScalarType.Null && valueNode.Kind == YamlNodeKind.Scalar)
                {
                    continue;
                }

                present.Add(name);
                if (topLevel)
                {
                    _given.Add(name);
                    _nodes[name] = valueNode;
                }

                if (ReadValue(spec, valueNode, path) is { } value)
                {
                    values[name] = value;
                }
            }

            foreach (var name in required)
            {
                // A missing search space is reported by HpoOptions.Validate, which can list the algorithm's hyperparameters.
                var spec = fields.First(f => f.Name == name);
                if (!present.Contains(name) && spec.Kind != FieldKind.SearchSpace)
                {
                    Error(Join(prefix, name), null, $"{name} is required; expected {spec.Expected}");
                }
            }

            return values;
        }

        private object? ReadValue(FieldSpec spec, YamlNode node, string path)
        {
            object? Wrong()
            {
                Error(path, node.Display, "expected " + spec.Expected);
                return null;
            }

            switch (spec.Kind)
            {
                case FieldKind.Object:
                    return node.Kind == YamlNodeKind.Mapping ? ReadObject(node, spec.Fields!, spec.Required, path, topLevel: false) : Wrong();

                case FieldKind.SearchSpace:
                    return node.Kind == YamlNodeKind.Mapping ? ReadSearchSpace(spec, node, path) : Wrong();

                case FieldKind.ScalarList:
                    return node.Kind == YamlNodeKind.Sequence ? ReadScalarList(spec, node, path) : Wrong();

                case FieldKind.Hyperparameters:
                    return node.Kind == YamlNodeKind.Mapping ? node : Wrong();

                case FieldKind.StringList:
                    return node.Kind == YamlNodeKind.Sequence ? ReadStringList(spec, node, path) : Wrong();
            }

            if (node.Kind != YamlNodeKind.Scalar)
            {
                return Wrong();
            }

            switch (spec.Kind)
            {
                case FieldKind.Bool:
                    if (node.ScalarType == YamlScalarType.Bool)
                    {
                        return YamlTree.AsBool(node);
                    }

                    Error(path, node.Display, "expected true or false" + (node.Text is "true" or "false" ? " without quotes" : ""));
                    return null;

                case FieldKind.Int:
                    return node.ScalarType == YamlScalarType.Int && YamlTree.AsLong(node) is { } integer && InRange(spec, integer) ? integer : Wrong();

                case FieldKind.Number:
                    return node.ScalarType is YamlScalarType.Int or YamlScalarType.Float
                        && YamlTree.AsDouble(node) is var number && double.IsFinite(number) && InRange(spec, number)
                        ? number
                        : Wrong();

                case FieldKind.Enum:
                    if (!spec.Values!.Contains(node.Text, StringComparer.Ordinal))
                    {
                        Error(path, node.Display, $"unknown {spec.Noun} '{node.Display}'{Suggestions.AllowedTail(node.Text, spec.Values!)}");
                        return null;
                    }

                    return node.Text;

                default:
                    return ReadString(spec, node, path);
            }
        }

        private string? ReadString(FieldSpec spec, YamlNode node, string path)
        {
            var text = node.Text;
            if (text.Length == 0)
            {
                Error(path, "", "expected a non-empty string");
                return null;
            }

            if (text.Length > spec.MaxLength)
            {
                Error(path, node.Display, $"expected at most {Fmt(spec.MaxLength)} characters, got {Fmt(text.Length)}");
                return null;
            }

            // ECMAScript's $ (the schema's dialect) never matches before a trailing newline; .NET's does, so ask for the real end.
            if (spec.Pattern is { } pattern && !Regex.IsMatch(text, pattern.TrimEnd('$') + @"\z", RegexOptions.CultureInvariant))
            {
                var hint = pattern == RequestFields.NamePattern ? ": a letter or digit, then up to 127 letters, digits, '.', '_' or '-'" : "";
                Error(path, node.Display, $"expected {spec.Expected}{hint}");
                return null;
            }

            return text;
        }

        private Dictionary<string, Dictionary<string, object>> ReadSearchSpace(FieldSpec spec, YamlNode mapping, string path)
        {
            var dimensions = new Dictionary<string, Dictionary<string, object>>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in mapping.Pairs)
            {
                if (keyNode.Kind != YamlNodeKind.Scalar)
                {
                    Error(path + ".?", keyNode.Display, $"hyperparameter names must be plain text (line {Fmt(keyNode.Line)})");
                    continue;
                }

                var name = keyNode.Text;
                var dimensionPath = path + "." + name;
                if (dimensions.ContainsKey(name))
                {
                    Error(dimensionPath, null, $"'{name}' is given twice (again at line {Fmt(keyNode.Line)}); keep one");
                    continue;
                }

                if (valueNode.Kind != YamlNodeKind.Mapping)
                {
                    Error(dimensionPath, valueNode.Display, "expected a search dimension: a mapping with fields " + List(spec.Fields!.Select(f => f.Name)));
                    dimensions[name] = [];
                    continue;
                }

                dimensions[name] = ReadObject(valueNode, spec.Fields!, spec.Required, dimensionPath, topLevel: false);
            }

            return dimensions;
        }

        private List<object>? ReadScalarList(FieldSpec spec, YamlNode node, string path)
        {
            if (node.Items.Count < Math.Max(spec.MinItems, 1))
            {
                Error(path, node.Display, "expected " + spec.Expected);
                return null;
            }

            var items = new List<object>();
            for (var i = 0; i < node.Items.Count; i++)
            {
                var item = node.Items[i];
                object? value = item.Kind != YamlNodeKind.Scalar ? null : item.ScalarType switch
                {
                    YamlScalarType.Null => null,
                    YamlScalarType.Bool => YamlTree.AsBool(item),
                    YamlScalarType.Int => YamlTree.AsLong(item) is { } integer ? integer : null,
                    YamlScalarType.Float => YamlTree.AsDouble(item) is var number && double.IsFinite(number) ? number : null,
                    _ => item.Text.Length == 0 ? null : item.Text,
                };
                if (value is null)
                {
                    Error($"{path}[{Fmt(i)}]", item.Display, "expected a finite number, a non-empty string or true or false");
                    continue;
                }

                items.Add(value);
            }

            return items;
        }

        private List<string> ReadStringList(FieldSpec spec, YamlNode node, string path)
        {
            if (node.Items.Count < spec.MinItems)
            {
                Error(path, node.Display, "expected " + spec.Expected);
            }

            var items = new List<string>();
            for (var i = 0; i < node.Items.Count; i++)
            {
                var item = node.Items[i];
                var itemPath = $"{path}[{Fmt(i)}]";
                if (item.Kind != YamlNodeKind.Scalar || item.ScalarType == YamlScalarType.Null || item.Text.Length == 0)
                {
                    Error(itemPath, item.Display, spec.Values is null ? "expected a column name" : "expected one of " + List(spec.Values));
                    continue;
                }

                if (spec.Values is { } allowed && !allowed.Contains(item.Text, StringComparer.Ordinal))
                {
                    Error(itemPath, item.Display, $"unknown {spec.Noun} '{item.Display}'{Suggestions.AllowedTail(item.Text, allowed)}");
                    continue;
                }

                if (items.Contains(item.Text, StringComparer.Ordinal))
                {
                    Error(itemPath, item.Display, $"'{item.Display}' is listed twice; list it once");
                    continue;
                }

                items.Add(item.Text);
            }

            return items;
        }

        private static bool InRange(FieldSpec spec, double value) =>
            (spec.Min is not { } min || (spec.MinExclusive ? value > min : value >= min))
            && (spec.Max is not { } max || (spec.MaxExclusive ? value < max : value <= max));

        private T? Get<T>(Dictionary<string, object> values, string name) where T : class => values.GetValueOrDefault(name) as T;

        private string Shown(string name) => _nodes.TryGetValue(name, out var node) ? node.Display : "";

        private TrainingRequest? Validate(Dictionary<string, object> values)
        {
            // A bad learning_type is already reported; then the rules that hang on it are skipped.
            var learning = Get<string>(values, "learning_type") ?? (_given.Contains("learning_type") ? null : LearningTypes.Supervised);
            var reinforcement = learning == LearningTypes.Reinforcement;
            var datasetUri = reinforcement ? RejectDataFields() : ValidateDataset(values);
            var environment = ValidateEnvironment(values, learning);
            var (task, algorithm) = ValidateTaskAndAlgorithm(values);
            var hyperparameters = algorithm is not null && values.GetValueOrDefault("hyperparameters") is YamlNode hyperNode
                ? ReadHyperparameters(algorithm, hyperNode)
                : new Dictionary<string, object>(StringComparer.Ordinal);
            ValidateMetric(values, task, algorithm, environment);

            var preprocessing = ToPreprocessing(Get<Dictionary<string, object>>(values, "data_preprocessing"));
            if (!reinforcement)
            {
                ValidatePreprocessing(preprocessing, learning, task);
            }

            var defaults = new TrainingRequest();
            var testSize = values.GetValueOrDefault("test_size") as double? ?? (_given.Contains("test_size") ? null : defaults.TestSize);
            var validationSize = values.GetValueOrDefault("validation_size") as double? ?? (_given.Contains("validation_size") ? null : defaults.ValidationSize);

            // Decimal sums, so 0.5 + 0.3 counts as exactly 0.8 rather than a hair either side.
            if (testSize is { } test && validationSize is { } validation && (decimal)test + (decimal)validation >= (decimal)RequestFields.MaxHeldOut)
            {
                var path = _given.Contains("validation_size") ? "validation_size" : "test_size";
                Error(path, Shown(path),
                    $"test_size + validation_size must be below {FieldSpec.Fmt(RequestFields.MaxHeldOut)} so rows are left to train on; here {FieldSpec.Fmt(test)} + {FieldSpec.Fmt(validation)} = {((decimal)test + (decimal)validation).ToString(CultureInfo.InvariantCulture)}");
            }

            var target = Get<string>(values, "target");
            var features = Get<List<string>>(values, "feature_columns");
            var drops = Get<List<string>>(values, "drop_columns") ?? [];
            if (!reinforcement)
            {
                ValidateColumns(target, features, drops);
            }

            var hpo = ValidateHpo(Get<Dictionary<string, object>>(values, "hpo"), learning, task, algorithm);
            var fairness = ValidateFairness(Get<Dictionary<string, object>>(values, "fairness"), task);

            if (_errors.Count > 0)
            {
                return null;
            }

            return new TrainingRequest
            {
                DatasetId = Get<string>(values, "dataset_id"),
                DatasetUri = datasetUri,
                DatasetVersion = values.GetValueOrDefault("dataset_version") is long version ? (int)version : null,
                Target = target,
                ModelName = Get<string>(values, "model_name"),
                DataPreprocessing = preprocessing,
                LearningType = Get<string>(values, "learning_type") ?? defaults.LearningType,
                TaskType = task!,
                Algorithm = algorithm!.Name,
                Hyperparameters = hyperparameters,
                EvaluationThreshold = values.GetValueOrDefault("evaluation_threshold") as double?,
                PrimaryMetric = Get<string>(values, "primary_metric"),
                DeploymentStrategy = Get<string>(values, "deployment_strategy") ?? defaults.DeploymentStrategy,
                MonitoringEnabled = values.GetValueOrDefault("monitoring_enabled") as bool? ?? defaults.MonitoringEnabled,
                AutoRetrainEnabled = values.GetValueOrDefault("auto_retrain_enabled") as bool? ?? defaults.AutoRetrainEnabled,
                RetrainTriggers = Get<List<string>>(values, "retrain_triggers") ?? [],
                FeatureColumns = features,
                DropColumns = drops,
                TestSize = testSize!.Value,
                ValidationSize = validationSize!.Value,
                RandomSeed = values.GetValueOrDefault("random_seed") is long seed ? (int)seed : defaults.RandomSeed,
                MaxRetry = values.GetValueOrDefault("max_retry") is long retry ? (int)retry : defaults.MaxRetry,
                WorkflowOptimization = ToWorkflowOptimization(Get<Dictionary<string, object>>(values, "workflow_optimization")),
                Environment = environment,
                Hpo = hpo,
                Fairness = fairness,
                Explain = values.GetValueOrDefault("explain") as bool? ?? defaults.Explain,
                LearningCurve = values.GetValueOrDefault("learning_curve") as bool? ?? defaults.LearningCurve,
            };
        }

        /// <summary>A reinforcement-learning agent trains in a built-in environment, so every dataset and column field is a mistake.</summary>
        private string? RejectDataFields()
        {
            foreach (var name in RequestFields.DataFields.Where(_given.Contains))
            {
                var shown = _nodes[name].Kind == YamlNodeKind.Scalar ? Shown(name) : null;
                Error(name, shown, name.StartsWith("dataset_", StringComparison.Ordinal)
                    ? $"reinforcement learning trains in a built-in environment; remove {name}"
                    : $"{name} does not apply to reinforcement learning, which trains in a built-in environment rather than on a dataset; remove it");
            }

            return null;
        }

        private string? ValidateEnvironment(Dictionary<string, object> values, string? learning)
        {
            var environment = Get<string>(values, "environment");
            if (learning == LearningTypes.Reinforcement)
            {
                if (!_given.Contains("environment"))
                {
                    Error("environment", null,
                        $"environment is required for learning_type: reinforcement; allowed: {List(Training.Reinforcement.ReinforcementAlgorithms.Environments)}");
                }

                return environment;
            }

            if (learning is not null && _given.Contains("environment"))
            {
                Error("environment", Shown("environment"),
                    $"environment only applies to learning_type: reinforcement; remove it for learning_type: {learning}");
            }

            return null;
        }

        private void ValidatePreprocessing(DataPreprocessingOptions preprocessing, string? learning, string? task)
        {
            if (preprocessing.Normalize && preprocessing.Standardize)
            {
                Error("data_preprocessing.standardize", "true", "normalize and standardize cannot both be true; choose one way to scale features");
            }

            if (preprocessing.ClassImbalance != ImbalanceStrategies.None && task is not null && task != TaskTypes.Classification)
            {
                Error("data_preprocessing.class_imbalance", preprocessing.ClassImbalance,
                    $"class_imbalance only applies to task_type: classification, not {task}; use none or remove it");
            }

            if (preprocessing.EncodeCategorical == CategoricalEncodings.Target && learning == LearningTypes.Unsupervised)
            {
                Error("data_preprocessing.encode_categorical", CategoricalEncodings.Target,
                    "target encoding learns from the target, which unsupervised learning does not train on; use onehot or label");
            }
        }

        private HpoOptions? ValidateHpo(Dictionary<string, object>? values, string? learning, string? task, AlgorithmSpec? algorithm)
        {
            if (values is null)
            {
                return null;
            }

            if (learning is not null && learning != LearningTypes.Supervised)
            {
                Error("hpo", null, $"hpo only applies to supervised learning (classification and regression), not learning_type: {learning}; remove it");
                return null;
            }

            // Without a known task and algorithm there is nothing to search over; their own errors are already reported.
            if (task is null || algorithm is null)
            {
                return null;
            }

            var searchable = algorithm.Hyperparameters.Where(h => h.Type != HyperparameterType.IntList).ToList();
            var names = searchable.SelectMany(h => (h.Aliases ?? []).Prepend(h.Name)).ToList();
            var dimensions = new Dictionary<string, SearchDimension>(StringComparer.Ordinal);
            foreach (var (name, fields) in values.GetValueOrDefault("search_space") as Dictionary<string, Dictionary<string, object>> ?? [])
            {
                if (algorithm.FindHyperparameter(name) is null)
                {
                    Error("hpo.search_space." + name, null,
                        $"unknown hyperparameter '{name}' for algorithm '{algorithm.Name}'{Suggestions.AllowedTail(name, names, List(searchable.Select(h => h.Name)))}");
                    continue;
                }

                if (fields.GetValueOrDefault("type") is string type)
                {
                    dimensions[name] = new SearchDimension
                    {
                        Type = type,
                        Low = fields.GetValueOrDefault("low") as double?,
                        High = fields.GetValueOrDefault("high") as double?,
                        Values = fields.GetValueOrDefault("values") as List<object>,
                        Steps = fields.GetValueOrDefault("steps") is long steps ? (int)steps : null,
                    };
                }
            }

            var metric = values.GetValueOrDefault("metric") as string;
            if (metric is not null)
            {
                CheckMetric("hpo.metric", metric, task);
            }

            var defaults = new HpoOptions();
            var options = new HpoOptions
            {
                Method = values.GetValueOrDefault("method") as string ?? defaults.Method,
                MaxTrials = values.GetValueOrDefault("max_trials") is long trials ? (int)trials : defaults.MaxTrials,
                Metric = metric,
                CvFolds = values.GetValueOrDefault("cv_folds") is long folds ? (int)folds : defaults.CvFolds,
                SearchSpace = dimensions,
            };

            // Fields already found wrong while reading reach Validate as defaults or not at all; report each problem once.
            var reported = _errors.Select(e => e.Path).Where(p => p.StartsWith("hpo.", StringComparison.Ordinal)).ToList();
            bool Covered(string path) => reported.Any(p => p == path || p.StartsWith(path + ".", StringComparison.Ordinal) || path.StartsWith(p + ".", StringComparison.Ordinal));
            _errors.AddRange(options.Validate(algorithm, task).Where(e => !Covered(e.Path)));
            return options;
        }

        private FairnessOptions? ValidateFairness(Dictionary<string, object>? values, string? task)
        {
            if (values is null)
            {
                return null;
            }

            if (task is not null && task != TaskTypes.Classification)
            {
                Error("fairness", null,
                    $"fairness only applies to supervised classification (it compares the selection rate of a class across groups), not task_type: {task}; remove it");
                return null;
            }

            return new FairnessOptions
            {
                SensitiveFeatures = values.GetValueOrDefault("sensitive_features") as List<string> ?? [],
                PositiveLabel = values.GetValueOrDefault("positive_label") as string,
            };
        }

        private string? ValidateDataset(Dictionary<string, object> values)
        {
            var hasId = _given.Contains("dataset_id");
            var hasUri = _given.Contains("dataset_uri");
            if (hasId && hasUri)
            {
                Error("dataset_uri", Shown("dataset_uri"), "give exactly one of dataset_id and dataset_uri, not both");
                return null;
            }

            if (!hasId && !hasUri)
            {
                Error("dataset_id", null, "a dataset is required: give dataset_id (a registered dataset) or dataset_uri (a file under the data root)");
                return null;
            }

            if (Get<string>(values, "dataset_uri") is not { } uri)
            {
                return null;
            }

            var (resolved, error) = DatasetPaths.Resolve(uri, options.DataRoot);
            if (error is not null)
            {
                Error("dataset_uri", Shown("dataset_uri"), error);
            }

            return resolved;
        }

        private (string? Task, AlgorithmSpec? Algorithm) ValidateTaskAndAlgorithm(Dictionary<string, object> values)
        {
            // A bad learning_type is already reported; then any known task type is judged on its own.
            var learning = Get<string>(values, "learning_type") ?? (_given.Contains("learning_type") ? null : LearningTypes.Supervised);
            var tasksAllowed = learning is null ? RequestFields.AllTaskTypes : TaskTypes.ByLearningType[learning];
            var forLearning = learning is null ? "" : $" for learning type '{learning}'";

            var task = Get<string>(values, "task_type");
            if (!_given.Contains("task_type"))
            {
                Error("task_type", null, $"task_type is required; allowed{forLearning}: {List(tasksAllowed)}");
            }
            else if (task is not null && !tasksAllowed.Contains(task))
            {
                Error("task_type", task, $"task type '{task}' does not belong to learning type '{learning}'; allowed: {List(tasksAllowed)}");
            }

            var name = Get<string>(values, "algorithm");
            var candidates = task is null ? AlgorithmCatalog.All : AlgorithmCatalog.ForTask(task);
            var candidateNames = candidates.Select(a => a.Name).ToList();
            var forTask = task is null ? "" : $" for task '{task}'";
            if (!_given.Contains("algorithm"))
            {
                Error("algorithm", null, candidates.Count == 0
                    ? $"algorithm is required, but no algorithm is available yet for task '{task}'"
                    : $"algorithm is required; allowed{forTask}: {List(candidateNames)}");
                return (task, null);
            }

            if (name is null)
            {
                return (task, null);
            }

            if (candidates.Count == 0)
            {
                Error("algorithm", name, $"no algorithm is available yet for task '{task}'");
                return (task, null);
            }

            if (candidates.FirstOrDefault(a => a.Name == name) is { } algorithm)
            {
                return (task, algorithm);
            }

            Error("algorithm", name, AlgorithmCatalog.Find(name) is { } other
                ? $"algorithm '{name}' does not support task '{task}' (it serves {List(other.Tasks)}); allowed: {List(candidateNames)}"
                : $"unknown algorithm '{name}'{forTask}{Suggestions.AllowedTail(name, candidateNames)}");
            return (task, null);
        }

        private Dictionary<string, object> ReadHyperparameters(AlgorithmSpec algorithm, YamlNode mapping)
        {
            var values = new Dictionary<string, object>(StringComparer.Ordinal);
            var givenAs = new Dictionary<string, string>(StringComparer.Ordinal);
            var knownNames = algorithm.Hyperparameters.SelectMany(h => (h.Aliases ?? []).Prepend(h.Name)).ToList();
            var allowed = List(algorithm.Hyperparameters.Select(h => h.Aliases is { Count: > 0 } aliases ? $"{h.Name} (or {string.Join(" or ", aliases)})" : h.Name));
            foreach (var (keyNode, valueNode) in mapping.Pairs)
            {
                if (keyNode.Kind != YamlNodeKind.Scalar)
                {
                    Error("hyperparameters.?", keyNode.Display, $"hyperparameter names must be plain text (line {Fmt(keyNode.Line)})");
                    continue;
                }

                var name = keyNode.Text;
                var path = "hyperparameters." + name;
                var spec = algorithm.FindHyperparameter(name);
                if (spec is null)
                {
                    Error(path, null, $"unknown hyperparameter '{name}' for algorithm '{algorithm.Name}'{Suggestions.AllowedTail(name, knownNames, allowed)}");
                    continue;
                }

                if (givenAs.TryGetValue(spec.Name, out var earlier))
                {
                    Error(path, valueNode.Display, earlier == name
                        ? $"hyperparameter '{name}' is given twice; keep one"
                        : $"'{name}' and '{earlier}' are the same hyperparameter ('{spec.Name}'); give only one");
                    continue;
                }

                givenAs[spec.Name] = name;
                if (ReadHyperparameter(spec, valueNode) is { } value)
                {
                    values[spec.Name] = value;
                }
                else
                {
                    Error(path, valueNode.Display, "expected " + spec.Allowed);
                }
            }

            return values;
        }

        private static object? ReadHyperparameter(HyperparameterSpec spec, YamlNode node)
        {
            bool InRange(double v) =>
                (spec.Min is not { } min || (spec.MinExclusive ? v > min : v >= min)) && (spec.Max is not { } max || v <= max);

            if (spec.Type == HyperparameterType.IntList)
            {
                if (node.Kind != YamlNodeKind.Sequence || node.Items.Count is 0 or > 10)
                {
                    return null;
                }

                var items = node.Items.Select(item => item.Kind == YamlNodeKind.Scalar && item.ScalarType == YamlScalarType.Int ? YamlTree.AsLong(item) : null).ToArray();
                return items.All(i => i is { } v && InRange(v)) ? items.Select(i => i!.Value).ToArray() : null;
            }

            if (node.Kind != YamlNodeKind.Scalar)
            {
                return null;
            }

            var type = node.ScalarType;
            return spec.Type switch
            {
                HyperparameterType.Int when type == YamlScalarType.Int && YamlTree.AsLong(node) is { } i && InRange(i) => i,
                HyperparameterType.Float when type is YamlScalarType.Int or YamlScalarType.Float
                    && YamlTree.AsDouble(node) is var d && double.IsFinite(d) && InRange(d) => d,
                HyperparameterType.Bool when type == YamlScalarType.Bool => YamlTree.AsBool(node),
                HyperparameterType.Categorical when spec.Values?.Contains(node.Text, StringComparer.Ordinal) == true => node.Text,
                _ => null,
            };
        }

        private void ValidateMetric(Dictionary<string, object> values, string? task, AlgorithmSpec? algorithm, string? environment)
        {
            var metric = Get<string>(values, "primary_metric");
            if (metric is not null)
            {
                if (!CheckMetric("primary_metric", metric, task))
                {
                    return;
                }
            }
            else if (_given.Contains("primary_metric"))
            {
                return;
            }

            if (values.GetValueOrDefault("evaluation_threshold") is not double threshold)
            {
                return;
            }

            var effective = metric ?? (task is null ? null : new TrainingRequest { TaskType = task, Algorithm = algorithm?.Name ?? "" }.EffectivePrimaryMetric);
            if (effective is null)
            {
                return;
            }

            // A threshold a metric can never reach would fail every run, so say so before training starts.
            var bounds = RequestFields.ThresholdBounds(effective, environment);
            if ((bounds.Min is { } lo && threshold < lo) || (bounds.Max is { } hi && threshold > hi))
            {
                Error("evaluation_threshold", Shown("evaluation_threshold"),
                    $"expected a number{FieldSpec.RangeText(bounds.Min, bounds.Max, false, false)} for metric '{effective}' ({bounds.Reason})");
            }
        }

        /// <summary>Reports a metric that does not suit the task; true when it does.</summary>
        private bool CheckMetric(string path, string metric, string? task)
        {
            var allowed = RequestFields.MetricsFor(task);
            if (allowed.Contains(metric))
            {
                return true;
            }

            var scope = task is null ? "" : $" for task '{task}'";
            Error(path, metric, $"unknown metric '{metric}'{scope}{Suggestions.AllowedTail(metric, allowed)}");
            return false;
        }

        private void ValidateColumns(string? target, List<string>? features, List<string> drops)
        {
            for (var i = 0; i < drops.Count; i++)
            {
                if (features?.Contains(drops[i]) == true)
                {
                    Error($"drop_columns[{Fmt(i)}]", drops[i], $"column '{drops[i]}' is in both feature_columns and drop_columns; keep it in one");
                }
                else if (drops[i] == target)
                {
                    Error($"drop_columns[{Fmt(i)}]", drops[i], $"column '{drops[i]}' is the target; it cannot be dropped");
                }
            }

            if (target is not null && features?.IndexOf(target) is >= 0 and var index)
            {
                Error($"feature_columns[{Fmt(index)}]", target, $"column '{target}' is the target; it cannot also be a feature");
            }
        }

        private static DataPreprocessingOptions ToPreprocessing(Dictionary<string, object>? values)
        {
            var defaults = new DataPreprocessingOptions();
            return values is null
                ? defaults
                : new DataPreprocessingOptions
                {
                    HandleMissing = values.GetValueOrDefault("handle_missing") as string ?? defaults.HandleMissing,
                    Normalize = values.GetValueOrDefault("normalize") as bool? ?? defaults.Normalize,
                    Standardize = values.GetValueOrDefault("standardize") as bool? ?? defaults.Standardize,
                    EncodeCategorical = values.GetValueOrDefault("encode_categorical") as string ?? defaults.EncodeCategorical,
                    RemoveDuplicates = values.GetValueOrDefault("remove_duplicates") as bool? ?? defaults.RemoveDuplicates,
                    ClassImbalance = values.GetValueOrDefault("class_imbalance") as string ?? defaults.ClassImbalance,
                    OutlierRemoval = values.GetValueOrDefault("outlier_removal") as string ?? defaults.OutlierRemoval,
                };
        }

        private static WorkflowOptimizationOptions ToWorkflowOptimization(Dictionary<string, object>? values)
        {
            var defaults = new WorkflowOptimizationOptions();
            return values is null
                ? defaults
                : new WorkflowOptimizationOptions
                {
                    Enabled = values.GetValueOrDefault("enabled") as bool? ?? defaults.Enabled,
                    AutoApprove = values.GetValueOrDefault("auto_approve") as bool? ?? defaults.AutoApprove,
                    PerformanceProfile = values.GetValueOrDefault("performance_profile") as string ?? defaults.PerformanceProfile,
                };
        }
    }
}
