using System.Text;
using MlopsAgents.Plugins.Requests;
using static MlopsAgents.Tests.Requests.RequestFixtures;

namespace MlopsAgents.Tests.Requests;

public sealed class TrainingRequestParserTests
{
    private static TrainingRequest ParseValid(string body)
    {
        var result = TrainingRequestParser.Parse(body, Options);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Request!;
    }

    private static RequestError SingleError(string body)
    {
        var result = TrainingRequestParser.Parse(body, Options);
        Assert.Null(result.Request);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void Parse_SeedExample_ReadsEveryField()
    {
        var request = ParseValid(Read("seed-request.md"));

        Assert.Equal("dataset-20250128-001", request.DatasetId);
        Assert.Null(request.DatasetUri);
        Assert.Null(request.Target);
        Assert.Equal(MissingValueStrategies.Mean, request.DataPreprocessing.HandleMissing);
        Assert.True(request.DataPreprocessing.Normalize);
        Assert.False(request.DataPreprocessing.Standardize);
        Assert.Equal(CategoricalEncodings.OneHot, request.DataPreprocessing.EncodeCategorical);
        Assert.Equal(LearningTypes.Supervised, request.LearningType);
        Assert.Equal(TaskTypes.Classification, request.TaskType);
        Assert.Equal("xgboost", request.Algorithm);
        Assert.Equal(new Dictionary<string, object> { ["num_round"] = 100L, ["max_depth"] = 5L }, request.Hyperparameters);
        Assert.Equal(0.85, request.EvaluationThreshold);
        Assert.Equal("f1_score", request.EffectivePrimaryMetric);
        Assert.Equal(DeploymentStrategies.Canary, request.DeploymentStrategy);
        Assert.True(request.MonitoringEnabled);
        Assert.True(request.AutoRetrainEnabled);
        Assert.Equal(["drift_detected", "metric_degradation"], request.RetrainTriggers);
        Assert.Equal(0.2, request.TestSize);
        Assert.Equal(0.1, request.ValidationSize);
        Assert.Equal(42, request.RandomSeed);
    }

    [Fact]
    public void Parse_EveryFieldSet_MapsEachOntoTheRequest()
    {
        var request = ParseValid(Read("full-request.yaml"));

        Assert.Equal(new TrainingRequest
        {
            DatasetUri = "/data/tabular/loans.csv",
            Target = "defaulted",
            ModelName = "loans-rf.v2",
            DataPreprocessing = new()
            {
                HandleMissing = "median", Normalize = false, Standardize = true, EncodeCategorical = "label", RemoveDuplicates = false,
            },
            LearningType = "supervised",
            TaskType = "regression",
            Algorithm = "random_forest",
            Hyperparameters = request.Hyperparameters,
            EvaluationThreshold = 0.4,
            PrimaryMetric = "mae",
            DeploymentStrategy = "blue_green",
            MonitoringEnabled = true,
            AutoRetrainEnabled = true,
            RetrainTriggers = request.RetrainTriggers,
            FeatureColumns = request.FeatureColumns,
            DropColumns = request.DropColumns,
            TestSize = 0.25,
            ValidationSize = 0.15,
            RandomSeed = 7,
            MaxRetry = 0,
            WorkflowOptimization = new() { Enabled = true, AutoApprove = true, PerformanceProfile = "accuracy" },
        }, request);
        Assert.Equal(
            new Dictionary<string, object>
            {
                ["n_estimators"] = 250L, ["max_depth"] = 12L, ["min_samples_split"] = 4L, ["min_samples_leaf"] = 2L,
                ["max_features"] = "log2", ["bootstrap"] = false,
            },
            request.Hyperparameters);
        Assert.Equal(["schedule", "new_data"], request.RetrainTriggers);
        Assert.Equal(["income", "loan_amount", "term"], request.FeatureColumns!);
        Assert.Equal(["customer_id"], request.DropColumns);
    }

    [Fact]
    public void Parse_DatasetVersion_IsKept()
    {
        var request = ParseValid(Read("dataset-version-request.yml"));

        Assert.Equal(3, request.DatasetVersion);
        Assert.Equal("logistic_regression", request.Algorithm);
        Assert.Equal(0.5, request.Hyperparameters["C"]);
    }

    [Fact]
    public void Parse_YamlFenceInsideProse_ReadsOnlyTheFence()
    {
        const string body = """
            I'd like a model, please. Config:

            ```python
            algorithm: not-this-one
            ```

            ~~~yml
            dataset_id: loans
            task_type: regression
            algorithm: linear_regression
            ~~~

            ```yaml
            algorithm: nor-this-one
            ```
            """;

        var request = ParseValid(body);

        Assert.Equal("linear_regression", request.Algorithm);
        Assert.Equal("r2", request.EffectivePrimaryMetric);
    }

    [Fact]
    public void Parse_WholeBodyYamlWithCrLfAndBom_Parses()
    {
        var body = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("dataset_id: loans\r\ntask_type: classification\r\nalgorithm: random_forest\r\n")).ToArray();

        var result = TrainingRequestParser.Parse(body, Options);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("loans", result.Request!.DatasetId);
    }

