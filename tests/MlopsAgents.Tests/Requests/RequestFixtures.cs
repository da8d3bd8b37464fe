using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Tests.Requests;

/// <summary>Options and fixture files shared by the request tests.</summary>
internal static class RequestFixtures
{
    /// <summary>A data root that need not exist: the parser resolves paths without touching the files.</summary>
    public const string DataRoot = "/data";

    public static readonly RequestParseOptions Options = new() { DataRoot = DataRoot };

    public static readonly IReadOnlyList<string> ValidFixtures =
    [
        "seed-request.md", "full-request.yaml", "dataset-version-request.yml",
        "kmeans-iris-request.yaml", "tsne-request.yml", "reinforcement-request.md", "hpo-fairness-request.yaml",
    ];

    public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Requests", name));

    /// <summary>
    /// A minimal valid request with <paramref name="yaml"/> laid over it: a base field is dropped when the
    /// overlay sets it at the top level or says "#no field".
    /// </summary>
    public static string WithBase(string yaml)
    {
        string[] baseLines = ["dataset_id: ds-1", "task_type: classification", "algorithm: xgboost"];
        var overlay = yaml.Split('\n');
        var kept = baseLines.Where(line =>
        {
            var key = line[..line.IndexOf(':', StringComparison.Ordinal)];
            return !overlay.Any(l => l.StartsWith(key + ":", StringComparison.Ordinal) || l.Trim() == "#no " + key);
        });
        return string.Join('\n', kept.Concat(overlay)) + "\n";
    }
}
