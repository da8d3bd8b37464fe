using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>How the model server runs: workers per version, the inference log, feedback and monitoring.</summary>
public sealed record ModelServerOptions
{
    /// <summary>The defaults: one worker per core for each version, no inference log, 100,000 predictions kept for feedback.</summary>
    public static ModelServerOptions Default { get; } = new();

    /// <summary>
    /// How many workers one version runs (its worker instances): each predicts one batch at a time, so this bounds the
    /// version's concurrent predictions and one slow version cannot take every thread from the others.
    /// </summary>
    public int WorkersPerVersion { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>The most rows one worker predicts in one call when requests queue up (dynamic batching).</summary>
    public int MaxBatchRows { get; init; } = 256;

    /// <summary>The share of predictions written to the inference log, 0 to 1; 0 turns the log off.</summary>
    public double InferenceSampleRate { get; init; }

    /// <summary>Where sampled predictions and posted feedback are written; required when <see cref="InferenceSampleRate"/> is above 0.</summary>
    public IArtifactStore? InferenceStore { get; init; }

    /// <summary>How many sampled rows the inference log buffers before it writes a chunk to the store.</summary>
    public int InferenceChunkRows { get; init; } = 1_000;

    /// <summary>How many recent predictions are kept in memory so that labels posted to /feedback can be joined to them.</summary>
    public int FeedbackCapacity { get; init; } = 100_000;

    /// <summary>How many recent rows per model the live monitor keeps for drift and performance estimates.</summary>
    public int MonitorWindowRows { get; init; } = 5_000;

    /// <summary>The training baselines the live monitor compares traffic with, by model name; a model without one shows no drift.</summary>
    public IReadOnlyDictionary<string, DriftBaseline> Baselines { get; init; } = new Dictionary<string, DriftBaseline>(StringComparer.Ordinal);

    /// <summary>How the live monitor decides drift (Evidently's defaults unless set).</summary>
    public DriftOptions? Drift { get; init; }

    /// <summary>The deployment log the dashboard shows; the server starts an empty in-memory one when null.</summary>
    public DeploymentLog? DeploymentLog { get; init; }

    /// <summary>The clock for the inference log and feedback timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Test seam: injects failures and latency per version. Null in every shipped path.</summary>
    public IPredictionInterceptor? Interceptor { get; init; }

    /// <summary>Throws with a message naming the field, its value and what is allowed.</summary>
    public void Validate()
    {
        if (WorkersPerVersion is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(WorkersPerVersion), WorkersPerVersion, $"WorkersPerVersion is {WorkersPerVersion}; allowed: 1 to 1024.");
        }

        if (MaxBatchRows is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchRows), MaxBatchRows, $"MaxBatchRows is {MaxBatchRows}; allowed: 1 to 10,000.");
        }

        if (double.IsNaN(InferenceSampleRate) || InferenceSampleRate is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(InferenceSampleRate), InferenceSampleRate, $"InferenceSampleRate is {InferenceSampleRate}; allowed: a fraction from 0 to 1.");
        }

        if (InferenceSampleRate > 0 && InferenceStore is null)
        {
            throw new ArgumentException($"InferenceSampleRate is {InferenceSampleRate} but InferenceStore is not set; give a store for the inference log or set the rate to 0.", nameof(InferenceStore));
        }

        if (InferenceChunkRows is < 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(InferenceChunkRows), InferenceChunkRows, $"InferenceChunkRows is {InferenceChunkRows}; allowed: 1 to 1,000,000.");
        }

        if (FeedbackCapacity is < 1 or > 10_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(FeedbackCapacity), FeedbackCapacity, $"FeedbackCapacity is {FeedbackCapacity}; allowed: 1 to 10,000,000.");
        }

        if (MonitorWindowRows is < 10 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MonitorWindowRows), MonitorWindowRows, $"MonitorWindowRows is {MonitorWindowRows}; allowed: 10 to 1,000,000.");
        }
    }
}
