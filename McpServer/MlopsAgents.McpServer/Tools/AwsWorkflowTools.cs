using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.Configuration;
using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.SageMaker;
using MlopsAgents.Aws.StepFunctions;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.Requests;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>
/// The AWS actions agents take through MCP: SageMaker training jobs, Step Functions executions and SageMaker endpoints,
/// on the same library classes `mlops run`, `mlops workflow` and `mlops deploy` use. Every call returns without waiting for the job or execution to finish
/// (a job runs for hours; a Lambda or an agent must not block), and the describe tools follow them.
/// The backend settings are read on each call, so an error names the variable to set.
/// </summary>
[McpServerToolType]
public sealed class AwsWorkflowTools(MlopsContext mlops)
{
    // One client for the server's lifetime: the JSON services are few endpoints, and a client per call would leak sockets.
    private static readonly HttpClient Http = new();

    [McpServerTool(Name = "start_training_job", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = true, UseStructuredContent = true)]
    [Description("Starts training for a training request on the configured backend and returns at once. With MLOPS_TRAINING_BACKEND=sagemaker: phase 1 (quality checks, cleaning, split) writes the channels to S3 and the SageMaker job starts (built-in XGBoost, K-Means or PCA; scikit-learn script mode for random_forest, logistic_regression, linear_regression and neural_network) (spot with checkpoints where the profile allows); returns training_id, job_name, job_arn, the instance choice and the S3 URIs, without waiting. Follow it with describe_training_job, and once the job has ended, follow it with finish_training_job (the Judge and the registration). With MLOPS_TRAINING_BACKEND=local (the default) it is an error: the local backend trains in process through preprocess_supervised then train_supervised_classifier or train_supervised_regressor.")]
    public Task<JsonObject> StartTrainingJob(
        [Description("The training request as written in an issue (Markdown with a YAML block, or YAML); SageMaker trains supervised xgboost, random_forest, logistic_regression, linear_regression and neural_network requests with primary_metric accuracy, f1_score, auc_roc, rmse or mae, unsupervised kmeans requests with primary_metric variance_explained and hyperparameters.n_clusters, and pca requests (explained_variance_total).")] string request,
        [Description("When true, validate the request and the backend settings and report what would start, without writing or calling AWS.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => AwsCall(async () =>
    {
        var options = Options();
        if (options.Training != TrainingBackend.SageMaker)
        {
            throw new McpException("MLOPS_TRAINING_BACKEND: 'local' → start_training_job starts SageMaker jobs; set MLOPS_TRAINING_BACKEND=sagemaker (with MLOPS_ARTIFACT_STORE=s3://bucket/prefix and MLOPS_SAGEMAKER_ROLE_ARN). The local backend trains in process: preprocess_supervised, then train_supervised_classifier or train_supervised_regressor.");
        }

        var parsed = Parse(request);
        var algorithm = SageMakerPipeline.AlgorithmFor(parsed);
        if (dry_run)
        {
            return new JsonObject
            {
                ["dry_run"] = true,
                ["backend"] = "sagemaker",
                ["dataset"] = parsed.DatasetId ?? parsed.DatasetUri,
                ["algorithm"] = parsed.Algorithm,
                ["training_image"] = BuiltInAlgorithmImages.TrainingImage(algorithm, options.Region!),
                ["role_arn"] = options.SageMakerRoleArn,
            };
        }

        var pipeline = AwsBackends.CreateSageMakerPipeline(options, mlops, Http);
        var started = await pipeline.StartAsync(parsed, cancellationToken).ConfigureAwait(false);
        var result = ToolJson.ToObject(started);
        result["backend"] = "sagemaker";
        result["status"] = "InProgress";
        result["next"] = $"describe_training_job with job_name {started.JobName}; once it has ended, finish_training_job with training_id {started.TrainingId}";
        return result;
    });

    [McpServerTool(Name = "describe_training_job", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = true, UseStructuredContent = true)]
    [Description("Describes a SageMaker training job (MLOPS_TRAINING_BACKEND=sagemaker): status (InProgress, Completed, Failed, Stopping, Stopped), secondary status, final metrics such as validation:f1, failure reason, model artifact S3 URI, training and billable seconds, and whether it has finished. Once it has finished, follow it with finish_training_job, which judges and registers the model.")]
    public Task<JsonObject> DescribeTrainingJob(
        [Description("The job name start_training_job returned (job_name), e.g. mlops-train-20260101-120000-abc123.")] string job_name,
        CancellationToken cancellationToken = default) => AwsCall(async () =>
    {
        var options = Options();
        if (options.Training != TrainingBackend.SageMaker)
        {
            throw new McpException("MLOPS_TRAINING_BACKEND: 'local' → describe_training_job reads SageMaker jobs; set MLOPS_TRAINING_BACKEND=sagemaker. Local runs are read with get_run_details.");
        }

        var client = new SageMakerClient(AwsBackends.CreateJsonClient(options, Http));
        TrainingJobDescription job;
        try
        {
            job = await client.DescribeTrainingJobAsync(job_name, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw ToolErrors.Invalid("job_name", job_name, e.Message);
        }

        var metrics = new JsonObject();
        foreach (var (name, value) in job.FinalMetrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            metrics[name] = value;
        }

        return new JsonObject
        {
            ["job_name"] = job.JobName,
            ["status"] = job.Status,
            ["secondary_status"] = job.SecondaryStatus,
            ["finished"] = job.Status is "Completed" or "Failed" or "Stopped",
            ["succeeded"] = job.Status == "Completed",
            ["failure_reason"] = job.FailureReason,
            ["model_artifact"] = job.ModelArtifactS3Uri,
            ["training_seconds"] = job.TrainingTimeInSeconds,
            ["billable_seconds"] = job.BillableTimeInSeconds,
            ["final_metrics"] = metrics,
        };
    });

    [McpServerTool(Name = "finish_training_job", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = true, UseStructuredContent = true)]
    [Description("Finishes a run that start_training_job started (MLOPS_TRAINING_BACKEND=sagemaker), once its SageMaker job has ended: downloads and checksums the model artifact, judges SageMaker's final metric on the held-out split against the request's threshold, registers a passing model (and its SageMaker model package with MLOPS_MODEL_REGISTRY=sagemaker), and writes results.json and the training history. Returns decision (pass or fail), reason, metrics, model name and version, model package ARN and status, and the results key. A job still running is an error (it does not wait: use describe_training_job); a PCA run's first finish starts the batch transform that measures explained variance and says so, and a later call judges it; a Failed or Stopped job marks the run failed and returns SageMaker's FailureReason. Calling it again on a finished run returns the same outcome and registers nothing.")]
    public Task<JsonObject> FinishTrainingJob(
        [Description("The training_id start_training_job returned, e.g. train-20260101-120000-abc123. Give this or job_name.")] string? training_id = null,
        [Description("The job_name start_training_job returned (mlops-<training_id>). Give this or training_id.")] string? job_name = null,
        [Description("When true, check the run and the backend settings and report what would be finished, without calling AWS or writing.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => AwsCall(async () =>
    {
        var options = Options();
        if (options.Training != TrainingBackend.SageMaker)
        {
            throw new McpException("MLOPS_TRAINING_BACKEND: 'local' → finish_training_job finishes SageMaker jobs; set MLOPS_TRAINING_BACKEND=sagemaker (with MLOPS_ARTIFACT_STORE=s3://bucket/prefix and MLOPS_SAGEMAKER_ROLE_ARN). Local runs finish in process and are read with get_run_details.");
        }

        var trainingId = TrainingIdFor(training_id, job_name);
        var run = mlops.Registry.GetRun(trainingId) ?? throw ToolErrors.Invalid(training_id is null ? "job_name" : "training_id", training_id ?? job_name,
            "a run start_training_job started (the registry has no run of that id)");
        if (dry_run)
        {
            return new JsonObject
            {
                ["dry_run"] = true,
                ["training_id"] = trainingId,
                ["job_name"] = run.Artifacts.TryGetValue("sagemaker_job", out var job) ? job : null,
                ["run_status"] = run.Status,
                ["would"] = run.Status == "finished" ? "return the recorded outcome; nothing is registered again" : "describe the job and, once it has ended, judge and register it",
            };
        }

        var pipeline = AwsBackends.CreateSageMakerPipeline(options, mlops, Http);
        SageMakerRunSummary summary;
        try
        {
            summary = await pipeline.FinishAsync(trainingId, cancellationToken).ConfigureAwait(false);
        }
        catch (SageMakerJobNotFinishedException e)
        {
            throw new McpException(e.Message);
        }
        catch (SageMakerJobFailedException e)
        {
            throw new McpException($"{e.Message}. Run {trainingId} is marked failed; nothing is registered.");
        }
        catch (SageMakerFinishBusyException e)
        {
            throw new McpException(e.Message);
        }

        var metrics = new JsonObject();
        foreach (var (name, value) in summary.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            metrics[name] = value;
        }

        return new JsonObject
        {
            ["training_id"] = summary.TrainingId,
            ["job_name"] = summary.JobName,
            ["job_status"] = summary.JobStatus,
            ["decision"] = summary.Decision,
            ["reason"] = summary.Reason,
            ["metrics"] = metrics,
            ["model_name"] = summary.ModelName,
            ["model_version"] = summary.ModelVersion,
            ["model_package_arn"] = summary.ModelPackageArn,
            ["model_package_status"] = summary.ModelPackageStatus,
            ["model_artifact"] = summary.ModelArtifact,
            ["model_artifact_sha256"] = summary.ModelArtifactSha256,
            ["results"] = summary.Results,
            ["not_done"] = new JsonArray([.. summary.NotDone.Select(n => (JsonNode?)n)]),
        };
    });

    [McpServerTool(Name = "start_workflow_execution", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = true, UseStructuredContent = true)]
    [Description("Starts the training workflow for a request on Step Functions (MLOPS_WORKFLOW_BACKEND=stepfunctions, MLOPS_STATE_MACHINE_ARN) and returns at once. The execution is named after the request text (or execution_name), so starting the same request again returns the existing execution instead of a second one. With MLOPS_WORKFLOW_BACKEND=local it is an error: the local executor runs with `mlops workflow start ISSUE.md`.")]
    public Task<JsonObject> StartWorkflowExecution(
        [Description("The training request as written in an issue (Markdown with a YAML block, or YAML).")] string request,
        [Description("Execution name: 1-80 letters, digits, hyphens and underscores. Default issue-request-<hash of the request text>.")] string? execution_name = null,
        [Description("When true, validate and report the execution name and input, without starting it.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => AwsCall(async () =>
    {
        var workflow = Workflow("start_workflow_execution", out _);
        var parsed = Parse(request);
        var name = execution_name ?? StepFunctionsWorkflowService.ExecutionNameFor("request", request);
        try
        {
            StepFunctionsWorkflowService.ValidateExecutionName(name);
        }
        catch (ArgumentException)
        {
            throw ToolErrors.Invalid("execution_name", name, "1-80 letters, digits, hyphens and underscores");
        }

        var input = WorkflowExecutionInput.Build(parsed, request, new JsonObject { ["source"] = new JsonObject { ["tool"] = "start_workflow_execution" } });
        if (dry_run)
        {
            return new JsonObject { ["dry_run"] = true, ["state_machine_arn"] = workflow.StateMachineArn, ["execution_name"] = name, ["input"] = input };
        }

        var started = await workflow.StartOrFindAsync(name, input, cancellationToken).ConfigureAwait(false);
        return new JsonObject
        {
            ["execution_arn"] = started.ExecutionArn,
            ["execution_name"] = name,
            ["status"] = started.Status,
            ["already_existed"] = started.AlreadyExisted,
            ["next"] = $"describe_workflow_execution with execution {name}",
        };
    });

    [McpServerTool(Name = "describe_workflow_execution", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = true, UseStructuredContent = true)]
    [Description("Describes a Step Functions execution of the workflow (MLOPS_WORKFLOW_BACKEND=stepfunctions): status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED), error and cause, output, start and stop times, and the state waiting for an approval (with what it asks) when one is; answer it with answer_workflow_approval.")]
    public Task<JsonObject> DescribeWorkflowExecution(
        [Description("The execution's ARN or its name (as start_workflow_execution returned).")] string execution,
        CancellationToken cancellationToken = default) => AwsCall(async () =>
    {
        var workflow = Workflow("describe_workflow_execution", out var client);
        var arn = ExecutionArn(workflow, execution);
        var d = await client.DescribeExecutionAsync(arn, cancellationToken).ConfigureAwait(false);
        var pending = d.Status == "RUNNING" ? await workflow.FindPendingApprovalAsync(arn, cancellationToken).ConfigureAwait(false) : null;
        return new JsonObject
        {
            ["execution_arn"] = d.ExecutionArn,
            ["name"] = d.Name,
            ["status"] = d.Status,
            ["error"] = d.Error,
            ["cause"] = d.Cause,
            ["output"] = d.Output is null ? null : JsonNode.Parse(d.Output),
            ["start_date"] = d.StartDate?.ToString("O", CultureInfo.InvariantCulture),
            ["stop_date"] = d.StopDate?.ToString("O", CultureInfo.InvariantCulture),
            // The task token stays on the server: answer_workflow_approval finds it again, so a caller cannot answer a stale wait.
            ["waiting_for_approval"] = pending is null ? null : new JsonObject { ["state"] = pending.StateName, ["context"] = pending.Context?.DeepClone() },
        };
    });

    [McpServerTool(Name = "answer_workflow_approval", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = true, UseStructuredContent = true)]
    [Description("Answers the state of a Step Functions execution that waits for a person (MLOPS_WORKFLOW_BACKEND=stepfunctions): approve sends SendTaskSuccess {approved: true, by, comment}; reject sends SendTaskFailure with Mlops.ApprovalRejected, which ends that path of the workflow.")]
    public Task<JsonObject> AnswerWorkflowApproval(
        [Description("The execution's ARN or its name.")] string execution,
        [Description("approve or reject.")] string decision,
        [Description("Why: the comment on an approval, the reason for a rejection.")] string? reason = null,
        [Description("Who answers, recorded with the answer (default mcp).")] string by = "mcp",
        [Description("When true, report the waiting state and the answer, without sending it.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => AwsCall(async () =>
    {
        var approve = decision.Trim().ToLowerInvariant() switch
        {
            "approve" => true,
            "reject" => false,
            _ => throw ToolErrors.Invalid("decision", decision, "approve or reject"),
        };
        var workflow = Workflow("answer_workflow_approval", out _);
        var arn = ExecutionArn(workflow, execution);
        if (await workflow.FindPendingApprovalAsync(arn, cancellationToken).ConfigureAwait(false) is not { } pending)
        {
            throw ToolErrors.Invalid("execution", execution, "an execution waiting for an answer (none of its states waits for one; see describe_workflow_execution)");
        }

        var result = new JsonObject { ["execution_arn"] = arn, ["state"] = pending.StateName, ["decision"] = approve ? "approve" : "reject", ["by"] = by };
        if (dry_run)
        {
            result["dry_run"] = true;
            return result;
        }

        if (approve)
        {
            await workflow.ApproveAsync(pending, by, reason, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await workflow.RejectAsync(pending, by, reason ?? "rejected through answer_workflow_approval", cancellationToken).ConfigureAwait(false);
        }

        result["sent"] = true;
        return result;
    });

    [McpServerTool(Name = "deploy_to_endpoint", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = true, UseStructuredContent = true)]
    [Description("Deploys a registered SageMaker-trained model version (a SageMaker model package) to a SageMaker endpoint (MLOPS_DEPLOY_BACKEND=sagemaker) and returns at once: a new endpoint is created; an existing one is updated blue/green with canary, linear or all_at_once traffic shifting, rolled back by SageMaker when its 5xx or latency alarm fires. The deployment is recorded as `mlops deploy` records it (models/<name>/<version>/sagemaker_deployment.json, not yet settled; returned as record). Follow it with describe_endpoint. Locally trained models are deployed with deploy_model instead.")]
    public Task<JsonObject> DeployToEndpoint(
        [Description("Registered model name (trained with MLOPS_TRAINING_BACKEND=sagemaker and MLOPS_MODEL_REGISTRY=sagemaker).")] string model_name,
        [Description("Registered version such as 1.0.0; default the newest.")] string? version = null,
        [Description("Endpoint name: 1-63 letters, digits and single hyphens; default the model name with underscores as hyphens.")] string? endpoint_name = null,
        [Description("Traffic shifting on an existing endpoint: canary, linear or all_at_once (default canary).")] string strategy = "canary",
        [Description("Percent of capacity per canary or linear step, 1 to 99 (default 10).")] int step_percent = 10,
        [Description("Seconds each step bakes before the next, 0 to 3600 (default 600).")] int wait_interval_seconds = 600,
        [Description("When true, validate the arguments and backend settings and report what would be deployed, without calling AWS.")] bool dry_run = false,
        CancellationToken cancellationToken = default) => AwsCall(async () =>
    {
        var shift = SageMakerModelDeployer.ParseShift(strategy) ?? throw ToolErrors.Invalid("strategy", strategy, "canary, linear or all_at_once");
        if (step_percent is < 1 or > 99)
        {
            throw ToolErrors.Invalid("step_percent", step_percent.ToString(CultureInfo.InvariantCulture), "1 to 99");
        }

        if (wait_interval_seconds is < 0 or > 3600)
        {
            throw ToolErrors.Invalid("wait_interval_seconds", wait_interval_seconds.ToString(CultureInfo.InvariantCulture), "0 to 3600 seconds");
        }

        var options = Options();
        if (options.Deploy != DeployBackend.SageMaker)
        {
            throw new McpException("MLOPS_DEPLOY_BACKEND: 'local' → deploy_to_endpoint deploys to SageMaker endpoints; set MLOPS_DEPLOY_BACKEND=sagemaker (with MLOPS_MODEL_REGISTRY=sagemaker and MLOPS_TRAINING_BACKEND=sagemaker). Locally trained models are deployed with deploy_model.");
        }

        var deployOptions = new SageMakerDeployOptions
        {
            ModelName = model_name,
            Version = version,
            EndpointName = endpoint_name,
            Shift = shift,
            StepPercent = step_percent,
            WaitIntervalInSeconds = wait_interval_seconds,
        };
        if (dry_run)
        {
            return new JsonObject
            {
                ["dry_run"] = true,
                ["model_name"] = model_name,
                ["version"] = version,
                ["endpoint_name"] = endpoint_name ?? model_name.Replace('_', '-'),
                ["strategy"] = shift.ToString(),
                ["step_percent"] = step_percent,
                ["wait_interval_seconds"] = wait_interval_seconds,
            };
        }

        SageMakerDeployStart started;
        try
        {
            started = await AwsBackends.CreateSageMakerDeployer(options, mlops, Http).StartAsync(deployOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            throw ToolErrors.Invalid("endpoint_name", endpoint_name ?? model_name, "1-63 letters, digits and single hyphens, starting and ending with a letter or digit");
        }

        return new JsonObject
        {
            ["model_name"] = started.ModelName,
            ["version"] = started.Version,
            ["endpoint_name"] = started.EndpointName,
            ["endpoint_config"] = started.Deployment.EndpointConfigName,
            ["model_package_arn"] = started.ModelPackageArn,
            ["instance_type"] = started.InstanceType,
            ["created"] = started.Deployment.Created,
            ["strategy"] = started.Shift.ToString(),
            ["step_percent"] = started.StepPercent,
            ["wait_interval_seconds"] = started.WaitIntervalInSeconds,
            ["rollback_alarms"] = new JsonArray([.. started.Deployment.RollbackAlarms.Select(a => (JsonNode?)a)]),
            ["status"] = started.Deployment.Created ? "Creating" : "Updating",
            ["record"] = started.Record,
            ["next"] = $"describe_endpoint with endpoint_name {started.EndpointName}",
        };
    });

    [McpServerTool(Name = "describe_endpoint", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = true, UseStructuredContent = true)]
    [Description("Describes a SageMaker endpoint (MLOPS_DEPLOY_BACKEND=sagemaker): status (Creating, Updating, InService, RollingBack, Failed, …), the endpoint config it serves, the failure reason, and whether it exists and has settled.")]
    public Task<JsonObject> DescribeEndpoint(
        [Description("Endpoint name, as deploy_to_endpoint returned it.")] string endpoint_name,
        CancellationToken cancellationToken = default) => AwsCall(async () =>
    {
        var options = Options();
        if (options.Deploy != DeployBackend.SageMaker)
        {
            throw new McpException("MLOPS_DEPLOY_BACKEND: 'local' → describe_endpoint reads SageMaker endpoints; set MLOPS_DEPLOY_BACKEND=sagemaker. Local deployments are listed with list_deployments.");
        }

        var client = new SageMakerClient(AwsBackends.CreateJsonClient(options, Http));
        EndpointDescription? endpoint;
        try
        {
            endpoint = await client.DescribeEndpointAsync(endpoint_name, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            throw ToolErrors.Invalid("endpoint_name", endpoint_name, "1-63 letters, digits and single hyphens, starting and ending with a letter or digit");
        }

        return new JsonObject
        {
            ["endpoint_name"] = endpoint_name,
            ["exists"] = endpoint is not null,
            ["status"] = endpoint?.Status,
            ["settled"] = endpoint?.Status is "InService" or "Failed" or "OutOfService",
            ["endpoint_config"] = endpoint?.EndpointConfigName,
            ["failure_reason"] = endpoint?.FailureReason,
        };
    });

    /// <summary>The backend settings, read now; a bad setting becomes a tool error that names the variable.</summary>
    private static AwsBackendOptions Options()
    {
        try
        {
            return AwsBackendOptions.FromEnvironment();
        }
        catch (AwsConfigurationException e)
        {
            throw new McpException(e.Message);
        }
    }

    /// <summary>The run a training_id or a job name (mlops-{training_id}) names; exactly one of them must be given.</summary>
    private static string TrainingIdFor(string? trainingId, string? jobName)
    {
        if (string.IsNullOrWhiteSpace(trainingId) == string.IsNullOrWhiteSpace(jobName))
        {
            throw ToolErrors.Invalid("training_id", trainingId ?? jobName, "exactly one of training_id or job_name, as start_training_job returned them");
        }

        if (!string.IsNullOrWhiteSpace(trainingId))
        {
            return trainingId.Trim();
        }

        return SageMakerPipeline.TrainingIdOf(jobName!.Trim())
            ?? throw ToolErrors.Invalid("job_name", jobName, $"a job start_training_job named ({SageMakerPipeline.JobNamePrefix}<training_id>)");
    }

    private static StepFunctionsWorkflowService Workflow(string tool, out StepFunctionsClient client)
    {
        var options = Options();
        if (options.Workflow != WorkflowBackend.StepFunctions)
        {
            throw new McpException($"MLOPS_WORKFLOW_BACKEND: 'local' → {tool} drives Step Functions; set MLOPS_WORKFLOW_BACKEND=stepfunctions with MLOPS_STATE_MACHINE_ARN (and AWS_REGION). The local executor runs with `mlops workflow start ISSUE.md` and is answered with `mlops approve`.");
        }

        client = new StepFunctionsClient(AwsBackends.CreateJsonClient(options, Http));
        return new StepFunctionsWorkflowService(client, options.StateMachineArn!);
    }

    private static string ExecutionArn(StepFunctionsWorkflowService workflow, string execution)
    {
        try
        {
            return workflow.ExecutionArn(execution);
        }
        catch (ArgumentException)
        {
            throw ToolErrors.Invalid("execution", execution, "an execution ARN (arn:aws:states:…:execution:…) or a name of 1-80 letters, digits, hyphens and underscores");
        }
    }

    private TrainingRequest Parse(string request)
    {
        if (string.IsNullOrWhiteSpace(request))
        {
            throw ToolErrors.Invalid("request", request, "the training request as written in an issue");
        }

        var parsed = TrainingRequestParser.Parse(request, new RequestParseOptions { DataRoot = mlops.DataRoot });
        return parsed.IsValid ? parsed.Request! : throw new RequestValidationException(parsed.Errors);
    }

    /// <summary>
    /// Request and data problems as the other tools report them (<see cref="ToolErrors"/>), and AWS's answers (throttling
    /// after the retries, access denied, validation) and network failures as tool errors with AWS's own message.
    /// </summary>
    private static async Task<JsonObject> AwsCall(Func<Task<JsonObject>> action)
    {
        try
        {
            // The explicit type argument picks the awaiting overload, so a RequestValidationException is caught, not carried in a task.
            return await ToolErrors.Run<JsonObject>(action).ConfigureAwait(false);
        }
        catch (AwsServiceException e)
        {
            throw new McpException(e.Message);
        }
        catch (HttpRequestException e)
        {
            throw new McpException("AWS could not be reached: " + e.Message);
        }
        catch (AwsConfigurationException e)
        {
            throw new McpException(e.Message);
        }
    }
}
