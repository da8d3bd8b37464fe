using System.CommandLine;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Deployment;

namespace MlopsAgents.Cli.Commands;

/// <summary><c>mlops rollback MODEL [--to VERSION]</c>: return a model to an earlier version in one command.</summary>
internal static class RollbackCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "Registered model name." };
        var to = new Option<string?>("--to") { Description = "Version or alias to return to; default the previous champion." };
        var command = new Command("rollback", "Make an earlier version champion and deploy it in place of the current one.") { model, to };
        command.SetAction(parse =>
        {
            var context = CliEnvironment.Context();
            try
            {
                var service = new RollbackService(context);
                var plan = service.Plan(parse.GetValue(model)!, parse.GetValue(to));
                var deployment = service.Execute(plan);
                Console.WriteLine($"rolled back {plan.ModelName} from {plan.FromVersion ?? "(no champion)"} to {plan.ToVersion}; deployment #{deployment.Id} on {deployment.Endpoint}");
                return CliEnvironment.Ok;
            }
            catch (DataValidationException e)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }
        });
        return command;
    }
}
