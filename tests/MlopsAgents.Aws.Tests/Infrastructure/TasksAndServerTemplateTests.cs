using System.Text.Json.Nodes;
using MlopsAgents.Aws.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MlopsAgents.Aws.Tests.Infrastructure;

/// <summary>
/// infra/cloudformation/tasks.yaml against the state machine it serves and the forwarder it inlines, and the persistent
/// MLOPS_HOME and webhook entry of mcp-server.yaml. cfn-lint (infra/cloudformation/validate.sh) checks the syntax.
/// </summary>
public sealed class TasksAndServerTemplateTests
{
    private const int InlineCodeLimit = 4096;
    private const int LambdaMaxTimeout = 900;

    private static YamlMappingNode Template(string name)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(AppContext.BaseDirectory, "infra", "cloudformation", name));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlNode At(YamlNode node, params object[] path)
    {
        foreach (var step in path)
        {
            node = step switch
            {
                string key => ((YamlMappingNode)node).Children[new YamlScalarNode(key)],
                int index => ((YamlSequenceNode)node).Children[index],
                _ => throw new ArgumentException(step.ToString()),
            };
        }

        return node;
    }

    private static string Text(YamlNode node, params object[] path) => ((YamlScalarNode)At(node, path)).Value!;

    private static YamlSequenceNode Forwarders() => (YamlSequenceNode)At(Template("tasks.yaml"), "Resources", "Fn::ForEach::Forwarders");

    private static YamlMappingNode Function() => (YamlMappingNode)At(Forwarders(), 2, "Function&{Name}", "Properties");

    private static JsonObject DefinitionStates() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "statemachine", "mlops-training.asl.json")))!["States"]!.AsObject();

    /// <summary>Function name (without "mlops-") → the TimeoutSeconds of every state that calls it.</summary>
    private static Dictionary<string, List<int>> TaskFunctions() => DefinitionStates()
        .Where(s => s.Value!["Type"]!.GetValue<string>() == "Task")
        .Select(s => (Arn: s.Value!["Parameters"]?["FunctionName"]?.GetValue<string>() ?? s.Value["Resource"]!.GetValue<string>(), Timeout: s.Value["TimeoutSeconds"]!.GetValue<int>()))
        .GroupBy(t => t.Arn[(t.Arn.IndexOf(":function:mlops-", StringComparison.Ordinal) + ":function:mlops-".Length)..])
        .ToDictionary(g => g.Key, g => g.Select(t => t.Timeout).ToList());

    [Fact]
    public void TasksTemplate_Functions_AreExactlyTheDefinitionsTaskFunctions()
    {
        var names = ((YamlSequenceNode)At(Forwarders(), 1)).Children.Select(n => ((YamlScalarNode)n).Value!).ToList();

        Assert.Equal(15, names.Count);
        Assert.Equal(TaskFunctions().Keys.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        Assert.Equal("mlops-${Name}", Text(Function(), "FunctionName"));
        Assert.Equal("/aws/lambda/mlops-${Name}", Text(Forwarders(), 2, "Logs&{Name}", "Properties", "LogGroupName"));
        Assert.Equal("30", Text(Forwarders(), 2, "Logs&{Name}", "Properties", "RetentionInDays"));
    }

    [Fact]
    public void TasksTemplate_InlineCode_EqualsTheForwarderAndFitsTheInlineLimit()
    {
        var forwarder = File.ReadAllText(RepositoryFiles.Forwarder());

        var inline = Text(Function(), "Code", "ZipFile");

        Assert.True(inline == forwarder, "tasks.yaml's ZipFile differs from infra/lambda/task-forwarder/index.js: run python3 infra/lambda/task-forwarder/sync-inline.py");
        Assert.True(forwarder.Length <= InlineCodeLimit, $"index.js has {forwarder.Length} characters; CloudFormation inlines at most {InlineCodeLimit}.");
        Assert.Equal("index.handler", Text(Function(), "Handler"));
        Assert.StartsWith("nodejs", Text(Function(), "Runtime"), StringComparison.Ordinal);
    }

    [Fact]
    public void TasksTemplate_Timeout_IsEveryCallingStatesTimeoutCappedAtLambdasMaximum()
    {
        var timeout = int.Parse(Text(Function(), "Timeout"), System.Globalization.CultureInfo.InvariantCulture);

        // One value for all functions: it must equal min(TimeoutSeconds, 900) for every state, or a state would outwait its function.
        Assert.All(TaskFunctions(), f => Assert.All(f.Value, state => Assert.Equal(Math.Min(state, LambdaMaxTimeout), timeout)));
    }

    [Fact]
    public void TasksTemplate_ForwarderRole_GrantsItsLogsAndTheMcpTokenAndNothingElse()
    {
        var statements = (YamlSequenceNode)At(Template("tasks.yaml"), "Resources", "ForwarderRole", "Properties", "Policies", 0, "PolicyDocument", "Statement");
        var actions = statements.Children.SelectMany(s => At(s, "Action") is YamlSequenceNode list ? list.Children.Select(a => ((YamlScalarNode)a).Value!) : [((YamlScalarNode)At(s, "Action")).Value!]).ToList();

        Assert.Equal(["kms:Decrypt", "logs:CreateLogStream", "logs:PutLogEvents", "secretsmanager:GetSecretValue"], actions.Order(StringComparer.Ordinal));
        Assert.Contains("GetSecretValueCommand", File.ReadAllText(RepositoryFiles.Forwarder()), StringComparison.Ordinal);
        var decrypt = statements.Children.Single(s => At(s, "Action") is YamlScalarNode { Value: "kms:Decrypt" });
        Assert.Equal("secretsmanager.${AWS::Region}.amazonaws.com", Text(decrypt, "Condition", "StringEquals", "kms:ViaService"));
        Assert.Equal("mlops-${Environment}-McpServerTokenArn", Text(Function(), "Environment", "Variables", "MCP_TOKEN_SECRET_ARN", "Fn::ImportValue", "Fn::Sub"));
    }

    [Fact]
    public void McpServerTemplate_Home_IsTheEncryptedFileSystemThroughTheAppUsersAccessPoint()
    {
        var resources = At(Template("mcp-server.yaml"), "Resources");
        var task = At(resources, "TaskDefinition", "Properties");
        var volume = At(task, "Volumes", 0, "EFSVolumeConfiguration");

        Assert.Equal("true", Text(resources, "FileSystem", "Properties", "Encrypted"));
        Assert.Equal("mlops-${Environment}-KmsKeyArn", Text(resources, "FileSystem", "Properties", "KmsKeyId", "Fn::ImportValue", "Fn::Sub"));
        Assert.Equal("1654", Text(resources, "HomeAccessPoint", "Properties", "PosixUser", "Uid"));
        Assert.Equal("1654", Text(resources, "HomeAccessPoint", "Properties", "RootDirectory", "CreationInfo", "OwnerGid"));
        Assert.Equal("ENABLED", Text(volume, "TransitEncryption"));
        Assert.Equal("ENABLED", Text(volume, "AuthorizationConfig", "IAM"));
        foreach (var container in ((YamlSequenceNode)At(task, "ContainerDefinitions")).Children)
        {
            var home = ((YamlSequenceNode)At(container, "Environment")).Children.Single(e => Text(e, "Name") == "MLOPS_HOME");
            Assert.Equal(Text(home, "Value"), Text(container, "MountPoints", 0, "ContainerPath"));
            Assert.Equal("mlops-home", Text(container, "MountPoints", 0, "SourceVolume"));
        }

        var nfs = At(resources, "FileSystemSecurityGroup", "Properties", "SecurityGroupIngress", 0);
        Assert.Equal("2049", Text(nfs, "FromPort"));
        Assert.Equal("ServiceSecurityGroup", Text(nfs, "SourceSecurityGroupId"));
        var mount = At(resources, "HomeMountPolicy", "Properties");
        Assert.Equal("mlops-${Environment}-mcp-task", Text(mount, "Roles", 0));
        Assert.Equal(["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], ((YamlSequenceNode)At(mount, "PolicyDocument", "Statement", 0, "Action")).Children.Select(a => ((YamlScalarNode)a).Value));
        Assert.Equal("HomeAccessPoint.Arn", Text(mount, "PolicyDocument", "Statement", 0, "Condition", "StringEquals", "elasticfilesystem:AccessPointArn"));
    }

    [Fact]
    public void McpServerTemplate_Service_NeverRunsTwoTasksOnTheSqliteHome()
    {
        var template = Template("mcp-server.yaml");

        Assert.Equal(["0", "1"], ((YamlSequenceNode)At(template, "Parameters", "DesiredCount", "AllowedValues")).Children.Select(v => ((YamlScalarNode)v).Value));
        Assert.Equal("100", Text(template, "Resources", "Service", "Properties", "DeploymentConfiguration", "MaximumPercent"));
        Assert.Equal("0", Text(template, "Resources", "Service", "Properties", "DeploymentConfiguration", "MinimumHealthyPercent"));
    }

    [Fact]
    public void McpServerTemplate_WebhookPath_GoesToTheWebhookContainerWithItsSecrets()
    {
        var resources = At(Template("mcp-server.yaml"), "Resources");
        var webhook = ((YamlSequenceNode)At(resources, "TaskDefinition", "Properties", "ContainerDefinitions")).Children.Single(c => Text(c, "Name") == "webhook");
        var secrets = ((YamlSequenceNode)At(webhook, "Secrets")).Children.Select(s => Text(s, "Name")).ToList();

        Assert.Equal(["webhook", "--host", "0.0.0.0", "--port", "8090"], ((YamlSequenceNode)At(webhook, "Command")).Children.Select(c => ((YamlScalarNode)c).Value));
        Assert.Contains("GITHUB_TOKEN", secrets);
        Assert.Contains("GITHUB_WEBHOOK_SECRET", secrets);
        Assert.Equal("/api/github/webhooks", Text(resources, "WebhookRule", "Properties", "Conditions", 0, "PathPatternConfig", "Values", 0));
        Assert.Equal("WebhookTargetGroup", Text(resources, "WebhookRule", "Properties", "Actions", 0, "TargetGroupArn"));
        Assert.Equal("8090", Text(resources, "WebhookTargetGroup", "Properties", "Port"));
        Assert.Equal("/api/github/webhooks", Text(resources, "WebhookTargetGroup", "Properties", "HealthCheckPath"));
        var balanced = ((YamlSequenceNode)At(resources, "Service", "Properties", "LoadBalancers")).Children.Select(l => (Text(l, "ContainerName"), Text(l, "ContainerPort"))).ToList();
        Assert.Equal([("mcp-server", "3001"), ("webhook", "8090")], balanced);
        Assert.Equal("mlops-${Environment}-GitHubWebhookSecretArn", Text(Template("secrets.yaml"), "Outputs", "GitHubWebhookSecretArn", "Export", "Name"));
    }
}
