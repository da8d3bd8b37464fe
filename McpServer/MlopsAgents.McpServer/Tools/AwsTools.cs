using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using MlopsAgents.Aws.Resources;
using MlopsAgents.Aws.SageMaker;
using ModelContextProtocol.Server;

namespace MlopsAgents.McpServer.Tools;

/// <summary>AWS planning tools: what a SageMaker run would use, computed from a fixed table without calling AWS.</summary>
[McpServerToolType]
public sealed class AwsTools
{
    [McpServerTool(Name = "select_optimal_resources", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Picks SageMaker training and serving instances for a dataset size and a performance profile from a fixed table (README, AWS backends): size tier (small < 1 GiB, medium < 10 GiB, large < 100 GiB, xlarge), instance type and count, volume, spot with checkpoints or on-demand, time limits, the serving instance and the training image for the algorithm in the region. Calls no AWS API.")]
    public JsonObject SelectOptimalResources(
        [Description("Dataset size in megabytes (the raw CSV or Parquet files the job reads).")] double dataset_size_mb,
        [Description("What to optimise for: cost, balanced or performance (default balanced).")] string performance_profile = "balanced",
        [Description("Training algorithm: xgboost, kmeans, pca or script (default xgboost).")] string algorithm = "xgboost",
        [Description("AWS region for the training image URI (default us-east-1).")] string region = "us-east-1")
    {
        if (!double.IsFinite(dataset_size_mb) || dataset_size_mb < 0)
        {
            throw ToolErrors.Invalid("dataset_size_mb", dataset_size_mb.ToString(CultureInfo.InvariantCulture), "a size in megabytes, 0 or more");
        }

        PerformanceProfile profile;
        try
        {
            profile = ResourceSelector.ParseProfile(performance_profile);
        }
        catch (ArgumentException)
        {
            throw ToolErrors.Invalid("performance_profile", performance_profile, "cost, balanced or performance");
        }

        var trainingAlgorithm = algorithm.Trim().ToLowerInvariant() switch
        {
            "xgboost" => TrainingAlgorithm.XGBoost,
            "kmeans" or "k-means" => TrainingAlgorithm.KMeans,
            "pca" => TrainingAlgorithm.Pca,
            "script" => TrainingAlgorithm.Script,
            _ => throw ToolErrors.Invalid("algorithm", algorithm, "xgboost, kmeans, pca or script"),
        };

        string image;
        try
        {
            image = BuiltInAlgorithmImages.TrainingImage(trainingAlgorithm, region);
        }
        catch (ArgumentException e)
        {
            throw ToolErrors.Invalid("region", region, e.Message);
        }

        var selection = ResourceSelector.Select((long)(dataset_size_mb * 1024 * 1024), profile);
        var result = ToolJson.ToObject(selection);
        result["performance_profile"] = profile.ToString().ToLowerInvariant();
        result["training_image"] = image;
        return result;
    }
}
