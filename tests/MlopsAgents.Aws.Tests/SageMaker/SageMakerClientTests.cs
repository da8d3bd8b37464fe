using System.Text.Json.Nodes;
using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Aws.Tests.Support;

namespace MlopsAgents.Aws.Tests.SageMaker;

public sealed class SageMakerClientTests
{
    private const string Role = "arn:aws:iam::111122223333:role/mlops-training";

    private static TrainingJobSpec Spec(TrainingAlgorithm algorithm = TrainingAlgorithm.XGBoost) => new()
    {
        JobName = "churn-20251124-1",
        Algorithm = algorithm,
        RoleArn = Role,
        Channels = [new TrainingChannel("train", "s3://mlops-bucket/datasets/churn/processed/train/")],
        OutputS3Uri = "s3://mlops-bucket/models/churn/",
        InstanceType = "ml.m5.xlarge",
        HyperParameters = new Dictionary<string, string> { ["num_round"] = "100", ["objective"] = "binary:logistic" },
    };

    [Fact]
    public async Task CreateTrainingJobAsync_XGBoostOnSpot_SendsDocumentedShape()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok("""{"TrainingJobArn":"arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-20251124-1"}"""));
        using var clients = new StubClients(stub);
        var spec = Spec() with { Spot = new SpotSettings("s3://mlops-bucket/checkpoints/churn/", 7200), OutputKmsKeyId = "alias/mlops" };

        var arn = await new SageMakerClient(clients.Client).CreateTrainingJobAsync(spec);

        var request = Assert.Single(stub.Requests);
        Assert.Null(request.SignatureProblem);
        Assert.Equal("SageMaker.CreateTrainingJob", request.Header("X-Amz-Target"));
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("churn-20251124-1", body["TrainingJobName"]!.GetValue<string>());
        Assert.Equal("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", body["AlgorithmSpecification"]!["TrainingImage"]!.GetValue<string>());
        Assert.Equal("File", body["AlgorithmSpecification"]!["TrainingInputMode"]!.GetValue<string>());
        Assert.Equal(Role, body["RoleArn"]!.GetValue<string>());
        var source = body["InputDataConfig"]![0]!["DataSource"]!["S3DataSource"]!;
        Assert.Equal("S3Prefix", source["S3DataType"]!.GetValue<string>());
        Assert.Equal("s3://mlops-bucket/datasets/churn/processed/train/", source["S3Uri"]!.GetValue<string>());
        Assert.Equal("alias/mlops", body["OutputDataConfig"]!["KmsKeyId"]!.GetValue<string>());
        Assert.Equal("ml.m5.xlarge", body["ResourceConfig"]!["InstanceType"]!.GetValue<string>());
        Assert.True(body["EnableManagedSpotTraining"]!.GetValue<bool>());
        Assert.Equal(3600, body["StoppingCondition"]!["MaxRuntimeInSeconds"]!.GetValue<int>());
        Assert.Equal(7200, body["StoppingCondition"]!["MaxWaitTimeInSeconds"]!.GetValue<int>());
        Assert.Equal("s3://mlops-bucket/checkpoints/churn/", body["CheckpointConfig"]!["S3Uri"]!.GetValue<string>());
        Assert.Equal("100", body["HyperParameters"]!["num_round"]!.GetValue<string>());
        Assert.EndsWith("training-job/churn-20251124-1", arn, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TrainingAlgorithm.KMeans, "eu-west-1", "438346466558.dkr.ecr.eu-west-1.amazonaws.com/kmeans:1")]
    [InlineData(TrainingAlgorithm.Pca, "us-west-2", "174872318107.dkr.ecr.us-west-2.amazonaws.com/pca:1")]
    [InlineData(TrainingAlgorithm.XGBoost, "eu-central-1", "492215442770.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-xgboost:1.7-1")]
    public void TrainingImage_BuiltInAlgorithm_UsesRegionalRegistry(TrainingAlgorithm algorithm, string region, string expected)
    {
        Assert.Equal(expected, BuiltInAlgorithmImages.TrainingImage(algorithm, region));
    }

    [Fact]
    public void TrainingImage_UnknownRegion_ListsSupportedRegions()
    {
        var e = Assert.Throws<ArgumentException>(() => BuiltInAlgorithmImages.TrainingImage(TrainingAlgorithm.KMeans, "xx-nowhere-9"));

        Assert.Contains("'xx-nowhere-9'", e.Message);
        Assert.Contains("us-east-1", e.Message);
    }

    [Fact]
    public void BuildCreateTrainingJob_ScriptMode_PassesEntryPointAsJsonHyperParameters()
    {
        var spec = Spec(TrainingAlgorithm.Script) with { Script = new ScriptModeSettings("train.py", "s3://mlops-bucket/code/sourcedir.tar.gz") };

        var body = SageMakerClient.BuildCreateTrainingJob(spec, "us-east-1");

        var hp = body["HyperParameters"]!;
        Assert.Equal("\"train.py\"", hp["sagemaker_program"]!.GetValue<string>());
        Assert.Equal("\"s3://mlops-bucket/code/sourcedir.tar.gz\"", hp["sagemaker_submit_directory"]!.GetValue<string>());
        Assert.Equal("\"100\"", hp["num_round"]!.GetValue<string>());
        Assert.Contains("sagemaker-scikit-learn", body["AlgorithmSpecification"]!["TrainingImage"]!.GetValue<string>());
    }

    [Fact]
    public void BuildCreateTrainingJob_SpotWaitBelowRuntime_IsRejectedWithBothValues()
    {
        var spec = Spec() with { MaxRuntimeInSeconds = 3600, Spot = new SpotSettings("s3://b/c/", 1800) };

        var e = Assert.Throws<ArgumentException>(() => SageMakerClient.BuildCreateTrainingJob(spec, "us-east-1"));

        Assert.Contains("MaxWaitTimeInSeconds 1800", e.Message);
        Assert.Contains("MaxRuntimeInSeconds 3600", e.Message);
    }

    [Fact]
    public void BuildCreateTrainingJob_InvalidJobName_NamesFieldAndPattern()
    {
        var e = Assert.Throws<ArgumentException>(() => SageMakerClient.BuildCreateTrainingJob(Spec() with { JobName = "bad_name" }, "us-east-1"));

        Assert.Contains("TrainingJobName 'bad_name'", e.Message);
    }

    [Fact]
    public async Task DescribeTrainingJobAsync_CompletedJob_ReadsStatusAndArtifacts()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(StubResponse.Ok("""
            {"TrainingJobName":"churn-1","TrainingJobArn":"arn","TrainingJobStatus":"Completed","SecondaryStatus":"Completed",
             "ModelArtifacts":{"S3ModelArtifacts":"s3://mlops-bucket/models/churn/churn-1/output/model.tar.gz"},
             "TrainingTimeInSeconds":420,"BillableTimeInSeconds":126}
            """));
        using var clients = new StubClients(stub);

        var job = await new SageMakerClient(clients.Client).DescribeTrainingJobAsync("churn-1");

        Assert.Equal("SageMaker.DescribeTrainingJob", stub.Requests[0].Header("X-Amz-Target"));
        Assert.Equal("""{"TrainingJobName":"churn-1"}""", stub.Requests[0].Body);
        Assert.Equal("Completed", job.Status);
        Assert.Equal("s3://mlops-bucket/models/churn/churn-1/output/model.tar.gz", job.ModelArtifactS3Uri);
        Assert.Equal(126, job.BillableTimeInSeconds);
    }

    [Fact]
    public async Task ModelRegistry_GroupPackageApproval_SendsEachOperation()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(
            StubResponse.Ok("""{"ModelPackageGroupArn":"arn:aws:sagemaker:us-east-1:1:model-package-group/churn"}"""),
            StubResponse.Ok("""{"ModelPackageArn":"arn:aws:sagemaker:us-east-1:1:model-package/churn/1"}"""),
            StubResponse.Ok("""{"ModelPackageArn":"arn:aws:sagemaker:us-east-1:1:model-package/churn/1"}"""));
        using var clients = new StubClients(stub);
        var sagemaker = new SageMakerClient(clients.Client);

        await sagemaker.CreateModelPackageGroupAsync("churn", "Churn classifier");
        var package = await sagemaker.CreateModelPackageAsync("churn", "img:1", "s3://b/model.tar.gz", ModelApprovalStatus.PendingManualApproval, "v1.0.0",
            new Dictionary<string, string> { ["mlops_version"] = "1.0.0" });
        await sagemaker.UpdateModelPackageApprovalAsync(package, ModelApprovalStatus.Approved, "Judge passed");

        Assert.Equal(["SageMaker.CreateModelPackageGroup", "SageMaker.CreateModelPackage", "SageMaker.UpdateModelPackage"], stub.Requests.Select(r => r.Header("X-Amz-Target")));
        Assert.All(stub.Requests, r => Assert.Null(r.SignatureProblem));
        Assert.Equal("""{"ModelPackageGroupName":"churn","ModelPackageGroupDescription":"Churn classifier"}""", stub.Requests[0].Body);
        var create = JsonNode.Parse(stub.Requests[1].Body)!;
        Assert.Equal("PendingManualApproval", create["ModelApprovalStatus"]!.GetValue<string>());
        Assert.Equal("s3://b/model.tar.gz", create["InferenceSpecification"]!["Containers"]![0]!["ModelDataUrl"]!.GetValue<string>());
        Assert.Null(create["InferenceSpecification"]!["Containers"]![0]!["Environment"]);
        Assert.Equal("1.0.0", create["CustomerMetadataProperties"]!["mlops_version"]!.GetValue<string>());
        var update = JsonNode.Parse(stub.Requests[2].Body)!;
        Assert.Equal(package, update["ModelPackageArn"]!.GetValue<string>());
        Assert.Equal("Approved", update["ModelApprovalStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task Endpoint_CreateModelConfigEndpointAndCanaryUpdate_SendsGuardrails()
    {
        await using var stub = await AwsStub.StartAsync();
        stub.Reply(
            StubResponse.Ok("""{"ModelArn":"arn:m"}"""),
            StubResponse.Ok("""{"EndpointConfigArn":"arn:c"}"""),
            StubResponse.Ok("""{"EndpointArn":"arn:e"}"""),
            StubResponse.Ok("""{"EndpointArn":"arn:e"}"""));
        using var clients = new StubClients(stub);
        var sagemaker = new SageMakerClient(clients.Client);

        await sagemaker.CreateModelAsync("churn-1-0-0", "arn:aws:sagemaker:us-east-1:1:model-package/churn/1", Role);
        await sagemaker.CreateEndpointConfigAsync("churn-1-0-0", "churn-1-0-0", "ml.m5.large", 2);
        await sagemaker.CreateEndpointAsync("churn", "churn-1-0-0");
        await sagemaker.UpdateEndpointAsync("churn", "churn-1-1-0", new DeploymentGuardrails(TrafficShift.Canary, 10, 600, ["churn-5xx", "churn-latency"]));

        Assert.Equal(["SageMaker.CreateModel", "SageMaker.CreateEndpointConfig", "SageMaker.CreateEndpoint", "SageMaker.UpdateEndpoint"], stub.Requests.Select(r => r.Header("X-Amz-Target")));
        Assert.Equal("arn:aws:sagemaker:us-east-1:1:model-package/churn/1", JsonNode.Parse(stub.Requests[0].Body)!["PrimaryContainer"]!["ModelPackageName"]!.GetValue<string>());
        var variant = JsonNode.Parse(stub.Requests[1].Body)!["ProductionVariants"]![0]!;
        Assert.Equal(2, variant["InitialInstanceCount"]!.GetValue<int>());
        var deployment = JsonNode.Parse(stub.Requests[3].Body)!["DeploymentConfig"]!;
        var routing = deployment["BlueGreenUpdatePolicy"]!["TrafficRoutingConfiguration"]!;
        Assert.Equal("CANARY", routing["Type"]!.GetValue<string>());
        Assert.Equal(600, routing["WaitIntervalInSeconds"]!.GetValue<int>());
        Assert.Equal("CAPACITY_PERCENT", routing["CanarySize"]!["Type"]!.GetValue<string>());
        Assert.Equal(10, routing["CanarySize"]!["Value"]!.GetValue<int>());
        Assert.Equal(["churn-5xx", "churn-latency"], deployment["AutoRollbackConfiguration"]!["Alarms"]!.AsArray().Select(a => a!["AlarmName"]!.GetValue<string>()));
    }

    [Fact]
    public void BuildDeploymentConfig_Linear_UsesLinearStepSize()
    {
        var config = SageMakerClient.BuildDeploymentConfig(new DeploymentGuardrails(TrafficShift.Linear, 25, 300, []));

        var routing = config["BlueGreenUpdatePolicy"]!["TrafficRoutingConfiguration"]!;
        Assert.Equal("LINEAR", routing["Type"]!.GetValue<string>());
        Assert.Equal(25, routing["LinearStepSize"]!["Value"]!.GetValue<int>());
        Assert.Null(routing["CanarySize"]);
        Assert.Null(config["AutoRollbackConfiguration"]);
    }

    [Fact]
    public void BuildDeploymentConfig_StepOutOfRange_NamesTheAllowedRange()
    {
        var e = Assert.Throws<ArgumentException>(() => SageMakerClient.BuildDeploymentConfig(new DeploymentGuardrails(TrafficShift.Canary, 100, 60, [])));

        Assert.Contains("StepPercent 100", e.Message);
        Assert.Contains("1 to 99", e.Message);
    }
}
