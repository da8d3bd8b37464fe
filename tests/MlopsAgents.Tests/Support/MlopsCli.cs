using System.Diagnostics;

namespace MlopsAgents.Tests.Support;

/// <summary>
/// Runs the real <c>mlops</c> CLI as a child process from its own output folder (its deps and runtimeconfig), built
/// on demand. Linked into the other test projects that drive the CLI end to end.
/// </summary>
internal static class MlopsCli
{
    public static (int Code, string Stdout, string Stderr) Run(params string[] args) => Run(null, TimeSpan.FromMinutes(1), args);

    public static (int Code, string Stdout, string Stderr) Run(IReadOnlyDictionary<string, string?>? environment, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Dll());
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(timeout), $"mlops {string.Join(' ', args)} did not finish within {timeout}.");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Dll() => BuiltDll(Path.Combine("agents", "MlopsAgents.Cli"), "mlops.dll");

    /// <summary>
    /// The source tree's build of <paramref name="projectFolder"/> in the tests' own configuration, built on demand:
    /// the path of <paramref name="dllName"/> in its bin folder.
    /// </summary>
    internal static string BuiltDll(string projectFolder, string dllName)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "MlopsAgents.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var project = Path.Combine(root.FullName, projectFolder);
        var bin = Path.Combine(project, "bin", configuration);
        var dll = Directory.Exists(bin) ? Directory.GetFiles(bin, dllName, SearchOption.AllDirectories).FirstOrDefault() : null;
        if (dll is null)
        {
            using var build = Process.Start(new ProcessStartInfo("dotnet", ["build", project, "-c", configuration]) { RedirectStandardOutput = true })!;
            build.StandardOutput.ReadToEnd();
            build.WaitForExit();
            dll = Directory.GetFiles(bin, dllName, SearchOption.AllDirectories).First();
        }

        return dll;
    }
}