    [Fact]
    public void Parse_FenceWithCrLf_Parses()
    {
        var request = ParseValid("Hi\r\n\r\n```YAML\r\ndataset_id: loans\r\ntask_type: classification\r\nalgorithm: xgboost\r\n```\r\n");

        Assert.Equal("xgboost", request.Algorithm);
    }

    [Fact]
    public void Parse_AliasesWithinTheLimit_Expand()
    {
        var request = ParseValid(WithBase("model_name: &name churn\ntarget: *name"));

        Assert.Equal("churn", request.Target);
    }

    [Fact]
    public void Parse_HyperparameterAliasAndIntForFloat_StoresCanonicalTypedValues()
    {
        var request = ParseValid(WithBase("hyperparameters:\n  n_estimators: 50\n  learning_rate: 1\n  reg_alpha: 0.5"));

        Assert.Equal(new Dictionary<string, object> { ["num_round"] = 50L, ["eta"] = 1.0, ["alpha"] = 0.5 }, request.Hyperparameters);
    }

    [Theory]
    [InlineData("iris.csv", "/data/iris.csv")]
    [InlineData("./sub/../tabular/iris.csv", "/data/tabular/iris.csv")]
    [InlineData("/data/tabular/iris.csv", "/data/tabular/iris.csv")]
    [InlineData("file:///data/tabular/iris.csv", "/data/tabular/iris.csv")]
    public void Parse_DatasetUriUnderDataRoot_StoresAbsolutePath(string uri, string expected)
    {
        var request = ParseValid(WithBase($"#no dataset_id\ndataset_uri: {uri}"));

        Assert.Equal(expected, request.DatasetUri);
    }

    [Fact]
    public void Parse_DatasetUriThroughSymlinkOutsideRoot_IsRejected()
    {
        var root = Directory.CreateTempSubdirectory("requests-root-");
        var outside = Directory.CreateTempSubdirectory("requests-outside-");
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(root.FullName, "escape"), outside.FullName);
            Directory.CreateDirectory(Path.Combine(root.FullName, "real"));
            Directory.CreateSymbolicLink(Path.Combine(root.FullName, "inside"), Path.Combine(root.FullName, "real"));
            var options = Options with { DataRoot = root.FullName };

            var escaped = TrainingRequestParser.Parse(WithBase("#no dataset_id\ndataset_uri: escape/x.csv"), options);
            var inside = TrainingRequestParser.Parse(WithBase("#no dataset_id\ndataset_uri: inside/x.csv"), options);

