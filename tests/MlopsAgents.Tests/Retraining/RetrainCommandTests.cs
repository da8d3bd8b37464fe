using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Retraining;

/// <summary><c>mlops retrain</c>'s input checks, through the real CLI process.</summary>
public sealed class RetrainCommandTests
{
    [Fact]
    public void MlopsRetrain_MissingFreshFile_ExitsTwoNamingTheOption()
    {
        using var dir = new TempDirectory();

        var (code, _, stderr) = MlopsCli.Run("retrain", Examples.Issue("breast-cancer.md"), "--fresh", dir.Combine("absent.csv"));

        Assert.Equal(2, code);
        Assert.Contains("--fresh: '", stderr, StringComparison.Ordinal);
        Assert.Contains("absent.csv' does not exist", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void MlopsRetrain_UnknownMetric_ExitsTwoListingAllowed()
    {
        using var dir = new TempDirectory();
        var fresh = dir.Combine("fresh.csv");
        File.WriteAllText(fresh, "a,diagnosis\n1,benign\n");

        var (code, _, stderr) = MlopsCli.Run("retrain", Examples.Issue("breast-cancer.md"), "--fresh", fresh, "--metric", "auc");

        Assert.Equal(2, code);
        Assert.Contains("metric is 'auc'; allowed: accuracy, macro_f1, rmse, mae.", stderr, StringComparison.Ordinal);
    }
}
