using MlopsAgents.Aws.Http;

namespace MlopsAgents.Aws.Bedrock;

/// <summary>What the Bedrock Converse chat client needs: region, model id, an optional endpoint and credentials.</summary>
public sealed record BedrockConverseOptions
{
    public required string Region { get; init; }

    /// <summary>A Bedrock model id or inference profile, e.g. anthropic.claude-3-haiku-20240307-v1:0.</summary>
    public required string ModelId { get; init; }

    /// <summary>Replaces https://bedrock-runtime.{region}.amazonaws.com/ (tests, VPC endpoints).</summary>
    public Uri? EndpointOverride { get; init; }

    /// <summary>Null uses the AWS SDK's default credential chain.</summary>
    public IAwsCredentialsSource? Credentials { get; init; }

    /// <summary>Default maxTokens when the caller's ChatOptions set none.</summary>
    public int MaxTokens { get; init; } = 2048;
}
