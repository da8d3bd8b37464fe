using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsAgents.Aws.Infrastructure;

namespace MlopsAgents.Aws.Tests.Infrastructure;

public sealed class InfraPlanTests
{
    private static readonly string Root = AppContext.BaseDirectory;

    private static InfraSettings Full => new()
    {
        Region = "eu-west-1",
        VpcId = "vpc-0abc",
        PublicSubnetIds = ["subnet-a", "subnet-b"],
        ServiceSubnetIds = ["subnet-c"],
    };

    [Fact]
    public void Describe_DefaultSettings_ListsStacksInDependencyOrderWithTheirResources()
    {
        var plan = InfraPlan.Create(new InfraSettings { Region = "us-east-1" }, Root);

        var text = plan.Describe();

        Assert.Equal(["mlops-dev-storage", "mlops-dev-secrets", "mlops-dev-iam", "mlops-dev-workflow", "mlops-dev-mcp-server", "mlops-dev-tasks"], plan.Stacks.Select(s => s.StackName));
        Assert.Contains(plan.Stacks[0].Resources, r => r == ("ArtifactBucket", "AWS::S3::Bucket"));
        Assert.Contains(plan.Stacks[0].Resources, r => r == ("ArtifactKey", "AWS::KMS::Key"));
        Assert.Contains(plan.Stacks[3].Resources, r => r == ("TrainingStateMachine", "AWS::StepFunctions::StateMachine"));
        Assert.Contains(plan.Stacks[4].Resources, r => r == ("Service", "AWS::ECS::Service"));
        Assert.Contains(plan.Stacks[4].Resources, r => r == ("FileSystem", "AWS::EFS::FileSystem"));
        Assert.Contains(plan.Stacks[4].Resources, r => r == ("WebhookRule", "AWS::ElasticLoadBalancingV2::ListenerRule"));
        Assert.Equal(15, plan.Stacks[5].Resources.Count(r => r.Type == "AWS::Lambda::Function"));
        Assert.Equal(15, plan.Stacks[5].Resources.Count(r => r.Type == "AWS::Logs::LogGroup"));
        Assert.Contains(plan.Stacks[5].Resources, r => r == ("Functionmcppreprocesssupervised", "AWS::Lambda::Function"));
        Assert.True(plan.Stacks[2].NeedsNamedIam);
        Assert.True(plan.Stacks[5].NeedsAutoExpand);
        Assert.Contains("+ Functionagentrequestapproval", text);
        Assert.Contains("infra/lambda/task-forwarder/index.js", text);
        Assert.Contains("nothing is sent to AWS", text);
        Assert.Contains("+ ArtifactBucket", text);
        Assert.Contains("--vpc-id", text);
        Assert.Equal(3, plan.Problems.Count);
    }

    [Fact]
    public void Script_FullSettings_DeploysEveryStackWithItsParameters()
    {
        var script = InfraPlan.Create(Full, Root).Script();

        var deploys = Regex.Matches(script, "aws cloudformation deploy --stack-name (\\S+)").Select(m => m.Groups[1].Value);
        Assert.Equal(["mlops-dev-storage", "mlops-dev-secrets", "mlops-dev-iam", "mlops-dev-workflow", "mlops-dev-mcp-server", "mlops-dev-tasks"], deploys);
        Assert.Contains("--template-file infra/cloudformation/iam.yaml --capabilities CAPABILITY_NAMED_IAM --no-fail", script);
        Assert.Contains("--template-file infra/cloudformation/tasks.yaml --capabilities CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND", script);
        Assert.Contains("docker build -f infra/docker/webhook.Dockerfile -t \"${ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/mlops-dev-mcp-server:webhook-${IMAGE_TAG}\"", script);
        Assert.Contains("\"WebhookImageUri=${ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/mlops-dev-mcp-server:webhook-${IMAGE_TAG}\"", script);
        Assert.Contains("sed -e \"s/:us-east-1:000000000000:/:eu-west-1:${ACCOUNT_ID}:/g\" infra/statemachine/mlops-training.asl.json", script);
        Assert.Contains("docker build -f infra/docker/mcp-server.Dockerfile", script);
        Assert.Contains("VpcId=vpc-0abc PublicSubnetIds=subnet-a,subnet-b ServiceSubnetIds=subnet-c", script);
        Assert.Contains("\"ImageUri=${ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/mlops-dev-mcp-server:${IMAGE_TAG}\"", script);
        Assert.True(script.IndexOf("aws s3 cp -", StringComparison.Ordinal) < script.IndexOf("--stack-name mlops-dev-workflow", StringComparison.Ordinal), "the definition is uploaded before the workflow stack");
    }

    [Fact]
    public void Script_GivenImage_SkipsTheBuild()
    {
        var script = InfraPlan.Create(Full with { ImageUri = "111.dkr.ecr.eu-west-1.amazonaws.com/mlops:1", WebhookImageUri = "111.dkr.ecr.eu-west-1.amazonaws.com/mlops:webhook-1" }, Root).Script();

        Assert.DoesNotContain("docker build", script);
        Assert.Contains(" ImageUri=111.dkr.ecr.eu-west-1.amazonaws.com/mlops:1", script);
        Assert.Contains("WebhookImageUri=111.dkr.ecr.eu-west-1.amazonaws.com/mlops:webhook-1", script);
    }

