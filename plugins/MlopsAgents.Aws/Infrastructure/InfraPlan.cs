using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace MlopsAgents.Aws.Infrastructure;

/// <summary>What the operator chooses for a deployment; the MCP server stack needs the network and image settings.</summary>
public sealed record InfraSettings
{
    public string Environment { get; init; } = "dev";
    public required string Region { get; init; }
    public string? ImageUri { get; init; }

    /// <summary>The webhook receiver's image (infra/docker/webhook.Dockerfile); without it the script builds and pushes one.</summary>
    public string? WebhookImageUri { get; init; }

    /// <summary>The MCP endpoint the task forwarder functions call; without it they use the load balancer's DNS name (fine without a certificate).</summary>
    public string? McpUrl { get; init; }
    public string? VpcId { get; init; }
    public IReadOnlyList<string> PublicSubnetIds { get; init; } = [];
    public IReadOnlyList<string> ServiceSubnetIds { get; init; } = [];
    public string? CertificateArn { get; init; }

    /// <summary>Tasks in public subnets (a default VPC) need a public IP to pull their image; private subnets with NAT do not.</summary>
    public bool AssignPublicIp { get; init; }

    public string? AlarmEmail { get; init; }
    public string? BedrockModelId { get; init; }
}

/// <summary>
/// One CloudFormation stack: its name, template, parameters, the IAM capability it needs, the resources it declares
/// (Fn::ForEach loops expanded) and whether it uses a transform (AWS::LanguageExtensions needs CAPABILITY_AUTO_EXPAND).
/// </summary>
public sealed record StackPlan(string StackName, string TemplatePath, IReadOnlyList<KeyValuePair<string, string>> Parameters, bool NeedsNamedIam, IReadOnlyList<(string LogicalId, string Type)> Resources, bool NeedsAutoExpand = false);

/// <summary>
/// The deployment of infra/cloudformation as six stacks in dependency order (storage → secrets → iam → workflow →
/// mcp-server → tasks, linked by exports). It reads each template to list what it creates, and writes the exact AWS CLI
/// commands that deploy them; the project does not call the CloudFormation API itself.
/// </summary>
public sealed partial class InfraPlan
{
    private const string Missing = "<missing>";
    private readonly InfraSettings _settings;

    private InfraPlan(InfraSettings settings, IReadOnlyList<StackPlan> stacks, IReadOnlyList<string> problems)
    {
        _settings = settings;
        Stacks = stacks;
        Problems = problems;
    }

    public IReadOnlyList<StackPlan> Stacks { get; }

    /// <summary>Settings the full deployment still lacks (each names its option); empty when the script can run.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Where the uploaded state machine definition goes in the artifact bucket.</summary>
    public const string DefinitionKey = "mlops/infra/mlops-training.asl.json";

    public static InfraPlan Create(InfraSettings settings, string repositoryRoot)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<string>();
        if (!EnvironmentPattern().IsMatch(settings.Environment))
        {
            throw new ArgumentException($"--environment '{settings.Environment}' is not allowed; use 1-16 lower-case letters, digits and hyphens (dev, staging, prod).", nameof(settings));
        }

        if (!RegionPattern().IsMatch(settings.Region ?? string.Empty))
        {
            throw new ArgumentException($"--region '{settings.Region}' is not an AWS region name; expected something like us-east-1.", nameof(settings));
        }

        if (settings.VpcId is null)
        {
            problems.Add("--vpc-id: the VPC for the load balancer and the tasks.");
        }

        if (settings.PublicSubnetIds.Count < 2)
        {
            problems.Add("--public-subnets: two or more subnet ids in different zones, comma-separated, for the load balancer.");
        }

        if (settings.ServiceSubnetIds.Count < 1)
        {
            problems.Add("--service-subnets: one or two subnet ids, comma-separated, for the task.");
        }
        else if (settings.ServiceSubnetIds.Count > 2)
        {
            problems.Add($"--service-subnets: '{string.Join(',', settings.ServiceSubnetIds)}' has {settings.ServiceSubnetIds.Count} subnets; give one or two (the MLOPS_HOME file system gets a mount target in each).");
        }

