using System.Text.Json.Nodes;
using MlopsAgents.Aws.CloudWatch;
using MlopsAgents.Aws.Resources;
using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Aws.Tests.Support;

namespace MlopsAgents.Aws.Tests.SageMaker;

public sealed class SageMakerServicesTests
{
    private const string Role = "arn:aws:iam::111122223333:role/mlops-dev-training";

    private static SageMakerTrainingRequest Training(PerformanceProfile profile) => new()
    {
        JobName = "churn-20261124-1",
        Algorithm = TrainingAlgorithm.XGBoost,
        RoleArn = Role,
        Channels = [new TrainingChannel("train", "s3://b/mlops/datasets/churn/processed/train/")],
        OutputS3Uri = "s3://b/mlops/models/churn/",
        CheckpointS3Uri = "s3://b/mlops/checkpoints/",
        DatasetBytes = 200L * 1024 * 1024,
        Profile = profile,
    };

    private static StubResponse Job(string status, string? artifacts = null) => StubResponse.Ok(new JsonObject
    {
        ["TrainingJobName"] = "churn-20261124-1",
        ["TrainingJobStatus"] = status,
        ["SecondaryStatus"] = status == "InProgress" ? "Training" : status,
        ["ModelArtifacts"] = artifacts is null ? null : new JsonObject { ["S3ModelArtifacts"] = artifacts },
        ["BillableTimeInSeconds"] = status == "Completed" ? 95 : null,
    }.ToJsonString());

