namespace MlopsAgents.Plugins.Storage;

/// <summary>
/// The root of the embedded default's state: the artifact store, the SQLite registry and the training histories.
/// Set by <c>MLOPS_HOME</c>; defaults to <c>./.mlops</c>.
/// </summary>
public sealed record MlopsHome(string Root)
{
    public const string EnvironmentVariable = "MLOPS_HOME";

    /// <summary>Where artifacts live, laid out like the S3 bucket (datasets/, models/, evaluations/, optimizations/, logs/).</summary>
    public string ArtifactsRoot => Path.Combine(Root, "artifacts");

    public string RegistryDatabase => Path.Combine(Root, "registry.db");

    public string TrainingHistoryDirectory => Path.Combine(Root, "training_history");

    /// <summary>Resolves the home from the environment, falling back to ./.mlops under the current directory.</summary>
    public static MlopsHome FromEnvironment()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        var root = string.IsNullOrWhiteSpace(configured) ? Path.Combine(Environment.CurrentDirectory, ".mlops") : configured;
        return new MlopsHome(Path.GetFullPath(root));
    }

    /// <summary>Creates the directories the stores need.</summary>
    public MlopsHome EnsureCreated()
    {
        Directory.CreateDirectory(ArtifactsRoot);
        Directory.CreateDirectory(TrainingHistoryDirectory);
        return this;
    }
}
