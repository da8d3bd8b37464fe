using System.CommandLine;
using MlopsAgents.Aws.Infrastructure;

namespace MlopsAgents.Cli.Commands;

/// <summary>
/// <c>mlops deploy-infra</c>: the AWS deployment of infra/cloudformation. With --dry-run it prints the stacks, their
/// parameters and every resource the templates declare; without it, it prints the bash script of AWS CLI commands that
/// deploys them. It never calls AWS itself: the project has no CloudFormation client, and the operator's own AWS CLI
/// session (SSO, MFA) is the safer place for account-wide changes.
/// </summary>
internal static class DeployInfraCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be created (stacks, parameters, resources) without calling AWS." };
        var environment = new Option<string>("--environment") { Description = "Environment name in resource names.", DefaultValueFactory = _ => "dev" };
        var region = new Option<string?>("--region") { Description = "AWS region; default AWS_REGION." };
        var image = new Option<string?>("--image-uri") { Description = "MCP server image in ECR (infra/docker/mcp-server.Dockerfile)." };
        var webhookImage = new Option<string?>("--webhook-image-uri") { Description = "Webhook receiver image in ECR (infra/docker/webhook.Dockerfile)." };
        var mcpUrl = new Option<string?>("--mcp-url") { Description = "MCP endpoint the Step Functions task functions call, e.g. https://mlops.example.com/mcp (default: the load balancer's name)." };
        var vpc = new Option<string?>("--vpc-id") { Description = "VPC for the load balancer and tasks." };
        var publicSubnets = new Option<string?>("--public-subnets") { Description = "Comma-separated subnet ids (2+ zones) for the load balancer." };
        var serviceSubnets = new Option<string?>("--service-subnets") { Description = "Comma-separated subnet ids for the tasks." };
        var certificate = new Option<string?>("--certificate-arn") { Description = "ACM certificate for HTTPS; without it the ALB serves HTTP (tests only)." };
        var publicIp = new Option<bool>("--assign-public-ip") { Description = "Give tasks a public IP (needed when the service subnets are public, as in a default VPC)." };
        var alarmEmail = new Option<string?>("--alarm-email") { Description = "E-mail subscribed to the alarm topic." };
        var bedrockModel = new Option<string?>("--bedrock-model-id") { Description = "Bedrock model the agents may invoke." };
        var repoRoot = new Option<string?>("--repo-root") { Description = "Repository root holding infra/; default the current directory." };
        var command = new Command("deploy-infra", "Plan (--dry-run) or print the AWS CLI script that deploys the CloudFormation stacks in infra/cloudformation.")
        {
            dryRun, environment, region, image, webhookImage, mcpUrl, vpc, publicSubnets, serviceSubnets, certificate, publicIp, alarmEmail, bedrockModel, repoRoot,
        };
        command.SetAction(parse =>
        {
            var regionName = parse.GetValue(region) ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
            if (string.IsNullOrWhiteSpace(regionName))
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, "--region is required (or set AWS_REGION), e.g. --region us-east-1.");
            }

            var settings = new InfraSettings
            {
                Environment = parse.GetValue(environment)!,
                Region = regionName,
                ImageUri = parse.GetValue(image),
                WebhookImageUri = parse.GetValue(webhookImage),
                McpUrl = parse.GetValue(mcpUrl),
                VpcId = parse.GetValue(vpc),
                PublicSubnetIds = Split(parse.GetValue(publicSubnets)),
                ServiceSubnetIds = Split(parse.GetValue(serviceSubnets)),
                CertificateArn = parse.GetValue(certificate),
                AssignPublicIp = parse.GetValue(publicIp),
                AlarmEmail = parse.GetValue(alarmEmail),
                BedrockModelId = parse.GetValue(bedrockModel),
            };
            InfraPlan plan;
            try
            {
                plan = InfraPlan.Create(settings, Path.GetFullPath(parse.GetValue(repoRoot) ?? Environment.CurrentDirectory));
            }
            catch (Exception e) when (e is ArgumentException or FileNotFoundException or InvalidDataException)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }

            if (parse.GetValue(dryRun))
            {
                Console.Write(plan.Describe());
                return CliEnvironment.Ok;
            }

            if (plan.Problems.Count > 0)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, "deploy-infra needs: " + string.Join(" ", plan.Problems) + " (--dry-run shows the plan without them).");
            }

            Console.Error.WriteLine("deploy-infra prints the deployment script and does not call AWS; run it with: mlops deploy-infra ... > deploy.sh && bash deploy.sh");
            Console.Write(plan.Script());
            return CliEnvironment.Ok;
        });
        return command;
    }

    private static IReadOnlyList<string> Split(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
