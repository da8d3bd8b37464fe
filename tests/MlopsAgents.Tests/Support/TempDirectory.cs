namespace MlopsAgents.Tests.Support;

/// <summary>A fresh directory under the system temp folder, deleted when the test ends.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("mlops-test-").FullName;

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A server still closing a file can hold it a moment; the OS temp cleaner gets it later.
        }
    }
}

/// <summary>Paths of the bundled example files copied next to the test assembly.</summary>
public static class Examples
{
    public static string Dataset(string fileName) => System.IO.Path.Combine(AppContext.BaseDirectory, "examples", "datasets", fileName);

    public static string Issue(string fileName) => System.IO.Path.Combine(AppContext.BaseDirectory, "examples", "issues", fileName);
}
