using MlopsAgents.Plugins.Training.Search;

namespace MlopsAgents.Tests.Search;

public sealed class GaussianProcessTests
{
    private static readonly GaussianProcessSettings UnitRbf = new(KernelKind.Rbf, LengthScale: 1, SignalVariance: 1, NoiseVariance: 0);

    [Fact]
    public void Predict_TwoPointRbf_MatchesTheClosedForm()
    {
        // K = [[1, a], [a, 1]] with a = exp(-1/2); y = (1, -1), so α = K⁻¹y = (1, -1)/(1 - a).
        var gp = GaussianProcess.Fit([[0.0], [1.0]], [1.0, -1.0], UnitRbf);
        var a = Math.Exp(-0.5);

        // Midway, k* = (b, b) with b = exp(-1/8): mean 0 and variance 1 - 2b²/(1 + a).
        var (midMean, midVariance) = gp.Predict([0.5]);
        Assert.Equal(0.0, midMean, 6);
        Assert.Equal(1 - 2 * Math.Exp(-0.25) / (1 + a), midVariance, 6);

        // At x = 2, k* = (c, a) with c = exp(-2): mean (c - a)/(1 - a), variance 1 - (c² - 2acd + a²)/(1 - a²) with d = a.
        var c = Math.Exp(-2);
        var (farMean, farVariance) = gp.Predict([2.0]);
        Assert.Equal((c - a) / (1 - a), farMean, 6);
        Assert.Equal(1 - (c * c - 2 * a * c * a + a * a) / (1 - a * a), farVariance, 6);
    }

    [Fact]
    public void Predict_AtAnObservationWithoutNoise_InterpolatesWithZeroVariance()
    {
        var gp = GaussianProcess.Fit([[0.0], [1.0]], [1.0, -1.0], UnitRbf);

        var (mean, variance) = gp.Predict([0.0]);

        Assert.Equal(1.0, mean, 6);
        Assert.Equal(0.0, variance, 6);
    }

    [Fact]
    public void Predict_OnePointMaternWithNoise_ShrinksTowardThePrior()
    {
        // k(x, x) = 1, so mean = y/(1 + σₙ²) and variance = 1 - 1/(1 + σₙ²).
        var gp = GaussianProcess.Fit([[0.3]], [2.0], new GaussianProcessSettings(KernelKind.Matern52, 0.5, 1, 0.5));

        var (mean, variance) = gp.Predict([0.3]);

        Assert.Equal(2.0 / 1.5, mean, 6);
        Assert.Equal(1 - 1 / 1.5, variance, 6);
    }

    [Fact]
    public void Kernel_Matern52_MatchesTheFormula()
    {
        var settings = new GaussianProcessSettings(KernelKind.Matern52, 0.5, 2.0, 0);
        var s = Math.Sqrt(5) * 0.3 / 0.5;

        Assert.Equal(2.0 * (1 + s + s * s / 3) * Math.Exp(-s), GaussianProcess.Kernel(settings, [0.1], [0.4]), 12);
    }

    [Fact]
    public void LogMarginalLikelihood_OnePoint_MatchesTheGaussianDensity()
    {
        var gp = GaussianProcess.Fit([[0.0]], [2.0], new GaussianProcessSettings(KernelKind.Rbf, 1, 1, 1));

        // y ~ N(0, 2): -y²/4 - ½ log 2 - ½ log 2π.
        Assert.Equal(-1.0 - 0.5 * Math.Log(2) - 0.5 * Math.Log(2 * Math.PI), gp.LogMarginalLikelihood, 6);
    }

    [Fact]
    public void FitByMarginalLikelihood_SmoothData_PrefersALongLengthScale()
    {
        double[][] x = [[0.0], [0.25], [0.5], [0.75], [1.0]];
        var y = x.Select(p => 0.5 * p[0]).ToArray();

        var gp = GaussianProcess.FitByMarginalLikelihood(x, y, KernelKind.Matern52, [0.05, 1.0], [1e-6]);

        Assert.Equal(1.0, gp.Settings.LengthScale);
    }

    [Fact]
    public void ExpectedImprovement_CertainAndBelowTheBest_IsZero()
    {
        var gp = GaussianProcess.Fit([[0.0], [1.0]], [1.0, -1.0], UnitRbf);
        var (mean, variance) = gp.Predict([1.0]);

        Assert.Equal(0.0, ExpectedImprovement.Compute(mean, variance, best: 1.0, xi: 0));
        Assert.Equal(0.0, ExpectedImprovement.Compute(-1.0, 0.0, best: 1.0));
    }

    [Fact]
    public void ExpectedImprovement_StandardNormalAtTheBest_IsThePdfAtZero()
    {
        Assert.Equal(1 / Math.Sqrt(2 * Math.PI), ExpectedImprovement.Compute(0, 1, best: 0, xi: 0), 6);

        // Certain improvement of 0.5 is worth exactly 0.5.
        Assert.Equal(0.5, ExpectedImprovement.Compute(1.5, 0, best: 1.0, xi: 0), 12);
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(1.0, 0.8413447)]
    [InlineData(-1.96, 0.0249979)]
    public void NormalCdf_KnownValues(double z, double expected)
    {
        Assert.Equal(expected, ExpectedImprovement.NormalCdf(z), 6);
    }
}
