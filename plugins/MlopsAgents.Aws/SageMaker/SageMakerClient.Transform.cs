using System.Text.Json.Nodes;
using MlopsAgents.Aws.Http;

namespace MlopsAgents.Aws.SageMaker;

/// <summary>A batch transform of CSV rows, one per line, with a model SageMaker trained: JSON Lines out, one line per row.</summary>
public sealed record TransformJobSpec
{
    public required string JobName { get; init; }
    public required string ModelName { get; init; }

    /// <summary>s3://bucket/prefix/ of the CSV files to transform.</summary>
    public required string InputS3Uri { get; init; }

    /// <summary>s3://bucket/prefix/ where SageMaker writes {input file}.out.</summary>
    public required string OutputS3Uri { get; init; }

    public required string InstanceType { get; init; }
    public string? OutputKmsKeyId { get; init; }
}

/// <summary>What DescribeTransformJob says about a batch transform.</summary>
public sealed record TransformJobDescription(string JobName, string Status, string? FailureReason, string? OutputS3Uri);

// Batch transform: how a PCA run projects its test split with the model it trained (the built-in reports no metric itself).
public sealed partial class SageMakerClient
{
    /// <summary>CreateModel from a training job's artifact and the algorithm's image; returns the ModelArn.</summary>
    public async Task<string> CreateModelFromArtifactAsync(string modelName, string image, string modelDataUrl, string executionRoleArn, CancellationToken cancellationToken = default)
    {
        ValidateName("ModelName", modelName);
        ValidateS3Uri("PrimaryContainer.ModelDataUrl", modelDataUrl);
        var response = await client.InvokeAsync(Service, "CreateModel", new JsonObject
        {
            ["ModelName"] = modelName,
            ["ExecutionRoleArn"] = executionRoleArn,
            ["PrimaryContainer"] = new JsonObject { ["Image"] = image, ["ModelDataUrl"] = modelDataUrl },
        }, cancellationToken).ConfigureAwait(false);
        return Required(response, "ModelArn", "CreateModel");
    }

    /// <summary>CreateTransformJob: text/csv split by line in, application/jsonlines assembled by line out, on one instance; returns the TransformJobArn.</summary>
    public async Task<string> CreateTransformJobAsync(TransformJobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var response = await client.InvokeAsync(Service, "CreateTransformJob", BuildCreateTransformJob(spec), cancellationToken).ConfigureAwait(false);
        return Required(response, "TransformJobArn", "CreateTransformJob");
    }

    public static JsonObject BuildCreateTransformJob(TransformJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ValidateName("TransformJobName", spec.JobName);
        ValidateName("ModelName", spec.ModelName);
        ValidateS3Uri("TransformInput.DataSource.S3DataSource.S3Uri", spec.InputS3Uri);
        ValidateS3Uri("TransformOutput.S3OutputPath", spec.OutputS3Uri);
        var output = new JsonObject { ["S3OutputPath"] = spec.OutputS3Uri, ["Accept"] = "application/jsonlines", ["AssembleWith"] = "Line" };
        if (spec.OutputKmsKeyId is { } kms)
        {
            output["KmsKeyId"] = kms;
        }

        return new JsonObject
        {
            ["TransformJobName"] = spec.JobName,
            ["ModelName"] = spec.ModelName,
            ["TransformInput"] = new JsonObject
            {
                ["DataSource"] = new JsonObject { ["S3DataSource"] = new JsonObject { ["S3DataType"] = "S3Prefix", ["S3Uri"] = spec.InputS3Uri } },
                ["ContentType"] = "text/csv",
                ["SplitType"] = "Line",
            },
            ["TransformOutput"] = output,
            ["TransformResources"] = new JsonObject { ["InstanceType"] = spec.InstanceType, ["InstanceCount"] = 1 },
        };
    }

    /// <summary>DescribeTransformJob, or null when there is no such job (SageMaker answers "Could not find" as a ValidationException).</summary>
    public async Task<TransformJobDescription?> DescribeTransformJobAsync(string jobName, CancellationToken cancellationToken = default)
    {
        ValidateName("TransformJobName", jobName);
        JsonObject response;
        try
        {
            response = await client.InvokeAsync(Service, "DescribeTransformJob", new JsonObject { ["TransformJobName"] = jobName }, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound || (e.Kind == AwsErrorKind.Validation && e.AwsMessage?.Contains("Could not find", StringComparison.OrdinalIgnoreCase) == true))
        {
            return null;
        }

        return new TransformJobDescription(
            Required(response, "TransformJobName", "DescribeTransformJob"),
            Required(response, "TransformJobStatus", "DescribeTransformJob"),
            response["FailureReason"]?.GetValue<string>(),
            response["TransformOutput"]?["S3OutputPath"]?.GetValue<string>());
    }
}