    [Fact]
    public async Task RunAsync_CostProfile_StartsSpotJobAndPollsUntilCompleted()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok("""{"TrainingJobArn":"arn:job"}"""), Job("InProgress"), Job("InProgress"), Job("Completed", "s3://b/mlops/models/churn/churn-20261124-1/output/model.tar.gz"));
        using var clients = new StubClients(stub);
        var waits = new List<TimeSpan>();
        var service = new SageMakerTrainingService(new SageMakerClient(clients.Client), (d, _) => { waits.Add(d); return Task.CompletedTask; }, TimeSpan.FromSeconds(30));

        var result = await service.RunAsync(Training(PerformanceProfile.Cost));

        Assert.True(result.Succeeded);
        Assert.Equal(3, result.Polls);
        Assert.Equal([TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)], waits);
        Assert.Equal("s3://b/mlops/models/churn/churn-20261124-1/output/model.tar.gz", result.ModelArtifactS3Uri);
        Assert.Equal(95, result.BillableTimeInSeconds);
        var create = JsonNode.Parse(stub.Requests[0].Body)!;
        Assert.Equal("ml.m5.large", create["ResourceConfig"]!["InstanceType"]!.GetValue<string>());
        Assert.True(create["EnableManagedSpotTraining"]!.GetValue<bool>());
        Assert.Equal("s3://b/mlops/checkpoints/churn-20261124-1/", create["CheckpointConfig"]!["S3Uri"]!.GetValue<string>());
        Assert.Equal("small", create["Tags"]![0]!["Value"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunAsync_PerformanceProfileJobFails_ReturnsFailureReasonOnDemand()
    {
        await using var stub = await AwsStub.StartAsync();
        var failed = JsonNode.Parse(Job("Failed").Body)!.AsObject();
        failed["FailureReason"] = "AlgorithmError: label column must be numeric";
        stub.Reply(StubResponse.Ok("""{"TrainingJobArn":"arn:job"}"""), StubResponse.Ok(failed.ToJsonString()));
        using var clients = new StubClients(stub);
        var service = new SageMakerTrainingService(new SageMakerClient(clients.Client), (_, _) => Task.CompletedTask, TimeSpan.FromSeconds(30));

        var result = await service.RunAsync(Training(PerformanceProfile.Performance));

        Assert.False(result.Succeeded);
        Assert.Equal("AlgorithmError: label column must be numeric", result.FailureReason);
        Assert.Null(JsonNode.Parse(stub.Requests[0].Body)!["EnableManagedSpotTraining"]);
    }

    [Fact]
    public async Task RegisterAsync_GroupExists_StillCreatesThePackage()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(
            StubResponse.Error(400, "ValidationException", "Model Package Group already exists: arn:aws:sagemaker:us-east-1:1:model-package-group/churn"),
            StubResponse.Ok("""{"ModelPackageArn":"arn:aws:sagemaker:us-east-1:1:model-package/churn/2"}"""));
        using var clients = new StubClients(stub);
        var service = new SageMakerDeploymentService(new SageMakerClient(clients.Client), new CloudWatchClient(clients.Client));

        var arn = await service.RegisterAsync("churn", "1.1.0", "img", "s3://b/m.tar.gz", new Dictionary<string, string>());

        Assert.Equal("arn:aws:sagemaker:us-east-1:1:model-package/churn/2", arn);
        Assert.Equal("PendingManualApproval", JsonNode.Parse(stub.Requests[1].Body)!["ModelApprovalStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeployAsync_ExistingEndpoint_PutsRollbackAlarmsAndShiftsTrafficUnderGuardrails()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(
            StubResponse.Ok("""{"ModelArn":"arn:m"}"""),
            StubResponse.Ok("""{"EndpointConfigArn":"arn:c"}"""),
            StubResponse.Ok(string.Empty),
            StubResponse.Ok(string.Empty),
            StubResponse.Ok("""{"EndpointName":"churn","EndpointStatus":"InService"}"""),
            StubResponse.Ok("""{"EndpointArn":"arn:e"}"""));
        using var clients = new StubClients(stub);
        var service = new SageMakerDeploymentService(new SageMakerClient(clients.Client), new CloudWatchClient(clients.Client));

        var result = await service.DeployAsync(new SageMakerDeploymentRequest
        {
            EndpointName = "churn", ModelPackageArn = "arn:pkg/2", Version = "1.1.0", ExecutionRoleArn = Role, InstanceType = "ml.m5.large",
            Shift = TrafficShift.Linear, StepPercent = 25, WaitIntervalInSeconds = 300, AlarmActions = ["arn:aws:sns:us-east-1:1:mlops-dev-alarms"],
        });

        Assert.Equal(
            ["SageMaker.CreateModel", "SageMaker.CreateEndpointConfig", "GraniteServiceVersion20100801.PutMetricAlarm", "GraniteServiceVersion20100801.PutMetricAlarm", "SageMaker.DescribeEndpoint", "SageMaker.UpdateEndpoint"],
            stub.Requests.Select(r => r.Header("X-Amz-Target")));
        Assert.False(result.Created);
        Assert.Equal("churn-1-1-0", result.ModelName);
        Assert.Equal(["mlops-churn-5xx", "mlops-churn-latency"], result.RollbackAlarms);
        var update = JsonNode.Parse(stub.Requests[5].Body)!;
        Assert.Equal("churn-1-1-0", update["EndpointConfigName"]!.GetValue<string>());
        Assert.Equal("LINEAR", update["DeploymentConfig"]!["BlueGreenUpdatePolicy"]!["TrafficRoutingConfiguration"]!["Type"]!.GetValue<string>());
        Assert.Equal(["mlops-churn-5xx", "mlops-churn-latency"], update["DeploymentConfig"]!["AutoRollbackConfiguration"]!["Alarms"]!.AsArray().Select(a => a!["AlarmName"]!.GetValue<string>()));
    }

    [Fact]
    public async Task DeployAsync_NoEndpointYet_CreatesIt()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(
            StubResponse.Ok("""{"ModelArn":"arn:m"}"""),
            StubResponse.Ok("""{"EndpointConfigArn":"arn:c"}"""),
            StubResponse.Ok(string.Empty),
            StubResponse.Ok(string.Empty),
            StubResponse.Error(400, "ValidationException", "Could not find endpoint \"churn\"."),
            StubResponse.Ok("""{"EndpointArn":"arn:e"}"""));
        using var clients = new StubClients(stub);
        var service = new SageMakerDeploymentService(new SageMakerClient(clients.Client), new CloudWatchClient(clients.Client));

        var result = await service.DeployAsync(new SageMakerDeploymentRequest { EndpointName = "churn", ModelPackageArn = "arn:pkg/1", Version = "1.0.0", ExecutionRoleArn = Role, InstanceType = "ml.m5.large" });

        Assert.True(result.Created);
        Assert.Equal("SageMaker.CreateEndpoint", stub.Requests[5].Header("X-Amz-Target"));
        Assert.Equal("""{"EndpointName":"churn","EndpointConfigName":"churn-1-0-0"}""", stub.Requests[5].Body);
    }
}
