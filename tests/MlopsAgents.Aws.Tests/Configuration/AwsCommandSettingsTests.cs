using MlopsAgents.Aws.Configuration;

namespace MlopsAgents.Aws.Tests.Configuration;

/// <summary>The settings the SageMaker and Step Functions commands read: registry, deployment, alarms and the poll interval.</summary>
public sealed class AwsCommandSettingsTests
{
    private static readonly (string, string)[] SageMakerTraining =
    [
        ("MLOPS_ARTIFACT_STORE", "s3://mlops-artifacts/team"),
        ("AWS_REGION", "us-east-1"),
        ("MLOPS_TRAINING_BACKEND", "sagemaker"),
        ("MLOPS_SAGEMAKER_ROLE_ARN", "arn:aws:iam::111122223333:role/mlops-dev-training"),
    ];

    private static AwsBackendOptions Read(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return AwsBackendOptions.FromVariables(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void FromVariables_SageMakerRegistryDeployAndPolling_ReadsThemAll()
    {
        var options = Read([.. SageMakerTraining, ("MLOPS_MODEL_REGISTRY", "sagemaker"), ("MLOPS_DEPLOY_BACKEND", "SageMaker"), ("MLOPS_SAGEMAKER_POLL_SECONDS", "0"),
            ("MLOPS_ALARM_TOPIC_ARN", "arn:aws:sns:us-east-1:111122223333:mlops-alarms")]);

        Assert.Equal(ModelRegistryBackend.SageMaker, options.ModelRegistry);
        Assert.Equal(DeployBackend.SageMaker, options.Deploy);
        Assert.Equal(TimeSpan.Zero, options.SageMakerPollInterval);
        Assert.Equal("arn:aws:sns:us-east-1:111122223333:mlops-alarms", options.AlarmTopicArn);
    }

    [Fact]
    public void FromVariables_PollIntervalUnset_DefaultsToThirtySeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), Read(SageMakerTraining).SageMakerPollInterval);
    }

    [Theory]
    [InlineData("MLOPS_SAGEMAKER_POLL_SECONDS", "3601", "MLOPS_SAGEMAKER_POLL_SECONDS='3601' is not allowed; use whole seconds from 0 to 3600.")]
    [InlineData("MLOPS_SAGEMAKER_POLL_SECONDS", "-1", "MLOPS_SAGEMAKER_POLL_SECONDS='-1' is not allowed")]
    [InlineData("MLOPS_MODEL_REGISTRY", "mlflow", "MLOPS_MODEL_REGISTRY='mlflow' is not allowed; use one of: local, sagemaker.")]
    [InlineData("MLOPS_DEPLOY_BACKEND", "sagemaker", "MLOPS_DEPLOY_BACKEND=sagemaker deploys SageMaker model packages; it needs MLOPS_MODEL_REGISTRY=sagemaker")]
    public void FromVariables_BadCommandSetting_NamesTheVariable(string variable, string value, string expected)
    {
        var e = Assert.Throws<AwsConfigurationException>(() => Read([.. SageMakerTraining, (variable, value)]));

        Assert.Contains(e.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void FromVariables_SageMakerRegistryWithLocalTraining_IsRefused()
    {
        var e = Assert.Throws<AwsConfigurationException>(() => Read(("AWS_REGION", "us-east-1"), ("MLOPS_MODEL_REGISTRY", "sagemaker")));

        Assert.Contains(e.Problems, p => p.StartsWith("MLOPS_MODEL_REGISTRY=sagemaker records SageMaker-trained models", StringComparison.Ordinal));
    }
}
