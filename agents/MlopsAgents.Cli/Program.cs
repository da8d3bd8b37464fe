using System.CommandLine;
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
};
foreach (var command in WorkflowCommands.Create())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
