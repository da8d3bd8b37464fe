using System.Net;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static MlopsAgents.McpServer.Tests.ToolResults;

namespace MlopsAgents.McpServer.Tests;

public sealed class ToolTests(McpServerFixture server) : IClassFixture<McpServerFixture>
{
    private static readonly string[] ExpectedTools =
    [
        "load_dataset", "validate_data", "split_dataset", "feature_engineering", "preprocess_supervised",
        "train_supervised_classifier", "train_supervised_regressor",
        "evaluate_classifier", "evaluate_regressor", "generate_confusion_matrix", "generate_roc_curve", "compare_models",
        "register_model", "get_model_version", "rollback_model", "track_model_lineage", "deploy_model", "list_deployments",
        "parse_issue_config",
        "apply_class_imbalance_handling", "preprocess_unsupervised", "hyperparameter_optimization",
        "train_unsupervised_clustering", "train_unsupervised_dimensionality_reduction", "evaluate_clustering",
        "calculate_shap_values", "bias_check",
        "preprocess_reinforcement", "train_reinforcement", "evaluate_reinforcement",
        "analyze_model_characteristics", "generate_optimization_proposal", "estimate_optimization_impact", "apply_optimization_to_config", "track_optimization_history",
        "detect_drift",
        "select_optimal_resources",
        "start_training_job", "describe_training_job", "finish_training_job", "start_workflow_execution", "describe_workflow_execution", "answer_workflow_approval",
        "deploy_to_endpoint", "describe_endpoint",
        "optimize_workflow", "judge_results", "start_monitoring", "write_history", "rollback_deployment",
        "notify_success", "notify_operator", "notify_failure", "request_approval", "request_operator_input",
    ];

