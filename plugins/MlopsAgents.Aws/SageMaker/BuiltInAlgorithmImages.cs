namespace MlopsAgents.Aws.SageMaker;

/// <summary>
/// ECR image URIs of the built-in algorithms and the script-mode framework image, per region. The registry accounts come
/// from the SageMaker Python SDK's image_uri_config (kmeans.json and pca.json share the first-party algorithm registries;
/// xgboost.json and sklearn.json share theirs). Regions outside the table fail with the list of supported ones rather than
/// a guessed URI.
/// </summary>
public static class BuiltInAlgorithmImages
{
    public const string XGBoostVersion = "1.7-1";
    public const string ScikitLearnImageTag = "1.2-1-cpu-py3";

    private static readonly IReadOnlyDictionary<string, string> FirstPartyRegistries = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["us-east-1"] = "382416733822",
        ["us-east-2"] = "404615174143",
        ["us-west-1"] = "632365934929",
        ["us-west-2"] = "174872318107",
        ["eu-west-1"] = "438346466558",
        ["eu-west-2"] = "644912444149",
        ["eu-central-1"] = "664544806723",
        ["ap-northeast-1"] = "351501993468",
        ["ap-southeast-1"] = "475088953585",
        ["ap-southeast-2"] = "712309505854",
    };

    private static readonly IReadOnlyDictionary<string, string> FrameworkRegistries = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["us-east-1"] = "683313688378",
        ["us-east-2"] = "257758044811",
        ["us-west-1"] = "746614075791",
        ["us-west-2"] = "246618743249",
        ["eu-west-1"] = "141502667606",
        ["eu-west-2"] = "764974769150",
        ["eu-central-1"] = "492215442770",
        ["ap-northeast-1"] = "354813040037",
        ["ap-southeast-1"] = "121021644041",
        ["ap-southeast-2"] = "783357654285",
    };

    public static IReadOnlyCollection<string> SupportedRegions => (IReadOnlyCollection<string>)FirstPartyRegistries.Keys;

    /// <summary>The training image for an algorithm in a region; script mode uses the scikit-learn framework image.</summary>
    public static string TrainingImage(TrainingAlgorithm algorithm, string region) => algorithm switch
    {
        TrainingAlgorithm.XGBoost => $"{Registry(FrameworkRegistries, region)}.dkr.ecr.{region}.amazonaws.com/sagemaker-xgboost:{XGBoostVersion}",
        TrainingAlgorithm.KMeans => $"{Registry(FirstPartyRegistries, region)}.dkr.ecr.{region}.amazonaws.com/kmeans:1",
        TrainingAlgorithm.Pca => $"{Registry(FirstPartyRegistries, region)}.dkr.ecr.{region}.amazonaws.com/pca:1",
        TrainingAlgorithm.Script => $"{Registry(FrameworkRegistries, region)}.dkr.ecr.{region}.amazonaws.com/sagemaker-scikit-learn:{ScikitLearnImageTag}",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown training algorithm."),
    };

    private static string Registry(IReadOnlyDictionary<string, string> registries, string region) =>
        registries.TryGetValue(region, out var account)
            ? account
            : throw new ArgumentException($"Region '{region}' has no known SageMaker image registry here; supported: {string.Join(", ", registries.Keys.Order(StringComparer.Ordinal))}.", nameof(region));
}
