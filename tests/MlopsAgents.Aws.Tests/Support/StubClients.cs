using MlopsAgents.Aws.Http;

namespace MlopsAgents.Aws.Tests.Support;

/// <summary>Builds the shared JSON client against a stub, with recorded (not slept) retry delays and a fixed clock.</summary>
public sealed class StubClients : IDisposable
{
    public StubClients(AwsStub stub, int maxAttempts = 4)
    {
        Http = new HttpClient();
        Client = new AwsJsonClient(
            Http,
            new AwsClientOptions { Region = "us-east-1", EndpointOverride = stub.Endpoint, MaxAttempts = maxAttempts },
            new StaticCredentialsSource(AwsStub.AccessKey, AwsStub.SecretKey),
            delay: (d, _) =>
            {
                Delays.Add(d);
                return Task.CompletedTask;
            },
            jitter: new Random(7));
    }

    public HttpClient Http { get; }

    public AwsJsonClient Client { get; }

    public List<TimeSpan> Delays { get; } = [];

    public void Dispose() => Http.Dispose();
}
