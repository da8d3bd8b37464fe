using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.Support;
using MlopsAgents.Tests.Workflow;

namespace MlopsAgents.Tests.Deployment;

/// <summary>Trains one small model once, then exercises the real Kestrel server on 127.0.0.1.</summary>
public sealed class ModelServerTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private ModelServer? _server;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        var pipeline = await LocalPipelineTests.PipelineWithDatasetAsync(_dir, "loans.csv", "dataset-loans-001", "default");
        var summary = await pipeline.RunIssueFileAsync(Examples.Issue("loans-logistic.md"));
        Assert.True(summary.Passed, summary.Reason);
        var deployer = new LocalDeployer(pipeline.Registry, pipeline.Store, _dir.Combine("cache"));
        _server = await ModelServer.StartAsync(await deployer.LoadActiveAsync(), port: 0);
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _dir.Dispose();
    }

    [Fact]
    public void StartAsync_PortZero_BindsLoopback()
    {
        Assert.Equal("127.0.0.1", _server!.BaseAddress.Host);
        Assert.NotEqual(0, _server.BaseAddress.Port);
    }

    [Fact]
    public async Task Predict_ValidRows_Returns200WithPredictionsAndProbabilities()
    {
        var response = await _http!.PostAsync("/predict", Json("""
            {"rows": [
              {"age": 45, "income": 52000, "employment": "salaried", "region": "west", "sex": "male", "loan_amount": 20000, "credit_score": 720, "debt_ratio": 0.2},
              {"age": 23, "income": null, "employment": "unemployed", "region": "north", "sex": "female", "loan_amount": 90000, "credit_score": 480, "debt_ratio": 0.9}
            ]}
            """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("dataset-loans-001-logistic-regression", body.RootElement.GetProperty("model").GetString());
        Assert.Equal("1.0.0", body.RootElement.GetProperty("version").GetString());
        var predictions = body.RootElement.GetProperty("predictions");
        Assert.Equal(2, predictions.GetArrayLength());
        foreach (var p in predictions.EnumerateArray())
        {
            var probabilities = p.GetProperty("probabilities");
            var sum = probabilities.GetProperty("0").GetDouble() + probabilities.GetProperty("1").GetDouble();
            Assert.Equal(1.0, sum, 9);
            Assert.Contains(p.GetProperty("prediction").GetString(), new[] { "0", "1" });
        }

        // The risky applicant must score a higher default probability than the safe one.
        Assert.True(predictions[1].GetProperty("probabilities").GetProperty("1").GetDouble() > predictions[0].GetProperty("probabilities").GetProperty("1").GetDouble());
    }

    [Fact]
    public async Task Predict_BadRows_Returns400NamingRowColumnAndReason()
    {
        var response = await _http!.PostAsync("/predict", Json("""
            {"rows": [
              {"age": 45, "income": 52000, "employment": "salaried", "region": "west", "sex": "male", "loan_amount": 20000, "credit_score": 720, "debt_ratio": 0.2},
              {"age": "old", "income": 52000, "employment": "salaried", "region": "west", "sex": "male", "loan_amount": 20000, "credit_score": 720},
              {"age": 45, "income": 52000, "employment": "salaried", "region": "west", "sex": "male", "loan_amount": 20000, "credit_score": 720, "debt_ratio": 0.2, "zodiac": "leo"}
            ]}
            """));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = body.RootElement.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("message").GetString())).ToList();
        Assert.Contains((1, "column 'age': 'old' is not a number"), errors);
        Assert.Contains((1, "column 'debt_ratio' is required but absent"), errors);
        Assert.Contains(errors, e => e.Item1 == 2 && e.Item2!.StartsWith("column 'zodiac' is not an input of this model", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Item1 == 0);
    }

    [Fact]
    public async Task Predict_ColumnsInAnyOrderOrEscaped_SameProbabilities()
    {
        const string inOrder = """{"age": 23, "income": 18000, "employment": "unemployed", "region": "north", "sex": "female", "loan_amount": 90000, "credit_score": 480, "debt_ratio": 0.9}""";
        const string shuffled = """{"debt_ratio": 0.9, "sex": "female", "\u0061ge": 23, "credit_score": 480, "employment": "unemployed", "income": 18000, "loan_amount": 90000, "region": "north"}""";

        var expected = await DefaultProbabilityAsync(inOrder);

        Assert.Equal(expected, await DefaultProbabilityAsync(shuffled));
    }

    [Fact]
    public async Task Predict_ColumnGivenTwice_LastValueCounts()
    {
        const string once = """{"age": 23, "income": 18000, "employment": "unemployed", "region": "north", "sex": "female", "loan_amount": 90000, "credit_score": 480, "debt_ratio": 0.9}""";
        const string twice = """{"age": 23, "income": 18000, "employment": "unemployed", "region": "north", "sex": "female", "loan_amount": 90000, "credit_score": 800, "debt_ratio": 0.9, "credit_score": 480}""";

        Assert.Equal(await DefaultProbabilityAsync(once), await DefaultProbabilityAsync(twice));
    }

    [Fact]
    public async Task Predict_RowNotAnObject_Returns400NamingRowAndKind()
    {
        var response = await _http!.PostAsync("/predict", Json("""{"rows": [[1, 2, 3]]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = Assert.Single(body.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal(0, error.GetProperty("row").GetInt32());
        Assert.Equal("row must be a JSON object of column → value, not array", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Predict_NoRequestId_EachAnswerGetsItsOwn32HexId()
    {
        const string row = """{"rows": [{"age": 45, "income": 52000, "employment": "salaried", "region": "west", "sex": "male", "loan_amount": 20000, "credit_score": 720, "debt_ratio": 0.2}]}""";
        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            using var response = await _http!.PostAsync("/predict", Json(row));
            var header = response.Headers.GetValues(ModelServer.RequestIdHeader).Single();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(header, body.RootElement.GetProperty("request_id").GetString());
            Assert.Matches("^[0-9a-f]{32}$", header);
            ids.Add(header);
        }

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Predict_GivenRequestId_IsEchoedInHeaderAndBody()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict")
        {
            Content = Json("""{"rows": [{"age": 45, "income": 52000, "employment": "salaried", "region": "west", "sex": "male", "loan_amount": 20000, "credit_score": 720, "debt_ratio": 0.2}]}"""),
        };
        request.Headers.Add(ModelServer.RequestIdHeader, "order-\"42\"");

        using var response = await _http!.SendAsync(request);

        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("order-\"42\"", response.Headers.GetValues(ModelServer.RequestIdHeader).Single());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("order-\"42\"", body.RootElement.GetProperty("request_id").GetString());
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{\"data\": []}", "'rows' array")]
    [InlineData("{\"rows\": []}", "'rows' has 0 rows")]
    public async Task Predict_MalformedBody_Returns400WithReason(string body, string expected)
    {
        var response = await _http!.PostAsync("/predict", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ListsLoadedModel()
    {
        var health = await _http!.GetFromJsonAsync<JsonElement>("/health");

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("1.0.0", health.GetProperty("models")[0].GetProperty("version").GetString());
    }

    [Fact]
    public async Task OpenApi_DescribesPredictAndInputColumns()
    {
        var doc = await _http!.GetFromJsonAsync<JsonElement>("/openapi.json");

        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.True(doc.GetProperty("paths").TryGetProperty("/predict", out _));
        var row = doc.GetProperty("components").GetProperty("schemas").GetProperty("Row");
        Assert.Equal(8, row.GetProperty("required").GetArrayLength());
        Assert.Equal(_server!.BaseAddress.ToString().TrimEnd('/'), doc.GetProperty("servers")[0].GetProperty("url").GetString());
    }

    [Fact]
    public async Task ModelsRoute_UnknownModel_Returns404NamingDeployedOnes()
    {
        var response = await _http!.PostAsync("/models/nope/predict", Json("{\"rows\": [{}]}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("dataset-loans-001-logistic-regression", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<double> DefaultProbabilityAsync(string row)
    {
        var response = await _http!.PostAsync("/predict", Json($$"""{"rows": [{{row}}]}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("predictions")[0].GetProperty("probabilities").GetProperty("1").GetDouble();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
