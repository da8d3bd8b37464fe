using System.Text.Json.Nodes;
using MlopsAgents.Aws.Tests.Support;

namespace MlopsAgents.Aws.Tests.StepFunctions;

/// <summary>Step Functions' answers about the one retraining execution the launcher tests follow, as the API reference documents them.</summary>
internal static class RetrainingExecutionReplies
{
    public const string ExecutionArn = "arn:aws:states:us-east-1:1:execution:mlops-dev-training:retrain-churn-20260105T030000";

    /// <summary>A DescribeExecution answer with the status and, when given, the output or the error and its cause.</summary>
    public static StubResponse Describe(string status, string? output = null, string? error = null, string? cause = null)
    {
        var body = new JsonObject { ["executionArn"] = ExecutionArn, ["status"] = status, ["startDate"] = 1767582000 };
        if (output is not null)
        {
            body["output"] = output;
        }

        if (error is not null)
        {
            body["error"] = error;
            body["cause"] = cause;
        }

        return StubResponse.Ok(body.ToJsonString());
    }
}
