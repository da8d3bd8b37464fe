using MlopsAgents.Aws.Http;

namespace MlopsAgents.Aws.Tests.Http;

/// <summary>Tests that set process environment variables run alone, so no parallel test sees them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "process environment";
}

/// <summary>The shipped credential source reads the SDK's default chain; environment variables are its first link.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class DefaultChainCredentialsSourceTests
{
    [Fact]
    public async Task GetCredentialsAsync_EnvironmentKeys_ComeFromTheDefaultChain()
    {
        var saved = new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" }.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE");
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "env-secret");
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", "env-token");

            var credentials = await new DefaultChainCredentialsSource().GetCredentialsAsync(CancellationToken.None);

            Assert.Equal("AKIAENVEXAMPLE", credentials.AccessKey);
            Assert.Equal("env-secret", credentials.SecretKey);
            Assert.Equal("env-token", credentials.Token);
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
