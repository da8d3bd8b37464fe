using System.CommandLine;
using MlopsAgents.Plugins;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Packaging;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Retraining;
using MlopsAgents.Workflow.Pipeline;
using MlopsAgents.Workflow.Retraining;

namespace MlopsAgents.Cli.Commands;

/// <summary>
/// <c>mlops retrain ISSUE.md --fresh FRESH.csv</c>: retrains the issue's model through the in-process pipeline
/// (optionally on data merged with the labelled production rows), compares the challenger with the champion on the
/// fresh rows, and promotes it only when it wins by the given margin. Prints the comparison report.
/// </summary>
internal static class RetrainCommand
{
    public static Command Create()
    {
        var issue = new Argument<string>("ISSUE") { Description = "The model's training request (issue Markdown)." };
        var fresh = new Option<string>("--fresh") { Description = "Labelled CSV (with the target column) both models are judged on.", Required = true };
        var metric = new Option<string>("--metric") { Description = "Deciding metric: accuracy, macro_f1, rmse or mae.", DefaultValueFactory = _ => "accuracy" };
        var minAbsolute = new Option<double?>("--min-absolute-change") { Description = "The challenger must beat the champion by at least this much (metric units)." };
        var minRelative = new Option<double?>("--min-relative-change") { Description = "…and by at least this fraction of the champion's value (0.02 is 2%)." };
        var mergeFeedback = new Option<bool>("--merge-feedback") { Description = "First merge labelled production rows (inference log + /feedback) into the next dataset version." };
        var reason = new Option<string>("--reason") { Description = "Why, for the history.", DefaultValueFactory = _ => "requested from the command line" };
        var command = new Command("retrain", "Retrain a model and promote the challenger only if it beats the champion on fresh data.")
        {
            issue, fresh, metric, minAbsolute, minRelative, mergeFeedback, reason,
        };
        command.SetAction(async (parse, ct) =>
        {
            var issuePath = parse.GetValue(issue)!;
            var freshPath = parse.GetValue(fresh)!;
            if (!File.Exists(issuePath))
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"ISSUE: '{issuePath}' does not exist.");
            }

            if (!File.Exists(freshPath))
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"--fresh: '{freshPath}' does not exist.");
            }

            PromotionCriteria criteria;
            try
            {
                criteria = new PromotionCriteria(parse.GetValue(metric)!, parse.GetValue(minAbsolute), parse.GetValue(minRelative));
            }
            catch (ArgumentException e)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }

            var context = CliEnvironment.Context();
            var parsed = TrainingRequestParser.Parse(await File.ReadAllBytesAsync(issuePath, ct), new RequestParseOptions { DataRoot = context.DataRoot });
            if (!parsed.IsValid)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, new RequestValidationException(parsed.Errors).Message);
            }

            var request = parsed.Request!;
            if (request.DatasetId is null)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, "dataset_id: retraining needs a registered dataset id in the request, so that new versions can be picked up.");
            }

            try
            {
                var model = request.ModelName ?? PackagingService.DefaultModelName(request.DatasetId, request.Algorithm);
                if (parse.GetValue(mergeFeedback))
                {
                    var merged = await LabelledProductionData.MergeFeedbackAsync(context, model, request.DatasetId, request.Target, ct);
                    Console.Error.WriteLine(merged.Describe(request.DatasetId));
                }

                var pipeline = new LocalPipeline(context, CliEnvironment.Progress);
                var coordinator = new RetrainingCoordinator(context, new RetrainingPolicy(RetrainingMode.Launch, criteria), new LocalPipelineRetrainingLauncher(pipeline, request));
                var trigger = new RetrainingTrigger(RetrainingTriggerKind.Manual, model, parse.GetValue(reason)!, DateTimeOffset.UtcNow);
                var outcome = await coordinator.HandleAsync(trigger, DataFrame.ReadCsv(freshPath), ct);
                Console.WriteLine(outcome.Comparison?.ToMarkdown() ?? outcome.Summary);
                return outcome.Run is { Succeeded: true } ? CliEnvironment.Ok : 1;
            }
            catch (Exception e) when (e is ArgumentException or DataValidationException or RequestValidationException)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, e.Message);
            }
        });
        return command;
    }
}
