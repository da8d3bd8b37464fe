namespace MlopsAgents.Aws.Http;

/// <summary>The wire protocol an AWS service speaks, as named in its API reference (Smithy protocol traits).</summary>
public enum AwsProtocol
{
    /// <summary>awsJson1_0: POST / with X-Amz-Target and Content-Type application/x-amz-json-1.0.</summary>
    Json10,

    /// <summary>awsJson1_1: POST / with X-Amz-Target and Content-Type application/x-amz-json-1.1.</summary>
    Json11,

    /// <summary>restJson1: the operation is in the method and path; the body is application/json.</summary>
    RestJson,
}

/// <summary>
/// One AWS service as the signer and the wire see it: the SigV4 signing name, the endpoint host prefix,
/// the protocol and (for the JSON RPC protocols) the X-Amz-Target prefix.
/// </summary>
public sealed record AwsService(string DisplayName, string SigningName, string EndpointPrefix, AwsProtocol Protocol, string? TargetPrefix)
{
    /// <summary>SageMaker: awsJson1_1, X-Amz-Target <c>SageMaker.&lt;Operation&gt;</c>, host api.sagemaker.{region}.</summary>
    public static AwsService SageMaker { get; } = new("SageMaker", "sagemaker", "api.sagemaker", AwsProtocol.Json11, "SageMaker");

    /// <summary>Step Functions: awsJson1_0, X-Amz-Target <c>AWSStepFunctions.&lt;Operation&gt;</c>, host states.{region}.</summary>
    public static AwsService StepFunctions { get; } = new("Step Functions", "states", "states", AwsProtocol.Json10, "AWSStepFunctions");

    /// <summary>
    /// CloudWatch: the JSON protocol (awsJson1_0, X-Amz-Target <c>GraniteServiceVersion20100801.&lt;Operation&gt;</c>)
    /// that the AWS SDKs use since CloudWatch added it beside the query protocol; signing name monitoring.
    /// </summary>
    public static AwsService CloudWatch { get; } = new("CloudWatch", "monitoring", "monitoring", AwsProtocol.Json10, "GraniteServiceVersion20100801");

    /// <summary>Bedrock Runtime: restJson1 (POST /model/{modelId}/converse), signing name bedrock, host bedrock-runtime.{region}.</summary>
    public static AwsService BedrockRuntime { get; } = new("Bedrock Runtime", "bedrock", "bedrock-runtime", AwsProtocol.RestJson, null);

    /// <summary>The IAM action prefix of the service (the permission an AccessDenied names).</summary>
    public string IamPrefix => SigningName == "monitoring" ? "cloudwatch" : SigningName;

    public Uri DefaultEndpoint(string region) => new($"https://{EndpointPrefix}.{region}.amazonaws.com/");
}
