using MlopsAgents.Plugins.Packaging;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// What a shadow version did with the traffic mirrored to it, for offline comparison with the primary: how many
/// requests it received, how many of its rows agreed with the primary's prediction, and how many it failed.
/// </summary>
public sealed class ShadowComparison
{
    // Regression outputs are compared with this relative tolerance; classes are compared exactly.
    private const double RelativeTolerance = 1e-9;

    private long _requests;
    private long _failedRequests;
    private long _comparedRows;
    private long _agreeingRows;

    public ShadowComparison(string model, string primaryVersion, string shadowVersion)
    {
        Model = model;
        PrimaryVersion = primaryVersion;
        ShadowVersion = shadowVersion;
    }

    public string Model { get; }

    public string PrimaryVersion { get; }

    public string ShadowVersion { get; }

    /// <summary>Requests mirrored to the shadow.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Mirrored requests the shadow rejected while the primary answered them.</summary>
    public long FailedRequests => Interlocked.Read(ref _failedRequests);

    /// <summary>Rows predicted by both versions.</summary>
    public long ComparedRows => Interlocked.Read(ref _comparedRows);

    public long AgreeingRows => Interlocked.Read(ref _agreeingRows);

    /// <summary>The share of compared rows where both versions predicted the same; NaN before any row.</summary>
    public double AgreementRate => ComparedRows == 0 ? double.NaN : AgreeingRows / (double)ComparedRows;

    /// <summary>Records one mirrored request: the primary's and the shadow's predictions (null when one failed).</summary>
    public void Record(IReadOnlyList<RowPrediction>? primary, IReadOnlyList<RowPrediction>? shadow)
    {
        Interlocked.Increment(ref _requests);
        if (shadow is null)
        {
            if (primary is not null)
            {
                Interlocked.Increment(ref _failedRequests);
            }

            return;
        }

        if (primary is null || primary.Count != shadow.Count)
        {
            return;
        }

        long agreeing = 0;
        for (var i = 0; i < primary.Count; i++)
        {
            if (Agree(primary[i].Prediction, shadow[i].Prediction))
            {
                agreeing++;
            }
        }

        Interlocked.Add(ref _agreeingRows, agreeing);
        Interlocked.Add(ref _comparedRows, primary.Count);
    }

    private static bool Agree(object a, object b) => (a, b) switch
    {
        (double x, double y) => Math.Abs(x - y) <= RelativeTolerance * Math.Max(1.0, Math.Max(Math.Abs(x), Math.Abs(y))),
        _ => Equals(a, b),
    };
}
