using System.CommandLine;
using MlopsAgents.Aws.Configuration;
using MlopsAgents.Cli.Commands;

var root = new RootCommand("mlops: issue-driven MLOps on the embedded default (state under MLOPS_HOME, default ./.mlops).")
{
    DataCommands.Create(),
    DriftCommand.Create(),
    RunCommand.Create(),
    ServeCommand.Create(),
    RollbackCommand.Create(),
    RetrainCommand.Create(),
    ValidateCommand.Create(),
    DeployInfraCommand.Create(),
    EvalCommand.Create(),
    DeployCommand.Create(),
};
foreach (var command in WorkflowCommands.Create())
{
    root.Subcommands.Add(command);
}

try
{
    // Bad backend settings (MLOPS_ARTIFACT_STORE, AWS_REGION, …) are input errors: one message, exit 2, no stack trace.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (AwsConfigurationException e)
{
    return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
}
catch (CliException e)
{
    return CliEnvironment.Fail(1, e.Message);
}
