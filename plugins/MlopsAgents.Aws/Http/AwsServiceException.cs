using System.Net;

namespace MlopsAgents.Aws.Http;

/// <summary>How a caller can act on an AWS error.</summary>
public enum AwsErrorKind
{
    /// <summary>The request is wrong (ValidationException, InvalidParameterValue, …): fix the named field.</summary>
    Validation,

    /// <summary>The caller's IAM policy lacks the permission named in the message.</summary>
    AccessDenied,

    /// <summary>Throttled, and still throttled after every retry.</summary>
    Throttling,

    /// <summary>The named resource does not exist.</summary>
    NotFound,

    /// <summary>The resource exists already or is in a state that forbids the operation.</summary>
    Conflict,

    /// <summary>The service failed (5xx) on every attempt.</summary>
    ServiceUnavailable,

    /// <summary>Any other error type: the message carries AWS's own code and text.</summary>
    Other,
}

/// <summary>An error answer from an AWS service, with its code, kind and a message a person can act on.</summary>
public sealed class AwsServiceException : Exception
{
    public AwsServiceException(AwsService service, string operation, HttpStatusCode statusCode, string errorCode, string? awsMessage, string? requestId, int attempts)
        : base(Describe(service, operation, statusCode, errorCode, awsMessage, requestId, attempts))
    {
        Service = service.DisplayName;
        Operation = operation;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        AwsMessage = awsMessage;
        RequestId = requestId;
        Attempts = attempts;
        Kind = Classify(errorCode, statusCode);
    }

    public string Service { get; }
    public string Operation { get; }
    public HttpStatusCode StatusCode { get; }
    public string ErrorCode { get; }
    public string? AwsMessage { get; }
    public string? RequestId { get; }
    public int Attempts { get; }
    public AwsErrorKind Kind { get; }

    internal static AwsErrorKind Classify(string errorCode, HttpStatusCode statusCode)
    {
        if (AwsErrorCodes.IsThrottling(errorCode) || statusCode == HttpStatusCode.TooManyRequests)
        {
            return AwsErrorKind.Throttling;
        }

        if (errorCode.Contains("AccessDenied", StringComparison.OrdinalIgnoreCase) || errorCode is "UnauthorizedOperation" or "UnrecognizedClientException"
            or "InvalidSignatureException" or "IncompleteSignature" or "ExpiredTokenException" || statusCode == HttpStatusCode.Forbidden)
        {
            return AwsErrorKind.AccessDenied;
        }

        if (errorCode.Contains("Validation", StringComparison.OrdinalIgnoreCase) || errorCode.StartsWith("Invalid", StringComparison.Ordinal)
            || errorCode is "MissingParameter" or "MissingRequiredParameter" or "SerializationException")
        {
            return AwsErrorKind.Validation;
        }

        if (errorCode.Contains("NotFound", StringComparison.OrdinalIgnoreCase) || errorCode.StartsWith("DoesNotExist", StringComparison.Ordinal)
            || errorCode is "ResourceNotFound" or "ExecutionDoesNotExist" or "StateMachineDoesNotExist" || statusCode == HttpStatusCode.NotFound)
        {
            return AwsErrorKind.NotFound;
        }

        if (errorCode.Contains("AlreadyExists", StringComparison.OrdinalIgnoreCase) || errorCode.Contains("InUse", StringComparison.OrdinalIgnoreCase)
            || errorCode.Contains("Conflict", StringComparison.OrdinalIgnoreCase) || statusCode == HttpStatusCode.Conflict)
        {
            return AwsErrorKind.Conflict;
        }

        return (int)statusCode >= 500 ? AwsErrorKind.ServiceUnavailable : AwsErrorKind.Other;
    }

    private static string Describe(AwsService service, string operation, HttpStatusCode statusCode, string errorCode, string? awsMessage, string? requestId, int attempts)
    {
        var text = $"{service.DisplayName} {operation} failed with {errorCode} (HTTP {(int)statusCode})";
        text += string.IsNullOrWhiteSpace(awsMessage) ? "." : $": {awsMessage}";
        text += Classify(errorCode, statusCode) switch
        {
            AwsErrorKind.Validation => " Fix the request field named above; the AWS API reference for " + operation + " lists the allowed values.",
            AwsErrorKind.AccessDenied => $" The caller's IAM policy must allow {service.IamPrefix}:{operation} on the resource (see infra/cloudformation/iam.yaml for the roles' policies).",
            AwsErrorKind.Throttling => $" Still throttled after {attempts} attempts; lower the request rate or ask for a higher {service.DisplayName} quota.",
            AwsErrorKind.ServiceUnavailable => $" The service failed on all {attempts} attempts; try again later.",
            _ => string.Empty,
        };
        if (requestId is not null)
        {
            text += $" (request id {requestId})";
        }

        return text;
    }
}

/// <summary>Error codes that AWS services use for throttling, across the protocols.</summary>
internal static class AwsErrorCodes
{
    private static readonly HashSet<string> Throttling = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    };

    public static bool IsThrottling(string code) => Throttling.Contains(code);
}
