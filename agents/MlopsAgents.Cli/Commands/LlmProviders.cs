using Microsoft.Extensions.AI;
using MlopsAgents.Agents.Providers;
using MlopsAgents.Aws.Bedrock;

namespace MlopsAgents.Cli.Commands;

/// <summary>The CLI is the host that has both the agents and the AWS integration, so it plugs Bedrock Converse into the agents' provider seam.</summary>
internal static class CliLlmProviders
{
    public static ChatClientFactory Factory() => new(Converse);

    private static IChatClient Converse(LlmProviderOptions options) =>
        new BedrockConverseChatClient(new BedrockConverseOptions
        {
            // The provider options were validated before this runs: bedrock needs a region and a model.
            Region = options.Region!,
            ModelId = options.Model!,
        });
}
