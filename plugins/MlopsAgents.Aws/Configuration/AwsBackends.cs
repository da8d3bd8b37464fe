using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using MlopsAgents.Aws.Http;
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
}
