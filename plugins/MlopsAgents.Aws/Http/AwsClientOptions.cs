namespace MlopsAgents.Aws.Http;

/// <summary>Where and how the shared JSON client talks to AWS.</summary>
public sealed record AwsClientOptions
{
    /// <summary>The AWS region, e.g. us-east-1; it picks the endpoint host and the signing scope.</summary>
    public required string Region { get; init; }

    /// <summary>Replaces https://{prefix}.{region}.amazonaws.com/ (a local stub, a VPC endpoint). Null uses the public endpoint.</summary>
    public Uri? EndpointOverride { get; init; }

    /// <summary>Attempts per call, the first included; throttling, 5xx and connection failures are retried.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Base of the exponential backoff; attempt n waits a random time in [0, min(MaxBackoff, BaseBackoff·2ⁿ)] (full jitter).</summary>
    public TimeSpan BaseBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Checks the values; the message names the field, the value and what is allowed.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Region) || !System.Text.RegularExpressions.Regex.IsMatch(Region, "^[a-z]{2}(-[a-z]+)+-[0-9]+$"))
        {
            throw new ArgumentException($"AwsClientOptions.Region '{Region}' is not an AWS region name; expected something like us-east-1 or eu-west-2.", nameof(Region));
        }

        if (EndpointOverride is { IsAbsoluteUri: false } || EndpointOverride is not null && EndpointOverride.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"AwsClientOptions.EndpointOverride '{EndpointOverride}' must be an absolute http:// or https:// URL.", nameof(EndpointOverride));
        }

        if (MaxAttempts is < 1 or > 20)
        {
            throw new ArgumentException($"AwsClientOptions.MaxAttempts {MaxAttempts} is out of range; allowed 1 to 20.", nameof(MaxAttempts));
        }

        if (BaseBackoff < TimeSpan.Zero || MaxBackoff < BaseBackoff)
        {
            throw new ArgumentException($"AwsClientOptions backoff base {BaseBackoff} and cap {MaxBackoff} must satisfy 0 <= base <= cap.", nameof(BaseBackoff));
        }
    }
}
