namespace MlopsAgents.Plugins.Monitoring;

/// <summary>
/// How drift is decided. The defaults are Evidently's: a reference of at most <see cref="SmallReferenceMaxRows"/> rows
/// is judged by KS (numeric) or chi-square (categorical) at p &lt; <see cref="PValueThreshold"/>; a larger one by
/// normalised Wasserstein ≥ <see cref="WassersteinThreshold"/> or Jensen–Shannon ≥ <see cref="JensenShannonThreshold"/>.
/// The dataset drifts when at least <see cref="DriftShareThreshold"/> of its features drift.
/// </summary>
public sealed record DriftOptions
{
    public int SmallReferenceMaxRows { get; init; } = 1000;

    public double PValueThreshold { get; init; } = 0.05;

    public double WassersteinThreshold { get; init; } = 0.1;

    public double JensenShannonThreshold { get; init; } = 0.1;

    /// <summary>PSI decision threshold (Evidently's 0.1; 0.25 is the usual "major shift" mark).</summary>
    public double PsiThreshold { get; init; } = 0.1;

    /// <summary>A numeric column whose reference holds at most this many distinct values is treated as categorical.</summary>
    public int CategoricalMaxUnique { get; init; } = 5;

    public double DriftShareThreshold { get; init; } = 0.5;

    /// <summary>Quantile bins PSI uses over the reference.</summary>
    public int PsiBins { get; init; } = 10;

    /// <summary>Forces the method for numeric columns (KS, Wasserstein or PSI) instead of the size rule.</summary>
    public DriftMethod? NumericMethod { get; init; }

    /// <summary>Forces the method for categorical columns (chi-square or Jensen–Shannon) instead of the size rule.</summary>
    public DriftMethod? CategoricalMethod { get; init; }

    /// <summary>Every problem with these options, as messages a person can act on; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (SmallReferenceMaxRows < 0)
        {
            problems.Add($"{nameof(SmallReferenceMaxRows)} must be at least 0.");
        }

        if (PValueThreshold is <= 0 or >= 1)
        {
            problems.Add($"{nameof(PValueThreshold)} must lie strictly between 0 and 1.");
        }

        if (WassersteinThreshold <= 0 || JensenShannonThreshold <= 0 || PsiThreshold <= 0)
        {
            problems.Add("The Wasserstein, Jensen–Shannon and PSI thresholds must be positive.");
        }

        if (CategoricalMaxUnique < 0)
        {
            problems.Add($"{nameof(CategoricalMaxUnique)} must be at least 0.");
        }

        if (DriftShareThreshold is <= 0 or > 1)
        {
            problems.Add($"{nameof(DriftShareThreshold)} must lie in (0, 1].");
        }

        if (PsiBins < 2)
        {
            problems.Add($"{nameof(PsiBins)} must be at least 2.");
        }

        if (NumericMethod is { } n && n is not (DriftMethod.KolmogorovSmirnov or DriftMethod.Wasserstein or DriftMethod.Psi))
        {
            problems.Add($"{nameof(NumericMethod)} must be KS, Wasserstein or PSI, not {n}.");
        }

        if (CategoricalMethod is { } c && c is not (DriftMethod.ChiSquare or DriftMethod.JensenShannon))
        {
            problems.Add($"{nameof(CategoricalMethod)} must be chi-square or Jensen–Shannon, not {c}.");
        }

        return problems;
    }
}
