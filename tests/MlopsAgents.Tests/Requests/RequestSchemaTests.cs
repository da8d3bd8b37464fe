using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsAgents.Plugins.Requests;
using NJsonSchema;
using YamlDotNet.RepresentationModel;
using static MlopsAgents.Tests.Requests.RequestFixtures;

namespace MlopsAgents.Tests.Requests;

public sealed class RequestSchemaTests
{
    // Set to 1 to rewrite the committed schema from the parser's field table.
    private const string UpdateVariable = "UPDATE_REQUEST_SCHEMA";

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromJsonAsync(RequestSchema.Generate()).GetAwaiter().GetResult());

    [Fact]
    public void Generate_CommittedSchemaFile_IsUpToDate()
    {
        var path = Path.Combine(RepositoryRoot(), RequestSchema.RelativePath);
        var generated = RequestSchema.Generate();
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, generated);
        }

        var committed = File.ReadAllText(path).ReplaceLineEndings("\n");

        Assert.True(committed == generated, $"{RequestSchema.RelativePath} is out of date; rerun the tests with {UpdateVariable}=1 and commit the file.");
    }

    [Fact]
    public void Generate_TopLevelProperties_AreTheFieldsTheParserAllows()
    {
        var error = Assert.Single(TrainingRequestParser.Parse(WithBase("bogus: 1"), Options).Errors);
        var parserFields = error.Message[(error.Message.IndexOf("allowed: ", StringComparison.Ordinal) + "allowed: ".Length)..].Split(", ");

        Assert.Equal(parserFields, Schema.Value.Properties.Keys);
        Assert.False(Schema.Value.AllowAdditionalProperties);
    }

    [Theory]
    [MemberData(nameof(ValidFixtureNames))]
    public void Validate_ValidExample_PassesParserAndSchema(string fixture)
    {
        var body = Read(fixture);

        var parsed = TrainingRequestParser.Parse(body, Options);
        var schemaErrors = Schema.Value.Validate(ToJson(ExtractYaml(body)));

        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
        Assert.Empty(schemaErrors);
    }

    public static TheoryData<string> ValidFixtureNames => new(ValidFixtures);

    public static TheoryData<string> AcceptedByBoth => new()
    {
        "",
        "task_type: regression\nevaluation_threshold: -0.5",
        "task_type: regression\nprimary_metric: mae\nevaluation_threshold: 1500",
        "primary_metric: auc_roc\nevaluation_threshold: 1",
        "hyperparameters:\n  n_estimators: 10\n  learning_rate: 1\n  max_depth: 16",
        "learning_type: supervised\ndata_preprocessing:\n  normalize: true\n  standardize: false",
        "#no dataset_id\ndataset_uri: tabular/iris.csv\ndataset_version: 1",
        "feature_columns: [a, b]\ndrop_columns: [c]\ntarget: y",
        "learning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\ntarget: species\nevaluation_threshold: -0.2",
        "learning_type: unsupervised\ntask_type: dimensionality_reduction\nalgorithm: pca\nevaluation_threshold: 0.95",
        "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: ppo\nenvironment: gridworld\nevaluation_threshold: -5",
        "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: dqn\nenvironment: cartpole\nprimary_metric: episode_length\nevaluation_threshold: 450",
        "data_preprocessing:\n  class_imbalance: class_weight\n  outlier_removal: zscore\n  encode_categorical: target",
        "hpo:\n  method: grid\n  search_space:\n    max_depth: {type: int, low: 2, high: 8, values: [2, 4, 8]}\n    n_estimators: {type: int, low: 10, high: 100, steps: 4}",
        "fairness:\n  sensitive_features: [sex]\n  positive_label: 1\nexplain: false\nlearning_curve: false",
    };

    [Theory]
    [MemberData(nameof(AcceptedByBoth))]
    public void Validate_ValidRequest_IsAcceptedByParserAndSchema(string yaml)
    {
        var body = WithBase(yaml);

        var parsed = TrainingRequestParser.Parse(body, Options);
        var schemaErrors = Schema.Value.Validate(ToJson(body));

        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
        Assert.Empty(schemaErrors);
    }

    public static TheoryData<string> RejectedByBoth => new()
    {
        "colour: blue",
        "deployment_strategy: canery",
        "algorithm: xgbost",
        "algorithm: linear_regression",
        "learning_type: unsupervised\ntask_type: clustering",
        "learning_type: unsupervised",
        "#no algorithm",
        "#no dataset_id",
        "dataset_uri: iris.csv",
        "dataset_id: ../etc",
        "monitoring_enabled: yes",
        "test_size: 0.6",
        "validation_size: 0.5",
        "random_seed: 2.5",
        "max_retry: 11",
        "evaluation_threshold: 1.5",
        "task_type: regression\nevaluation_threshold: 1.2",
        "task_type: regression\nprimary_metric: mae\nevaluation_threshold: -1",
        "primary_metric: rmse",
        "retrain_triggers: [drift_detected, drift_detected]",
        "retrain_triggers: [sometimes]",
        "data_preprocessing:\n  normalize: true\n  standardize: true",
        "data_preprocessing:\n  handel_missing: mean",
        "workflow_optimization:\n  performance_profile: fastest",
        "hyperparameters:\n  max_dept: 3",
        "hyperparameters:\n  num_round: 10\n  n_estimators: 20",
        "hyperparameters:\n  max_depth: 0",
        "hyperparameters:\n  eta: 0",
        "hyperparameters:\n  num_round: 10.5",
        "algorithm: random_forest\nhyperparameters:\n  max_features: half",
        "algorithm: logistic_regression\nhyperparameters:\n  num_round: 10",
        "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: dqn",
        "environment: cartpole",
        "learning_type: reinforcement\ntask_type: control\nalgorithm: dqn\nenvironment: cartpole",
        "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: dqn\nenvironment: cartpole\ntarget: y",
        "#no dataset_id\nlearning_type: reinforcement\ntask_type: control\nalgorithm: dqn\nenvironment: cartpole\nevaluation_threshold: 501",
        "learning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\nprimary_metric: f1_score",
        "learning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\nevaluation_threshold: 1.5",
        "learning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\ndata_preprocessing:\n  encode_categorical: target",
        "learning_type: unsupervised\ntask_type: clustering\nalgorithm: kmeans\nhpo:\n  search_space:\n    n_clusters: {type: int, low: 2, high: 8}",
        "data_preprocessing:\n  class_imbalance: oversample",
        "task_type: regression\ndata_preprocessing:\n  class_imbalance: smote",
        "task_type: regression\nfairness:\n  sensitive_features: [sex]",
        "fairness:\n  sensitive_features: []",
        "hpo:\n  search_space:\n    max_dept: {type: int, low: 2, high: 8}",
        "hpo:\n  search_space:\n    eta: {low: 0.1, high: 0.3}",
        "hpo:\n  method: random",
        "hpo:\n  metric: rmse\n  search_space:\n    eta: {type: float, low: 0.1, high: 0.3}",
        "explain: yes",
    };

    [Theory]
    [MemberData(nameof(RejectedByBoth))]
    public void Validate_InvalidRequest_IsRejectedByParserAndSchema(string yaml)
    {
        var body = WithBase(yaml);

        var parsed = TrainingRequestParser.Parse(body, Options);
        var schemaErrors = Schema.Value.Validate(ToJson(body));

        Assert.False(parsed.IsValid);
        Assert.NotEmpty(schemaErrors);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MlopsAgents.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MlopsAgents.sln not found above " + AppContext.BaseDirectory);
    }

    private static string ExtractYaml(string body)
    {
        var fence = Regex.Match(body, @"```ya?ml\n(?<yaml>.*?)```", RegexOptions.Singleline);
        return fence.Success ? fence.Groups["yaml"].Value : body;
    }

    /// <summary>YAML to JSON with YAML 1.2 core-schema scalars, written apart from the parser so the two check each other.</summary>
    private static string ToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Convert(stream.Documents[0].RootNode)!.ToJsonString();
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children
            .Where(pair => Convert(pair.Value) is not null)
            .Select(pair => KeyValuePair.Create(((YamlScalarNode)pair.Key).Value!, Convert(pair.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlScalarNode { Style: not YamlDotNet.Core.ScalarStyle.Plain } scalar => JsonValue.Create(scalar.Value),
        YamlScalarNode scalar => scalar.Value switch
        {
            null or "" or "~" or "null" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            var text when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => JsonValue.Create(integer),
            var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            var text => JsonValue.Create(text),
        },
        _ => throw new InvalidOperationException("Unexpected YAML node " + node.NodeType),
    };
}