    [Fact]
    public void Script_McpUrlGiven_PassesItToTheTasksStack()
    {
        var script = InfraPlan.Create(Full with { McpUrl = "https://mlops.example.com/mcp" }, Root).Script();

        Assert.Matches("--stack-name mlops-dev-tasks [^\n]*\\\n  --parameter-overrides Environment=dev McpUrl=https://mlops.example.com/mcp\n", script);
    }

    [Fact]
    public void Create_ThreeServiceSubnets_NamesTheOptionAndTheLimit()
    {
        var plan = InfraPlan.Create(Full with { ServiceSubnetIds = ["subnet-c", "subnet-d", "subnet-e"] }, Root);

        var problem = Assert.Single(plan.Problems);
        Assert.Contains("--service-subnets: 'subnet-c,subnet-d,subnet-e' has 3 subnets; give one or two", problem);
    }

    [Fact]
    public void Script_MissingNetwork_RefusesAndNamesTheOptions()
    {
        var e = Assert.Throws<InvalidOperationException>(() => InfraPlan.Create(new InfraSettings { Region = "us-east-1" }, Root).Script());

        Assert.Contains("--vpc-id", e.Message);
        Assert.Contains("--public-subnets", e.Message);
    }

    [Theory]
    [InlineData("Prod", "us-east-1", "--environment 'Prod'")]
    [InlineData("dev", "virginia", "--region 'virginia'")]
    public void Create_InvalidSetting_NamesOptionAndValue(string environment, string region, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => InfraPlan.Create(new InfraSettings { Environment = environment, Region = region }, Root));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void StateMachineDefinition_AfterAccountSubstitution_KeepsEveryTaskResourceInTheTargetAccount()
    {
        var asl = File.ReadAllText(Path.Combine(Root, "TestData", "statemachine", "mlops-training.asl.json"));

        var substituted = asl.Replace(":us-east-1:000000000000:", ":eu-west-1:111122223333:", StringComparison.Ordinal);

        var states = JsonNode.Parse(substituted)!["States"]!.AsObject();
        var functions = states.Select(s => s.Value!["Parameters"]?["FunctionName"]?.GetValue<string>() ?? s.Value["Resource"]?.GetValue<string>())
            .Where(r => r is not null && r.Contains(":function:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(functions);
        Assert.All(functions, f => Assert.StartsWith("arn:aws:lambda:eu-west-1:111122223333:function:mlops-", f, StringComparison.Ordinal));
    }

    /// <summary>
    /// The list above is written by hand; this one is read from the clients' source, so an operation added to a client
    /// without its IAM action fails here. The state machine itself is created by the workflow stack, never at run time.
    /// </summary>
    [Theory]
    [InlineData("SageMakerClient.cs", "sagemaker")]
    [InlineData("StepFunctionsClient.cs", "states", "CreateStateMachine", "UpdateStateMachine")]
    public void IamTemplate_McpTaskRole_GrantsEveryOperationInTheClientSource(string client, string prefix, params string[] deployTimeOnly)
    {
        var source = File.ReadAllText(Path.Combine(Root, "plugins", "MlopsAgents.Aws", "clients", client));
        var operations = Regex.Matches(source, @"InvokeAsync\(\s*Service,\s*""([A-Za-z]+)""").Select(m => m.Groups[1].Value)
            .Distinct(StringComparer.Ordinal).Except(deployTimeOnly, StringComparer.Ordinal).ToList();
        var template = File.ReadAllText(Path.Combine(Root, "infra", "cloudformation", "iam.yaml"));
        var start = template.IndexOf("\n  McpTaskRole:", StringComparison.Ordinal);
        var next = Regex.Match(template[(start + 3)..], "\n  [A-Za-z]+:\n");
        var section = next.Success ? template.Substring(start, next.Index + 3) : template[start..];

        Assert.True(operations.Count >= 5, $"{client}: found only {operations.Count} operations; has the call shape changed?");
        Assert.All(operations, op => Assert.Matches(Regex.Escape($"{prefix}:{op}") + "(?![A-Za-z])", section));
    }

    /// <summary>Least privilege both ways: every operation the clients call is granted to the role that calls it.</summary>
    [Theory]
    [InlineData("McpTaskRole", "sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:CreateModelPackageGroup", "sagemaker:CreateModelPackage",
        "sagemaker:UpdateModelPackage", "sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint",
        "states:StartExecution", "states:DescribeExecution", "states:GetExecutionHistory", "states:SendTaskSuccess", "states:SendTaskFailure", "states:StopExecution",
        "cloudwatch:PutMetricData", "cloudwatch:PutMetricAlarm", "bedrock:InvokeModel", "secretsmanager:GetSecretValue", "iam:PassRole")]
    [InlineData("StatesRole", "lambda:InvokeFunction", "iam:PassRole")]
    [InlineData("TrainingRole", "s3:GetObject", "s3:PutObject", "kms:Decrypt")]
    public void IamTemplate_Role_GrantsEveryActionTheCodeCalls(string role, params string[] actions)
    {
        var template = File.ReadAllText(Path.Combine(Root, "infra", "cloudformation", "iam.yaml"));
        var start = template.IndexOf($"\n  {role}:", StringComparison.Ordinal);
        Assert.True(start >= 0, role);
        var next = Regex.Match(template[(start + 3)..], "\n  [A-Za-z]+:\n");
        var section = next.Success ? template.Substring(start, next.Index + 3) : template[start..];

        Assert.All(actions, a => Assert.Matches(Regex.Escape(a) + "(?![A-Za-z])", section));
        Assert.DoesNotContain("\"*:*\"", section);
        Assert.DoesNotContain("Action: \"*\"", section);
    }
}
