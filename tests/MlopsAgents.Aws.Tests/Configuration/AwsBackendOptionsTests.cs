using MlopsAgents.Aws.Configuration;
using MlopsAgents.Aws.Storage;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Aws.Tests.Configuration;

public sealed class AwsBackendOptionsTests
{
    private static AwsBackendOptions Read(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return AwsBackendOptions.FromVariables(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void FromVariables_NothingSet_StaysOnTheLocalEmbeddedDefault()
    {
        var options = Read();

        Assert.False(options.UsesAws);
        Assert.Equal(TrainingBackend.Local, options.Training);
        Assert.Equal(WorkflowBackend.Local, options.Workflow);
        Assert.IsType<LocalArtifactStore>(AwsBackends.CreateArtifactStore(options, Path.Combine(Path.GetTempPath(), "mlops-options-test")));
    }

    [Fact]
    public void FromVariables_S3StoreWithKms_SelectsS3WithBucketPrefixAndKey()
    {
        var options = Read(("MLOPS_ARTIFACT_STORE", "s3://mlops-artifacts-111122223333/team/a/"), ("AWS_REGION", "eu-west-1"), ("MLOPS_S3_KMS_KEY_ID", "alias/mlops"));

        var store = AwsBackends.CreateArtifactStore(options, "unused");

        Assert.Equal("mlops-artifacts-111122223333", options.ArtifactBucket);
        Assert.Equal("team/a", options.ArtifactPrefix);
        var s3 = Assert.IsType<S3ArtifactStore>(store);
        Assert.Equal("s3://mlops-artifacts-111122223333/team/a/models/m/1.0.0/model.zip", s3.LocationOf("models/m/1.0.0/model.zip"));
    }

    [Fact]
    public void FromVariables_SageMakerAndStepFunctions_ReadsRoleAndMachine()
    {
        var options = Read(
            ("MLOPS_ARTIFACT_STORE", "s3://bucket-1"), ("AWS_REGION", "us-east-1"),
            ("MLOPS_TRAINING_BACKEND", "SageMaker"), ("MLOPS_SAGEMAKER_ROLE_ARN", "arn:aws:iam::1:role/mlops-training"),
            ("MLOPS_WORKFLOW_BACKEND", "stepfunctions"), ("MLOPS_STATE_MACHINE_ARN", "arn:aws:states:us-east-1:1:stateMachine:mlops-training"),
            ("MLOPS_METRICS_BACKEND", "cloudwatch"));

        Assert.Equal(TrainingBackend.SageMaker, options.Training);
        Assert.Equal(WorkflowBackend.StepFunctions, options.Workflow);
        Assert.Equal(MetricsBackend.CloudWatch, options.Metrics);
    }

    [Fact]
    public void FromVariables_SeveralMistakes_ReportsEachWithVariableValueAndAllowed()
    {
        var e = Assert.Throws<AwsConfigurationException>(() => Read(
            ("MLOPS_ARTIFACT_STORE", "s3://Bad_Bucket"), ("MLOPS_TRAINING_BACKEND", "emr"), ("MLOPS_WORKFLOW_BACKEND", "stepfunctions")));

        Assert.Contains(e.Problems, p => p.Contains("MLOPS_ARTIFACT_STORE='s3://Bad_Bucket'") && p.Contains("s3://bucket/prefix"));
        Assert.Contains(e.Problems, p => p.Contains("MLOPS_TRAINING_BACKEND='emr'") && p.Contains("local, sagemaker"));
        Assert.Contains(e.Problems, p => p.Contains("AWS_REGION is not set"));
        Assert.Contains(e.Problems, p => p.Contains("MLOPS_STATE_MACHINE_ARN"));
    }

    [Fact]
    public void FromVariables_SageMakerWithoutS3_ExplainsWhyS3IsNeeded()
    {
        var e = Assert.Throws<AwsConfigurationException>(() => Read(
            ("AWS_REGION", "us-east-1"), ("MLOPS_TRAINING_BACKEND", "sagemaker"), ("MLOPS_SAGEMAKER_ROLE_ARN", "arn:aws:iam::1:role/r")));

        Assert.Contains(e.Problems, p => p.Contains("MLOPS_TRAINING_BACKEND=sagemaker needs MLOPS_ARTIFACT_STORE=s3://"));
    }
}
