using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Aws.Tests.SageMaker;

public sealed class ScriptModeJobTests
{
    [Fact]
    public void SourceTarball_BuiltTwice_IsByteIdenticalWithOneFixedEntryAndNoGzipTimestamp()
    {
        var script = ScriptModeJob.Script();

        var first = ScriptModeJob.BuildTarball(script);
        var second = ScriptModeJob.BuildTarball(script);

        Assert.Equal(first, second);
        Assert.Equal(first, ScriptModeJob.SourceTarball());
        Assert.Equal([0x1f, 0x8b], first[..2]);
        Assert.Equal([0, 0, 0, 0], first[4..8]);
        using var tar = new TarReader(new GZipStream(new MemoryStream(first), CompressionMode.Decompress));
        var entry = tar.GetNextEntry()!;
        Assert.Equal(ScriptModeJob.EntryPoint, entry.Name);
        Assert.Equal(TarEntryType.RegularFile, entry.EntryType);
        Assert.Equal(ScriptModeJob.EntryTime, entry.ModificationTime);
        Assert.Equal(0, entry.Uid);
        using var content = new MemoryStream();
        entry.DataStream!.CopyTo(content);
        Assert.Equal(script, content.ToArray());
        Assert.Null(tar.GetNextEntry());
    }

    [Fact]
    public void Script_EmbeddedResource_IsTheShippedFileWithItsInferenceEntryPoints()
    {
        var text = System.Text.Encoding.UTF8.GetString(ScriptModeJob.Script());

        Assert.StartsWith("#!/usr/bin/env python3", text, StringComparison.Ordinal);
        Assert.Contains("def model_fn(model_dir):", text, StringComparison.Ordinal);
        Assert.Contains("def predict_fn(input_data, model):", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SourceKey_UnderTheCodePrefixTheTrainingRoleReads_AddressedByContent()
    {
        var key = ScriptModeJob.SourceKey();

        Assert.Matches("^code/sklearn/[0-9a-f]{16}/sourcedir\\.tar\\.gz$", key);
        Assert.StartsWith(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(ScriptModeJob.SourceTarball()))[..16], key["code/sklearn/".Length..], StringComparison.Ordinal);
    }

    [Fact]
    public void MetricDefinitions_Classification_DeclareTrainAndValidationMetricsWithTheDocumentedRegex()
    {
        var definitions = ScriptModeJob.MetricDefinitions(TaskTypes.Classification);

        Assert.Equal(["train:accuracy", "train:f1", "train:auc", "validation:accuracy", "validation:f1", "validation:auc"], definitions.Select(d => d.Name));
        Assert.Equal("validation:accuracy=([0-9.eE+-]+)", definitions.Single(d => d.Name == "validation:accuracy").Regex);
        Assert.Equal(["train:rmse", "train:mae", "train:r2", "validation:rmse", "validation:mae", "validation:r2"], ScriptModeJob.MetricDefinitions(TaskTypes.Regression).Select(d => d.Name));
    }

    [Fact]
    public void HyperParameters_NeuralNetworkRequest_FormatsListsBoolsAndNumbersInvariantly()
    {
        var request = new TrainingRequest
        {
            Algorithm = "neural_network",
            Hyperparameters = new Dictionary<string, object> { ["hidden_layers"] = new long[] { 64, 32 }, ["learning_rate"] = 0.005 },
            RandomSeed = 9,
        };

        var hp = ScriptModeJob.HyperParameters(request, classCount: 3, weighted: true);

        Assert.Equal("64,32", hp["hidden_layers"]);
        Assert.Equal("0.005", hp["learning_rate"]);
        Assert.Equal("32", hp["batch_size"]);
        Assert.Equal("neural_network", hp["algorithm"]);
        Assert.Equal("classification", hp["task"]);
        Assert.Equal("3", hp["num_classes"]);
        Assert.Equal("9", hp["seed"]);
        Assert.Equal("1", hp["csv_weights"]);
    }

    [Fact]
    public void HyperParameters_RandomForestWithoutMaxDepth_LeavesItToTheEstimatorAndWritesBootstrapAsJsonBool()
    {
        var hp = ScriptModeJob.HyperParameters(new TrainingRequest { Algorithm = "random_forest", TaskType = TaskTypes.Regression }, classCount: 0, weighted: false);

        Assert.False(hp.ContainsKey("max_depth"));
        Assert.False(hp.ContainsKey("num_classes"));
        Assert.Equal("true", hp["bootstrap"]);
        Assert.Equal("0", hp["csv_weights"]);
    }

    [Fact]
    public void BuildCreateTrainingJob_ScriptWithMetricDefinitions_PutsThemInAlgorithmSpecification()
    {
        var spec = new TrainingJobSpec
        {
            JobName = "mlops-train-1",
            Algorithm = TrainingAlgorithm.Script,
            RoleArn = "arn:aws:iam::111122223333:role/r",
            Channels = [new TrainingChannel("train", "s3://b/t/")],
            OutputS3Uri = "s3://b/models/",
            InstanceType = "ml.m5.large",
            HyperParameters = new Dictionary<string, string> { ["n_estimators"] = "100" },
            Script = new ScriptModeSettings(ScriptModeJob.EntryPoint, "s3://b/code/sklearn/x/sourcedir.tar.gz") { MetricDefinitions = ScriptModeJob.MetricDefinitions(TaskTypes.Regression) },
        };

        var body = SageMakerClient.BuildCreateTrainingJob(spec, "eu-west-1");

        var algorithm = body["AlgorithmSpecification"]!;
        Assert.Equal("141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3", algorithm["TrainingImage"]!.GetValue<string>());
        var definitions = algorithm["MetricDefinitions"]!.AsArray();
        Assert.Equal(6, definitions.Count);
        Assert.Equal("train:rmse", definitions[0]!["Name"]!.GetValue<string>());
        Assert.Equal("train:rmse=([0-9.eE+-]+)", definitions[0]!["Regex"]!.GetValue<string>());
        Assert.Equal(["Name", "Regex"], definitions[0]!.AsObject().Select(p => p.Key));
        Assert.Equal("\"sklearn_train.py\"", body["HyperParameters"]!["sagemaker_program"]!.GetValue<string>());
        Assert.Equal("\"100\"", body["HyperParameters"]!["n_estimators"]!.GetValue<string>());
    }

    [Fact]
    public void BuildCreateTrainingJob_BuiltInXGBoost_HasNoMetricDefinitions()
    {
        var spec = new TrainingJobSpec
        {
            JobName = "mlops-train-2",
            Algorithm = TrainingAlgorithm.XGBoost,
            RoleArn = "arn:aws:iam::111122223333:role/r",
            Channels = [new TrainingChannel("train", "s3://b/t/")],
            OutputS3Uri = "s3://b/models/",
            InstanceType = "ml.m5.large",
        };

        var body = SageMakerClient.BuildCreateTrainingJob(spec, "us-east-1");

        Assert.Null(body["AlgorithmSpecification"]!["MetricDefinitions"]);
    }

    [Fact]
    public void MetricDefinitions_UnsupervisedTask_IsRefusedNamingTaskType()
    {
        var e = Assert.Throws<RequestValidationException>(() => ScriptModeJob.MetricDefinitions("clustering"));

        Assert.Contains("task_type", e.Message, StringComparison.Ordinal);
        Assert.Contains("classification or regression", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("random_forest", "classification")]
    [InlineData("logistic_regression", "classification")]
    [InlineData("linear_regression", "regression")]
    [InlineData("neural_network", "regression")]
    public void AlgorithmFor_SupervisedAlgorithmWithoutBuiltIn_IsScriptMode(string algorithm, string task)
    {
        var request = new TrainingRequest { Algorithm = algorithm, TaskType = task };

        Assert.Equal(TrainingAlgorithm.Script, SageMakerPipeline.AlgorithmFor(request));
    }

    [Fact]
    public void AlgorithmFor_Xgboost_StaysOnTheBuiltIn()
    {
        Assert.Equal(TrainingAlgorithm.XGBoost, SageMakerPipeline.AlgorithmFor(new TrainingRequest { Algorithm = "xgboost" }));
    }

    [Fact]
    public void AlgorithmFor_ReinforcementRequest_IsRefusedNamingTheAlgorithmAndWhatIsAllowed()
    {
        var request = new TrainingRequest { LearningType = LearningTypes.Reinforcement, Algorithm = "ppo" };

        var e = Assert.Throws<RequestValidationException>(() => SageMakerPipeline.AlgorithmFor(request));

        var error = Assert.Single(e.Errors);
        Assert.Equal("algorithm", error.Path);
        Assert.Equal("ppo", error.Value);
        Assert.Contains("random_forest, logistic_regression, linear_regression, neural_network (scikit-learn script mode)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AlgorithmFor_ScriptAlgorithmWithHpo_IsRefusedNamingHpo()
    {
        var request = new TrainingRequest { Algorithm = "random_forest", Hpo = new MlopsAgents.Plugins.Training.Search.HpoOptions() };

        var e = Assert.Throws<RequestValidationException>(() => SageMakerPipeline.AlgorithmFor(request));

        Assert.Equal("hpo", Assert.Single(e.Errors).Path);
    }
}
