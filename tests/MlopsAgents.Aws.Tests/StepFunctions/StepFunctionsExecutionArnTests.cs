using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.StepFunctions;

namespace MlopsAgents.Aws.Tests.StepFunctions;

public sealed class StepFunctionsExecutionArnTests
{
    private static readonly HttpClient Http = new();

    private static StepFunctionsWorkflowService Workflow()
    {
        // No call is made: the client only has to exist.
        var client = new AwsJsonClient(Http, new AwsClientOptions { Region = "us-east-1" }, new StaticCredentialsSource("a", "b"));
        return new StepFunctionsWorkflowService(new StepFunctionsClient(client), "arn:aws:states:us-east-1:111122223333:stateMachine:mlops-dev-training");
    }

    [Fact]
    public void ExecutionArn_Name_IsTheExecutionOfTheStateMachine()
    {
        Assert.Equal("arn:aws:states:us-east-1:111122223333:execution:mlops-dev-training:issue-42", Workflow().ExecutionArn("issue-42"));
    }

    [Fact]
    public void ExecutionArn_Arn_IsKeptAsGiven()
    {
        const string arn = "arn:aws:states:us-east-1:111122223333:execution:other:issue-1";

        Assert.Equal(arn, Workflow().ExecutionArn(arn));
    }

    [Theory]
    [InlineData("issue 42")]
    [InlineData("issue/42")]
    [InlineData("a123456789b123456789c123456789d123456789e123456789f123456789g123456789h123456789i")]
    public void ExecutionArn_NameStepFunctionsRefuses_ThrowsNamingWhatIsAllowed(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => Workflow().ExecutionArn(name));

        Assert.Contains("1-80 letters, digits, hyphens and underscores", e.Message, StringComparison.Ordinal);
    }
}