            var error = Assert.Single(escaped.Errors);
            Assert.Equal("dataset_uri", error.Path);
            Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
            Assert.Contains(root.FullName, error.Message, StringComparison.Ordinal);
            Assert.True(inside.IsValid, string.Join("\n", inside.Errors));
            Assert.Equal(Path.Combine(root.FullName, "inside", "x.csv"), inside.Request!.DatasetUri);
        }
        finally
        {
            root.Delete(recursive: true);
            outside.Delete(recursive: true);
        }
    }

    public static TheoryData<string, string, string> BadRequests => new()
    {
        // yaml laid over a valid base, expected path, expected message fragments separated by '|'.
        { "modle_name: m1", "modle_name", "unknown field 'modle_name'; did you mean 'model_name'?|allowed: dataset_id, dataset_uri, dataset_version, target, model_name," },
        { "data_preprocessing:\n  handel_missing: mean", "data_preprocessing.handel_missing", "did you mean 'handle_missing'?|allowed: handle_missing, normalize, standardize, encode_categorical, remove_duplicates" },
        { "workflow_optimization:\n  enable: true", "workflow_optimization.enable", "did you mean 'enabled'?" },
        { "algorithm: xgbost", "algorithm", "unknown algorithm 'xgbost' for task 'classification'; did you mean 'xgboost'? allowed: xgboost, random_forest, logistic_regression" },
        { "algorithm: linear_regression", "algorithm", "algorithm 'linear_regression' does not support task 'classification'|allowed: xgboost, random_forest, logistic_regression" },
        { "learning_type: unsupervised\ntask_type: clustering\nalgorithm: xgboost", "algorithm", "algorithm 'xgboost' does not support task 'clustering' (it serves classification, regression); allowed: kmeans, dbscan" },
        { "learning_type: unsupervised", "task_type", "task type 'classification' does not belong to learning type 'unsupervised'; allowed: clustering, dimensionality_reduction" },
        { "learning_type: supervized", "learning_type", "unknown learning type 'supervized'; did you mean 'supervised'? allowed: supervised, unsupervised, reinforcement" },
        { "task_type: clasification", "task_type", "unknown task type 'clasification'; did you mean 'classification'?" },
        { "deployment_strategy: canery", "deployment_strategy", "unknown deployment strategy 'canery'; did you mean 'canary'? allowed: direct, canary, blue_green, ab_test, shadow" },
        { "data_preprocessing:\n  handle_missing: average", "data_preprocessing.handle_missing", "unknown missing-value strategy 'average'; allowed: mean, median, mode, drop" },
        { "data_preprocessing:\n  encode_categorical: one-hot", "data_preprocessing.encode_categorical", "did you mean 'onehot'?" },
        { "workflow_optimization:\n  performance_profile: fastest", "workflow_optimization.performance_profile", "allowed: speed, accuracy, cost, balanced" },
        { "retrain_triggers:\n  - drift_detected\n  - metric_degradaton", "retrain_triggers[1]", "unknown retrain trigger 'metric_degradaton'; did you mean 'metric_degradation'?" },
        { "retrain_triggers: [schedule, schedule]", "retrain_triggers[1]", "listed twice" },
        { "retrain_triggers: schedule", "retrain_triggers", "expected a list of: drift_detected, metric_degradation, schedule, new_data" },
        { "feature_columns: income", "feature_columns", "expected a list of column names" },
        { "feature_columns: [income, {a: 1}]", "feature_columns[1]", "expected a column name" },
        { "data_preprocessing: true", "data_preprocessing", "expected a mapping with fields handle_missing, normalize" },
        { "test_size: abc", "test_size", "expected a number > 0 and <= 0.5" },
        { "test_size: 0.6", "test_size", "expected a number > 0 and <= 0.5" },
        { "test_size: 0", "test_size", "expected a number > 0 and <= 0.5" },
        { "test_size: .nan", "test_size", "expected a number > 0 and <= 0.5" },
        { "test_size: '0.2'", "test_size", "expected a number > 0 and <= 0.5" },
        { "validation_size: 0.5", "validation_size", "expected a number >= 0 and < 0.5" },
        { "test_size: 0.45\nvalidation_size: 0.35", "validation_size", "test_size + validation_size must be below 0.8|0.45 + 0.35 = 0.8" },
        { "random_seed: 2.5", "random_seed", "expected an integer >= 0 and <= 2147483647" },
        { "random_seed: -1", "random_seed", "expected an integer >= 0" },
        { "random_seed: 99999999999999999999", "random_seed", "expected an integer >= 0" },
        { "max_retry: 11", "max_retry", "expected an integer >= 0 and <= 10" },
        { "dataset_version: 0", "dataset_version", "expected an integer >= 1" },
        { "monitoring_enabled: yes", "monitoring_enabled", "expected true or false" },
        { "monitoring_enabled: 'true'", "monitoring_enabled", "expected true or false without quotes" },
        { "data_preprocessing:\n  remove_duplicates: 1", "data_preprocessing.remove_duplicates", "expected true or false" },
        { "evaluation_threshold: 1.5", "evaluation_threshold", "expected a number >= 0 and <= 1 for metric 'f1_score'" },
        { "evaluation_threshold: high", "evaluation_threshold", "expected a number" },
        { "task_type: regression\nevaluation_threshold: 1.2", "evaluation_threshold", "expected a number <= 1 for metric 'r2'" },
        { "task_type: regression\nprimary_metric: rmse\nevaluation_threshold: -1", "evaluation_threshold", "expected a number >= 0 for metric 'rmse'" },
        { "primary_metric: rmse", "primary_metric", "unknown metric 'rmse' for task 'classification'; allowed: accuracy, precision, recall, f1_score" },
        { "primary_metric: f1", "primary_metric", "did you mean 'f1_score'?" },
        { "hyperparameters:\n  max_dept: 3", "hyperparameters.max_dept", "unknown hyperparameter 'max_dept' for algorithm 'xgboost'; did you mean 'max_depth'?|allowed: num_round (or n_estimators), max_depth, eta (or learning_rate)" },
        { "hyperparameters:\n  num_round: 10\n  n_estimators: 20", "hyperparameters.n_estimators", "'n_estimators' and 'num_round' are the same hyperparameter ('num_round'); give only one" },
        { "hyperparameters:\n  max_depth: 0", "hyperparameters.max_depth", "expected an integer >= 1 and <= 16" },
        { "hyperparameters:\n  num_round: 10.5", "hyperparameters.num_round", "expected an integer >= 1 and <= 10000" },
        { "hyperparameters:\n  eta: fast", "hyperparameters.eta", "expected a number > 0 and <= 1" },
        { "hyperparameters:\n  eta: 0", "hyperparameters.eta", "expected a number > 0 and <= 1" },
        { "algorithm: random_forest\nhyperparameters:\n  max_features: half", "hyperparameters.max_features", "expected one of sqrt, log2, all" },
        { "algorithm: random_forest\nhyperparameters:\n  bootstrap: no", "hyperparameters.bootstrap", "expected true or false" },
        { "hyperparameters: [max_depth]", "hyperparameters", "expected a mapping of hyperparameter names to values" },
        { "#no algorithm", "algorithm", "algorithm is required; allowed for task 'classification': xgboost, random_forest, logistic_regression" },
        { "#no task_type", "task_type", "task_type is required; allowed for learning type 'supervised': classification, regression" },
        { "dataset_uri: iris.csv", "dataset_uri", "give exactly one of dataset_id and dataset_uri" },
        { "#no dataset_id", "dataset_id", "a dataset is required: give dataset_id" },
        { "dataset_id: ../etc", "dataset_id", "expected a string matching ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$" },
        { "model_name: 'my model'", "model_name", "expected a string matching" },
        { "#no dataset_id\ndataset_uri: ../x.csv", "dataset_uri", "the path resolves to /x.csv, outside the data root /data" },
        { "#no dataset_id\ndataset_uri: /etc/passwd", "dataset_uri", "outside the data root /data" },
        { "#no dataset_id\ndataset_uri: /database/x.csv", "dataset_uri", "outside the data root /data" },
        { "#no dataset_id\ndataset_uri: file:///data/../etc/passwd", "dataset_uri", "outside the data root /data" },
        { "#no dataset_id\ndataset_uri: .", "dataset_uri", "names the data root /data itself" },
        { "#no dataset_id\ndataset_uri: s3://bucket/x.csv", "dataset_uri", "s3:// dataset URIs need the AWS storage backend, which is not configured; use a path under the data root or dataset_id" },
        { "#no dataset_id\ndataset_uri: https://example.com/x.csv", "dataset_uri", "https:// dataset URIs are not supported" },
        { "data_preprocessing:\n  normalize: true\n  standardize: true", "data_preprocessing.standardize", "normalize and standardize cannot both be true" },
        { "feature_columns: [a, b]\ndrop_columns: [b]", "drop_columns[0]", "column 'b' is in both feature_columns and drop_columns" },
        { "target: y\ndrop_columns: [x, y]", "drop_columns[1]", "column 'y' is the target; it cannot be dropped" },
        { "target: y\nfeature_columns: [x, y]", "feature_columns[1]", "column 'y' is the target; it cannot also be a feature" },
        { "model_name: a\nmodel_name: b", "model_name", "field 'model_name' is given twice" },
        { "target: !custom y", "body", "YAML tag '!custom' at line 4 is not supported" },
        { "target: *nowhere", "body", "YAML alias '*nowhere' at line 4 refers to no earlier anchor" },
        { "---\ntarget: a\n---\ntarget: b", "body", "more than one YAML document" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Parse_BadRequest_ReportsPathAndWhatIsAllowed(string yaml, string path, string fragments)
    {
        var error = SingleError(WithBase(yaml));

        Assert.Equal(path, error.Path);
        foreach (var fragment in fragments.Split('|'))
        {
            Assert.True(error.Message.Contains(fragment, StringComparison.Ordinal), $"'{fragment}' is not in: {error.Message}");
        }
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsEveryOne()
    {
        const string body = """
            ```yaml
            dataset_id: ds-1
            dataset_uri: ../../etc/passwd
            task_type: classification
            algorithm: xgbost
            test_size: abc
            monitoring_enabled: yes
            colour: blue
            data_preprocessing:
              normalize: true
              standardize: true
            ```
            """;

        var result = TrainingRequestParser.Parse(body, Options);

        Assert.Null(result.Request);
        Assert.Equal(
            ["algorithm", "colour", "data_preprocessing.standardize", "dataset_uri", "monitoring_enabled", "test_size"],
            result.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_BodyOverLimit_ReportsSizeAndLimit()
    {
        var body = WithBase("target: y") + "# " + new string('x', 65536) + "\n";

        var error = SingleError(body);

        Assert.Equal("body", error.Path);
        Assert.Contains($"the body is {Encoding.UTF8.GetByteCount(body)} bytes, over the limit of 65536 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidUtf8_ReportsTheOffset()
    {
        var body = Encoding.UTF8.GetBytes("dataset_id: ds\ntarget: caf").Concat(new byte[] { 0xC3, 0x28 }).ToArray();

        var result = TrainingRequestParser.Parse(body, Options);

        var error = Assert.Single(result.Errors);
        Assert.Equal("body", error.Path);
        Assert.Equal("the body is not valid UTF-8 (invalid byte at offset 26)", error.Message);
    }

    [Fact]
    public void Parse_BillionLaughs_StopsAtTheNodeLimit()
    {
        var yaml = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            yaml.Append(level).Append(": &").Append(level).Append(" [")
                .AppendJoin(", ", Enumerable.Repeat("*" + previous, 9)).Append("]\n");
        }

        var error = SingleError(WithBase(yaml.ToString()));

        Assert.Equal("body", error.Path);
        Assert.StartsWith("YAML aliases expand past 10000 nodes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeepNesting_IsRefusedWithoutOverflowingTheStack()
    {
        var error = SingleError(WithBase("target: " + new string('[', 20000) + new string(']', 20000)));

        Assert.Equal("body", error.Path);
        Assert.Contains("nests deeper than 64 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_YamlSyntaxError_ReportsBodyLineAndColumn()
    {
        const string body = "Intro line\n\n```yaml\ndataset_id: ds-1\ntask_type: classification\nalgorithm: \"xgboost\n```\n";

        var error = SingleError(body);

        Assert.Equal("body", error.Path);
        Assert.StartsWith("YAML syntax error at line 6, column ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Idx:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnclosedFlowMapping_IsASyntaxErrorNotAnException()
    {
        // YamlDotNet's scanner throws InvalidOperationException on this input rather than a YamlException.
        var error = SingleError("```yaml\ndataset_id: ds-1\ndata_preprocessing:\n  handle_missing: {ean\n  normalize: true\ntask_type: regression\n```\n");

        Assert.Equal("body", error.Path);
        Assert.StartsWith("YAML syntax error at line ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Please train a model on the loans data. Thanks!", "no training request found")]
    [InlineData("Hello: could you train something?", "no training request found")]
    [InlineData("```yaml\n```", "the ```yaml block is empty")]
    [InlineData("```yaml\n- a\n- b\n```", "the ```yaml block does not hold a mapping")]
    [InlineData("Broken: [ here", "no ```yaml block was found and the body is not YAML (YAML syntax error at line ")]
    public void Parse_NoUsableYaml_ExplainsHowToWriteTheRequest(string body, string expected)
    {
        var error = SingleError(body);

        Assert.Equal("body", error.Path);
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), error.Message);
        Assert.Contains("put the request fields in a ```yaml fenced block", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RelativeDataRoot_Throws()
    {
        Assert.Throws<ArgumentException>(() => TrainingRequestParser.Parse("x: 1", new RequestParseOptions { DataRoot = "data" }));
    }
}
