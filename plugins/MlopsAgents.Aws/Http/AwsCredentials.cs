using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace MlopsAgents.Aws.Http;

/// <summary>Where request-signing credentials come from. The shipped source is the SDK's default chain; tests inject fixed keys.</summary>
public interface IAwsCredentialsSource
{
    Task<ImmutableCredentials> GetCredentialsAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The AWS SDK's default credential chain (environment, shared profile, SSO, web identity, ECS task role, EC2 instance
/// profile), resolved through AWSSDK.Core's <see cref="DefaultAWSCredentialsIdentityResolver"/>. The resolver caches and
/// refreshes temporary credentials itself, so each request asks it again.
/// </summary>
public sealed class DefaultChainCredentialsSource : IAwsCredentialsSource
{
    private readonly DefaultAWSCredentialsIdentityResolver _resolver = new();

    public async Task<ImmutableCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        var credentials = await _resolver.ResolveIdentityAsync(null, cancellationToken).ConfigureAwait(false);
        return await credentials.GetCredentialsAsync().ConfigureAwait(false);
    }
}

/// <summary>Fixed keys: for a local endpoint (a test stub, s3rver) that does not check them against IAM.</summary>
public sealed class StaticCredentialsSource(string accessKey, string secretKey, string? sessionToken = null) : IAwsCredentialsSource
{
    private readonly ImmutableCredentials _credentials = new(accessKey, secretKey, sessionToken);

    public Task<ImmutableCredentials> GetCredentialsAsync(CancellationToken cancellationToken) => Task.FromResult(_credentials);
}
