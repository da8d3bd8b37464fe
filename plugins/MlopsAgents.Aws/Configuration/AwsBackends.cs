using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Plugins;
using MlopsAgents.Aws.Storage;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Aws.Configuration;

/// <summary>Builds the configured backends; the embedded default stays local when nothing selects AWS.</summary>
public static class AwsBackends
{
    /// <summary>The artifact store the options select: S3 for MLOPS_ARTIFACT_STORE=s3://…, else the local store under <paramref name="localRoot"/>.</summary>
    public static IArtifactStore CreateArtifactStore(AwsBackendOptions options, string localRoot, AWSCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.UsesS3)
        {
            return new LocalArtifactStore(localRoot);
        }

        var s3 = CreateS3Client(options.Region!, options.S3Endpoint, credentials);
        return new S3ArtifactStore(s3, new S3ArtifactStoreOptions { Bucket = options.ArtifactBucket!, Prefix = options.ArtifactPrefix, KmsKeyId = options.KmsKeyId });
    }

    /// <summary>An S3 client for a region, or for an S3-compatible endpoint (path-style addressing, as s3rver and MinIO need).</summary>
    public static IAmazonS3 CreateS3Client(string region, Uri? endpoint, AWSCredentials? credentials = null)
    {
        var config = new AmazonS3Config();
        if (endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region;
        }

        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    /// <summary>The shared JSON client for SageMaker, Step Functions and CloudWatch, on the default credential chain.</summary>
    public static AwsJsonClient CreateJsonClient(AwsBackendOptions options, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new AwsJsonClient(http, new AwsClientOptions { Region = options.Region ?? throw new AwsConfigurationException(["AWS_REGION is not set."]), EndpointOverride = options.ServiceEndpoint }, new DefaultChainCredentialsSource());
    }

    /// <summary>
    /// The SageMaker-backed run for MLOPS_TRAINING_BACKEND=sagemaker: jobs through the shared JSON client (MLOPS_AWS_ENDPOINT
    /// or the public endpoint), polled every MLOPS_SAGEMAKER_POLL_SECONDS, data and models in the configured S3 store.
    /// </summary>
    public static SageMakerPipeline CreateSageMakerPipeline(AwsBackendOptions options, MlopsContext context, HttpClient http, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        if (options.Training != TrainingBackend.SageMaker || !options.UsesS3 || options.SageMakerRoleArn is null)
        {
            throw new AwsConfigurationException(["MLOPS_TRAINING_BACKEND=sagemaker with MLOPS_ARTIFACT_STORE=s3://… and MLOPS_SAGEMAKER_ROLE_ARN is needed for a SageMaker run."]);
        }

        var sagemaker = new SageMakerClient(CreateJsonClient(options, http));
        var training = new SageMakerTrainingService(sagemaker, (delay, ct) => Task.Delay(delay, ct), options.SageMakerPollInterval);
        var settings = new SageMakerRunSettings
        {
            Bucket = options.ArtifactBucket!,
            Prefix = options.ArtifactPrefix,
            RoleArn = options.SageMakerRoleArn,
            RegisterModelPackage = options.ModelRegistry == ModelRegistryBackend.SageMaker,
            KmsKeyId = options.KmsKeyId,
        };
        return new SageMakerPipeline(context, training, sagemaker, settings, progress);
    }

    /// <summary>The SageMaker endpoint deployer for MLOPS_DEPLOY_BACKEND=sagemaker, polling the endpoint every MLOPS_SAGEMAKER_POLL_SECONDS.</summary>
    public static SageMakerModelDeployer CreateSageMakerDeployer(AwsBackendOptions options, MlopsContext context, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Deploy != DeployBackend.SageMaker || options.SageMakerRoleArn is null)
        {
            throw new AwsConfigurationException(["MLOPS_DEPLOY_BACKEND='local' → `mlops deploy` puts SageMaker-trained models on SageMaker endpoints; set MLOPS_DEPLOY_BACKEND=sagemaker (with MLOPS_MODEL_REGISTRY=sagemaker). Local models are deployed by `mlops run` and switched by `mlops rollback`."]);
        }

        var json = CreateJsonClient(options, http);
        var deployment = new SageMakerDeploymentService(new SageMakerClient(json), new CloudWatch.CloudWatchClient(json));
        return new SageMakerModelDeployer(context, deployment, options.SageMakerRoleArn, options.AlarmTopicArn is null ? [] : [options.AlarmTopicArn],
            (delay, ct) => Task.Delay(delay, ct), options.SageMakerPollInterval);
    }
}
