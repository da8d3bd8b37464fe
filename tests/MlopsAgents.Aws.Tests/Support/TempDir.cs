namespace MlopsAgents.Aws.Tests.Support;

/// <summary>A fresh folder under the system temp folder for one test's MLOPS_HOME and files, deleted when the test ends.</summary>
public sealed class TempDir(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