        var env = settings.Environment;
        var folder = Path.Combine(repositoryRoot, "infra", "cloudformation");
        StackPlan Stack(string name, bool iam, params (string Key, string? Value)[] parameters)
        {
            var template = Path.Combine(folder, name + ".yaml");
            return new StackPlan(
                $"mlops-{env}-{name}",
                template,
                parameters.Where(p => p.Value is not null || p.Key is "ImageUri" or "VpcId" or "PublicSubnetIds" or "ServiceSubnetIds")
                    .Select(p => new KeyValuePair<string, string>(p.Key, p.Value ?? Missing)).ToList(),
                iam,
                ReadResources(template),
                UsesTransform(template));
        }

        var bucket = $"mlops-{env}-artifacts-$ACCOUNT_ID-{settings.Region}";
        var stacks = new List<StackPlan>
        {
            Stack("storage", false, ("Environment", env)),
            Stack("secrets", false, ("Environment", env)),
            Stack("iam", true, ("Environment", env), ("BedrockModelId", settings.BedrockModelId)),
            Stack("workflow", false, ("Environment", env), ("DefinitionBucket", bucket), ("DefinitionKey", DefinitionKey), ("AlarmEmail", settings.AlarmEmail)),
            // The EFS mount policy it attaches to the task role is an IAM resource.
            Stack("mcp-server", true,
                ("Environment", env),
                ("ImageUri", settings.ImageUri ?? DefaultImage(settings)),
                ("WebhookImageUri", settings.WebhookImageUri ?? DefaultImage(settings, "webhook-")),
                ("VpcId", settings.VpcId),
                ("PublicSubnetIds", settings.PublicSubnetIds.Count == 0 ? null : string.Join(',', settings.PublicSubnetIds)),
                ("ServiceSubnetIds", settings.ServiceSubnetIds.Count == 0 ? null : string.Join(',', settings.ServiceSubnetIds)),
                ("AssignPublicIp", settings.AssignPublicIp ? "ENABLED" : null),
                ("CertificateArn", settings.CertificateArn)),
            Stack("tasks", true, ("Environment", env), ("McpUrl", settings.McpUrl)),
        };
        return new InfraPlan(settings, stacks, problems);
    }

    /// <summary>
    /// Without an image the script builds it and pushes it to the ECR repository of the storage stack, tagged with the
    /// git commit; the webhook image shares the repository with a <c>webhook-</c> tag prefix.
    /// </summary>
    private static string DefaultImage(InfraSettings settings, string tagPrefix = "") =>
        $"$ACCOUNT_ID.dkr.ecr.{settings.Region}.amazonaws.com/mlops-{settings.Environment}-mcp-server:{tagPrefix}$IMAGE_TAG";

    /// <summary>A person-readable summary: every stack, its parameters and the resources its template declares.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"deploy-infra plan for environment '{_settings.Environment}' in {_settings.Region} ({Stacks.Count} stacks, {Stacks.Sum(s => s.Resources.Count)} resources); nothing is sent to AWS.\n");
        foreach (var stack in Stacks)
        {
            text.Append(CultureInfo.InvariantCulture, $"\nstack {stack.StackName}  ({Path.GetFileName(stack.TemplatePath)}{(stack.NeedsNamedIam ? ", CAPABILITY_NAMED_IAM" : string.Empty)}{(stack.NeedsAutoExpand ? ", CAPABILITY_AUTO_EXPAND" : string.Empty)})\n");
            foreach (var (key, value) in stack.Parameters)
            {
                text.Append(CultureInfo.InvariantCulture, $"  parameter {key} = {value}\n");
            }

            foreach (var (id, type) in stack.Resources)
            {
                text.Append(CultureInfo.InvariantCulture, $"  + {id,-30} {type}\n");
            }

            if (stack.StackName.EndsWith("-tasks", StringComparison.Ordinal))
            {
                text.Append("  (every function runs infra/lambda/task-forwarder/index.js, inline in the template, and calls the MCP server's tools)\n");
            }

            if (stack.StackName.EndsWith("-workflow", StringComparison.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"  (before it: infra/statemachine/mlops-training.asl.json is uploaded to s3://<bucket>/{DefinitionKey} with the account and region filled into its Lambda ARNs)\n");
            }
        }

        if (Problems.Count > 0)
        {
            text.Append("\nstill needed before a real deployment:\n");
            foreach (var problem in Problems)
            {
                text.Append("  - ").Append(problem).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>The bash script of AWS CLI commands that deploys the stacks in order; run it with credentials for the account.</summary>
    public string Script()
    {
        if (Problems.Count > 0)
        {
            throw new InvalidOperationException("The deployment is missing settings: " + string.Join(" ", Problems));
        }

        var region = _settings.Region;
        var s = new StringBuilder();
        s.Append("#!/usr/bin/env bash\n");
        s.Append("# Generated by `mlops deploy-infra`: deploys MlopsAgents to AWS with the AWS CLI (v2), stack by stack.\n");
        s.Append("set -euo pipefail\n");
        s.Append(CultureInfo.InvariantCulture, $"export AWS_REGION={region}\n");
        s.Append("ACCOUNT_ID=\"$(aws sts get-caller-identity --query Account --output text)\"\n");
        s.Append("IMAGE_TAG=\"$(git rev-parse --short=12 HEAD)\"\n");
        foreach (var stack in Stacks)
        {
            if (stack.StackName.EndsWith("-mcp-server", StringComparison.Ordinal))
            {
                if (_settings.ImageUri is null)
                {
                    AppendImageBuild(s, "the MCP server", "mcp-server.Dockerfile", string.Empty);
                }

                if (_settings.WebhookImageUri is null)
                {
                    AppendImageBuild(s, "the webhook receiver", "webhook.Dockerfile", "webhook-");
                }
            }

            if (stack.StackName.EndsWith("-workflow", StringComparison.Ordinal))
            {
                s.Append("# The state machine runs the same ASL file as the local executor; only the placeholder account and region change.\n");
                s.Append(CultureInfo.InvariantCulture, $"sed -e \"s/:us-east-1:000000000000:/:{region}:${{ACCOUNT_ID}}:/g\" infra/statemachine/mlops-training.asl.json \\\n");
                s.Append(CultureInfo.InvariantCulture, $"  | aws s3 cp - \"s3://mlops-{_settings.Environment}-artifacts-${{ACCOUNT_ID}}-{region}/{DefinitionKey}\" --content-type application/json\n");
            }

            s.Append(CultureInfo.InvariantCulture, $"aws cloudformation deploy --stack-name {stack.StackName} --template-file infra/cloudformation/{Path.GetFileName(stack.TemplatePath)}");
            if (stack.NeedsNamedIam || stack.NeedsAutoExpand)
            {
                s.Append(" --capabilities");
                s.Append(stack.NeedsNamedIam ? " CAPABILITY_NAMED_IAM" : string.Empty);
                s.Append(stack.NeedsAutoExpand ? " CAPABILITY_AUTO_EXPAND" : string.Empty);
            }

            s.Append(" --no-fail-on-empty-changeset");
            if (stack.Parameters.Count > 0)
            {
                s.Append(" \\\n  --parameter-overrides");
                foreach (var (key, value) in stack.Parameters)
                {
                    s.Append(' ').Append(ShellQuote($"{key}={value.Replace("$ACCOUNT_ID", "${ACCOUNT_ID}", StringComparison.Ordinal).Replace("$IMAGE_TAG", "${IMAGE_TAG}", StringComparison.Ordinal)}"));
                }
            }

            s.Append('\n');
        }

        s.Append(CultureInfo.InvariantCulture, $"aws cloudformation describe-stacks --stack-name mlops-{_settings.Environment}-mcp-server --query \"Stacks[0].Outputs\" --output table\n");
        return s.ToString();
    }

    private void AppendImageBuild(StringBuilder s, string what, string dockerfile, string tagPrefix)
    {
        var registry = $"${{ACCOUNT_ID}}.dkr.ecr.{_settings.Region}.amazonaws.com";
        var image = $"{registry}/mlops-{_settings.Environment}-mcp-server:{tagPrefix}${{IMAGE_TAG}}";
        s.Append(CultureInfo.InvariantCulture, $"# Build {what} image (needs a Docker engine) and push it to the repository the storage stack made.\n");
        // The repository's tags are immutable, so a re-run for the same commit reuses the pushed image.
        s.Append(CultureInfo.InvariantCulture, $"if ! aws ecr describe-images --repository-name mlops-{_settings.Environment}-mcp-server --image-ids \"imageTag={tagPrefix}${{IMAGE_TAG}}\" >/dev/null 2>&1; then\n");
        s.Append(CultureInfo.InvariantCulture, $"  aws ecr get-login-password | docker login --username AWS --password-stdin \"{registry}\"\n");
        s.Append(CultureInfo.InvariantCulture, $"  docker build -f infra/docker/{dockerfile} -t \"{image}\" .\n");
        s.Append(CultureInfo.InvariantCulture, $"  docker push \"{image}\"\n");
        s.Append("fi\n");
    }

    /// <summary>Reads the logical ids and types under Resources; CloudFormation's short-form tags (!Sub, !Ref) are plain node tags to YamlStream.</summary>
    internal static IReadOnlyList<(string LogicalId, string Type)> ReadResources(string templatePath)
    {
        if (!File.Exists(templatePath))
        {
            throw new FileNotFoundException($"CloudFormation template {templatePath} is missing; run from the repository root or pass --repo-root.", templatePath);
        }

        var yaml = new YamlStream();
        using (var reader = new StreamReader(templatePath))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        if (!root.Children.TryGetValue(new YamlScalarNode("Resources"), out var resources) || resources is not YamlMappingNode map)
        {
            throw new InvalidDataException($"{templatePath} has no Resources section.");
        }

        var list = new List<(string, string)>();
        foreach (var (key, value) in map.Children)
        {
            var id = ((YamlScalarNode)key).Value!;
            if (id.StartsWith("Fn::ForEach::", StringComparison.Ordinal))
            {
                list.AddRange(ExpandForEach(templatePath, id, value));
            }
            else
            {
                list.Add((id, TypeOf(value)));
            }
        }

        return list;
    }

    private static bool UsesTransform(string templatePath) =>
        File.ReadLines(templatePath).Any(l => l.StartsWith("Transform:", StringComparison.Ordinal));

    private static string TypeOf(YamlNode resource) => ((YamlScalarNode)((YamlMappingNode)resource).Children[new YamlScalarNode("Type")]).Value!;

    /// <summary>
    /// Fn::ForEach::Name: [Identifier, [values], {LogicalId: resource}]: one resource per value and fragment, the logical
    /// id with ${Identifier} replaced by the value and &amp;{Identifier} by its letters and digits, as the transform does.
    /// A collection that is not a literal list (a Ref to a list parameter) cannot be expanded before deployment.
    /// </summary>
    private static IEnumerable<(string, string)> ExpandForEach(string templatePath, string loop, YamlNode node)
    {
        if (node is not YamlSequenceNode { Children.Count: 3 } parts || parts[0] is not YamlScalarNode { Value: { } identifier }
            || parts[1] is not YamlSequenceNode values || parts[2] is not YamlMappingNode fragment)
        {
            throw new InvalidDataException($"{templatePath}: {loop} is not [identifier, [values], {{resources}}].");
        }

        foreach (var value in values.Children.Select(v => ((YamlScalarNode)v).Value!))
        {
            var alphanumeric = new string(value.Where(char.IsAsciiLetterOrDigit).ToArray());
            foreach (var (key, resource) in fragment.Children)
            {
                var id = ((YamlScalarNode)key).Value!
                    .Replace("${" + identifier + "}", value, StringComparison.Ordinal)
                    .Replace("&{" + identifier + "}", alphanumeric, StringComparison.Ordinal);
                yield return (id, TypeOf(resource));
            }
        }
    }

    private static string ShellQuote(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '=' or '-' or '_' or '.' or '/' or ':' or ',' or '@')
            ? value
            : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    [GeneratedRegex("^[a-z0-9-]{1,16}$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentPattern();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}