    [Fact]
    public async Task ListTools_EveryTool_HasDescriptionsSchemasAndAnnotations()
    {
        var tools = await server.Writable.ListToolsAsync();

        Assert.Equal(ExpectedTools.Order(), tools.Select(t => t.Name).Order());
        foreach (var tool in tools.Select(t => t.ProtocolTool))
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), tool.Name);
            Assert.Equal("object", tool.InputSchema.GetProperty("type").GetString());
            foreach (var parameter in tool.InputSchema.GetProperty("properties").EnumerateObject())
            {
                Assert.True(parameter.Value.TryGetProperty("description", out var d) && d.GetString()!.Length > 10, $"{tool.Name}.{parameter.Name} has no description");
            }

            Assert.NotNull(tool.OutputSchema);
            var annotations = tool.Annotations!;
            Assert.NotNull(annotations.ReadOnlyHint);
            Assert.NotNull(annotations.DestructiveHint);
            Assert.NotNull(annotations.IdempotentHint);
            var hasDryRun = tool.InputSchema.GetProperty("properties").TryGetProperty("dry_run", out _);
            Assert.True(annotations.ReadOnlyHint == true ^ hasDryRun, $"{tool.Name}: every state-changing tool, and only those, takes dry_run");
        }

        Assert.Contains(tools, t => t.Name == "rollback_model" && t.ProtocolTool.Annotations!.DestructiveHint == true);
    }

    [Fact]
    public async Task EveryTool_OnBundledBreastCancer_RunsTheLifecycle()
    {
        var c = server.Writable;
        var loaded = (await c.CallToolAsync("load_dataset", Args(("path", "breast_cancer.csv"), ("dataset_id", "mcp-bc"), ("target", "diagnosis")))).Ok();
        Assert.Equal(569, loaded.GetProperty("row_count").GetInt32());

        var quality = (await c.CallToolAsync("validate_data", Args(("dataset_id", "mcp-bc")))).Ok();
        Assert.Equal(212, quality.GetProperty("class_balance").GetProperty("malignant").GetInt32());

        var split = (await c.CallToolAsync("split_dataset", Args(("dataset_id", "mcp-bc")))).Ok();
        Assert.Equal(113, split.GetProperty("test").GetProperty("rows").GetInt32());

        var features = (await c.CallToolAsync("feature_engineering", Args(("dataset_id", "mcp-bc"), ("standardize", true)))).Ok();
        Assert.Equal(30, features.GetProperty("feature_names").GetArrayLength());

        var prepared = (await c.CallToolAsync("preprocess_supervised", Args(("request", "dataset_id: mcp-bc\ntask_type: classification\nalgorithm: xgboost\ndata_preprocessing: {standardize: true}\n")))).Ok();
        var trainingId = prepared.GetProperty("training_id").GetString()!;

        var trained = (await c.CallToolAsync("train_supervised_classifier", Args(("training_id", trainingId), ("algorithm", "logistic_regression"), ("hyperparameters", new Dictionary<string, object> { ["C"] = 0.5 })))).Ok();
        var runId = trained.GetProperty("run_id").GetString()!;
        Assert.Equal(0.5, trained.GetProperty("hyperparameters").GetProperty("C").GetDouble());

        var evaluated = (await c.CallToolAsync("evaluate_classifier", Args(("run_id", runId), ("threshold", 0.9)))).Ok();
        Assert.InRange(evaluated.GetProperty("metrics").GetProperty("accuracy").GetDouble(), 0.93, 1.0);
        Assert.Equal("pass", evaluated.GetProperty("judge").GetProperty("decision").GetString());

        var matrix = (await c.CallToolAsync("generate_confusion_matrix", Args(("run_id", runId)))).Ok();
        Assert.Equal(113, matrix.GetProperty("matrix").EnumerateArray().SelectMany(r => r.EnumerateArray()).Sum(v => v.GetInt32()));
        Assert.True(File.Exists(matrix.GetProperty("png").GetString()));

        var roc = (await c.CallToolAsync("generate_roc_curve", Args(("run_id", runId)))).Ok();
        Assert.InRange(roc.GetProperty("curves").GetProperty("malignant").GetProperty("auc").GetDouble(), 0.95, 1.0);

        var registered = (await c.CallToolAsync("register_model", Args(("run_id", runId), ("model_name", "mcp-bc-model")))).Ok();
        Assert.Equal("1.0.0", registered.GetProperty("version").GetString());

        // A second candidate, registered as 1.1.0, to compare and roll back.
        var second = (await c.CallToolAsync("train_supervised_classifier", Args(("training_id", trainingId), ("algorithm", "random_forest"), ("hyperparameters", new Dictionary<string, object> { ["n_estimators"] = 30 })))).Ok();
        (await c.CallToolAsync("evaluate_classifier", Args(("run_id", second.GetProperty("run_id").GetString())))).Ok();
        Assert.Equal("1.1.0", (await c.CallToolAsync("register_model", Args(("run_id", second.GetProperty("run_id").GetString()), ("model_name", "mcp-bc-model")))).Ok().GetProperty("version").GetString());

        var version = (await c.CallToolAsync("get_model_version", Args(("model_name", "mcp-bc-model")))).Ok();
        Assert.Equal("1.1.0", version.GetProperty("version").GetString());
        Assert.Equal("random_forest", version.GetProperty("metadata").GetProperty("algorithm").GetString());

        var deployed = (await c.CallToolAsync("deploy_model", Args(("model_name", "mcp-bc-model"), ("strategy", "canary")))).Ok();
        Assert.Equal("1.1.0", deployed.GetProperty("version").GetString());
        var deployments = (await c.CallToolAsync("list_deployments", Args())).Ok();
        Assert.Contains(deployments.GetProperty("deployments").EnumerateArray(), d => d.GetProperty("model_name").GetString() == "mcp-bc-model");

        var compared = (await c.CallToolAsync("compare_models", Args(("model_name", "mcp-bc-model"), ("metric", "accuracy")))).Ok();
        Assert.Equal(2, compared.GetProperty("versions").GetArrayLength());

        var rolledBack = (await c.CallToolAsync("rollback_model", Args(("model_name", "mcp-bc-model"), ("version", "1.0.0")))).Ok();
        Assert.Equal("1.1.0", rolledBack.GetProperty("from_version").GetString());
        var lineage = (await c.CallToolAsync("track_model_lineage", Args(("model_name", "mcp-bc-model")))).Ok();
        Assert.Equal("1.0.0", lineage.GetProperty("model").GetProperty("version").GetString());
        Assert.Equal("mcp-bc", lineage.GetProperty("dataset").GetProperty("dataset_id").GetString());
        Assert.Equal("rollback", lineage.GetProperty("deployments")[0].GetProperty("strategy").GetString());

        var card = await c.ReadResourceAsync("mlops://models/mcp-bc-model/champion/card");
        Assert.Contains("# Model card: mcp-bc-model 1.0.0", ((TextResourceContents)card.Contents[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegressorTools_WineAlcohol_TrainAndEvaluate()
    {
        var c = server.Writable;
        (await c.CallToolAsync("load_dataset", Args(("path", "wine.csv"), ("dataset_id", "mcp-wine")))).Ok();
        var prepared = (await c.CallToolAsync("preprocess_supervised", Args(("request", "dataset_id: mcp-wine\ntarget: alcohol\ndrop_columns: [cultivar]\ntask_type: regression\nalgorithm: linear_regression\n")))).Ok();
        var run = (await c.CallToolAsync("train_supervised_regressor", Args(("training_id", prepared.GetProperty("training_id").GetString()), ("algorithm", "linear_regression")))).Ok();

        var evaluated = (await c.CallToolAsync("evaluate_regressor", Args(("run_id", run.GetProperty("run_id").GetString())))).Ok();

        Assert.InRange(evaluated.GetProperty("metrics").GetProperty("r2").GetDouble(), 0.3, 1.0);
        Assert.True(evaluated.GetProperty("metrics").GetProperty("rmse").GetDouble() > 0);
    }

    [Fact]
    public async Task ParseIssueConfig_BadRequest_ReturnsEveryProblem()
    {
        var result = (await server.ReadOnly.CallToolAsync("parse_issue_config", Args(("issue_body", "```yaml\ndataset_id: x\ntask_type: classification\nalgorithm: xgbost\ncolour: red\n```")))).Ok();

        Assert.False(result.GetProperty("valid").GetBoolean());
        var messages = result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("text").GetString()).ToList();
        Assert.Contains(messages, m => m!.Contains("did you mean 'xgboost'?", StringComparison.Ordinal));
        Assert.Contains(messages, m => m!.StartsWith("colour:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteTool_ReadOnlyServer_RefusesUnlessDryRun()
    {
        var refused = (await server.ReadOnly.CallToolAsync("load_dataset", Args(("path", "iris.csv"), ("dataset_id", "mcp-iris")))).Error();
        Assert.Contains("--allow-write", refused, StringComparison.Ordinal);
        Assert.Null(server.Context.Registry.GetDataset("mcp-iris"));

        var dryRun = (await server.ReadOnly.CallToolAsync("load_dataset", Args(("path", "iris.csv"), ("dataset_id", "mcp-iris"), ("dry_run", true)))).Ok();
        Assert.True(dryRun.GetProperty("dry_run").GetBoolean());
        Assert.Equal(150, dryRun.GetProperty("rows").GetInt32());
        Assert.Null(server.Context.Registry.GetDataset("mcp-iris"));
    }

    [Theory]
    [InlineData("load_dataset", """{"path": "../../etc/passwd", "dataset_id": "x"}""", "path: '../../etc/passwd'")]
    [InlineData("validate_data", """{"dataset_id": "nope"}""", "dataset_id: 'nope' is not registered")]
    [InlineData("train_supervised_classifier", """{"training_id": "train-none", "algorithm": "xgboost"}""", "training_id: 'train-none' has no prepared data")]
    [InlineData("get_model_version", """{"model_name": "ghost"}""", "model_name: 'ghost' → a registered model name")]
    [InlineData("split_dataset", """{"dataset_id": "x", "test_size": 0.9}""", "test_size: '0.9' → a number > 0 and <= 0.5")]
    [InlineData("preprocess_supervised", """{"request": "dataset_id: mcp-none\ntask_type: classification\nalgorithm: xgbost"}""", "did you mean 'xgboost'?")]
    public async Task Tool_BadArguments_ReturnsActionableError(string tool, string argumentsJson, string expected)
    {
        var arguments = JsonSerializer.Deserialize<Dictionary<string, object?>>(argumentsJson)!;

        var error = (await server.Writable.CallToolAsync(tool, arguments)).Error();

        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_WithoutOrWithWrongToken_Gets401()
    {
        using var http = new HttpClient();
        var none = await http.PostAsync(server.WritableEndpoint, new StringContent("{}"));
        using var wrong = new HttpRequestMessage(HttpMethod.Post, server.WritableEndpoint) { Content = new StringContent("{}") };
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "guess");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => McpServerFixture.ConnectAsync(server.WritableEndpoint, "guess"));
    }

    [Fact]
    public async Task Audit_EveryCall_AppendsRedactedLine()
    {
        await server.ReadOnly.CallToolAsync("parse_issue_config", Args(("issue_body", "dataset_id: audit-check\ntask_type: classification\nalgorithm: xgboost\napi_token: hunter2")));
        await server.ReadOnly.CallToolAsync("load_dataset", Args(("path", "iris.csv"), ("dataset_id", "audit-refused")));

        var lines = Directory.GetFiles(Path.Combine(server.Home, "artifacts", "logs", "mcp"), "audit-*.jsonl").SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var parse = lines.Last(l => l.GetProperty("tool").GetString() == "parse_issue_config" && l.GetProperty("arguments").GetProperty("issue_body").GetString()!.Contains("audit-check", StringComparison.Ordinal));
        Assert.Equal("ok", parse.GetProperty("status").GetString());
        Assert.True(parse.GetProperty("duration_ms").GetDouble() >= 0);
        Assert.Contains("/", parse.GetProperty("caller").GetString(), StringComparison.Ordinal);
        var refused = lines.Last(l => l.GetProperty("tool").GetString() == "load_dataset" && l.GetProperty("arguments").GetProperty("dataset_id").GetString() == "audit-refused");
        Assert.Equal("error", refused.GetProperty("status").GetString());
    }

    [Fact]
    public void AuditLog_Redact_HidesSecretArgumentsAtAnyDepth()
    {
        var redacted = Hosting.AuditLog.Redact(System.Text.Json.Nodes.JsonNode.Parse("""{"dataset_id": "d", "github_token": "ghp_x", "nested": {"password": "p", "ok": 1}}""")!.AsObject());

        Assert.Equal("""{"dataset_id":"d","github_token":"***","nested":{"password":"***","ok":1}}""", redacted.ToJsonString());
    }

    [Fact]
    public async Task Prompts_FromPromptsFolder_ListAndRender()
    {
        var prompts = await server.ReadOnly.ListPromptsAsync();
        Assert.Contains(prompts, p => p.Name == "explain_results");

        var rendered = await server.ReadOnly.GetPromptAsync("explain_results", new Dictionary<string, object?> { ["training_id"] = "train-42", ["audience"] = "ML engineers" });

        var text = ((TextContentBlock)rendered.Messages[0].Content).Text;
        Assert.Contains("mlops://evaluations/train-42/results", text, StringComparison.Ordinal);
        Assert.Contains("Audience: ML engineers.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resources_UnknownRun_IsAnError()
    {
        await Assert.ThrowsAnyAsync<Exception>(async () => await server.ReadOnly.ReadResourceAsync("mlops://training-history/train-none"));
    }
}
