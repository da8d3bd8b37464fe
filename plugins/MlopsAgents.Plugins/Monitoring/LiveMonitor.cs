using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlopsAgents.Plugins.DataPreparation;

namespace MlopsAgents.Plugins.Monitoring;

/// <summary>One served request as feedback needs it: who served it and what each row got.</summary>
public sealed record PredictionTrace(string RequestId, string Model, string Version, DateTimeOffset Time, IReadOnlyList<string> Predictions, IReadOnlyList<double?> Confidences);

/// <summary>A ground-truth label joined to the prediction it judges.</summary>
public sealed record LabeledOutcome(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("row")] int Row,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("predicted")] string Predicted,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("correct")] bool Correct,
    [property: JsonPropertyName("absolute_error")] double? AbsoluteError,
    [property: JsonPropertyName("confidence")] double? Confidence,
    [property: JsonPropertyName("time")] DateTimeOffset Time);

/// <summary>One label posted to /feedback: the request id the server returned, the row in that request, the true value.</summary>
public sealed record FeedbackItem(string RequestId, int Row, string Label);

/// <summary>What /feedback did with a batch: the outcomes it joined, and the items it could not join, each with why.</summary>
public sealed record FeedbackResult(IReadOnlyList<LabeledOutcome> Joined, IReadOnlyList<string> Rejected);

/// <summary>The live health of one model's traffic, as the dashboard and the alert rules read it.</summary>
public sealed record ModelHealth(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("window_rows")] int WindowRows,
    [property: JsonPropertyName("estimated_accuracy")] double? EstimatedAccuracy,
    [property: JsonPropertyName("labeled")] int Labeled,
    [property: JsonPropertyName("accuracy")] double? Accuracy,
    [property: JsonPropertyName("accuracy_by_version")] IReadOnlyDictionary<string, double> AccuracyByVersion,
    [property: JsonPropertyName("concept_drift")] bool ConceptDrift,
    [property: JsonPropertyName("prediction_drift")] double? PredictionDrift,
    [property: JsonPropertyName("data_drift")] DriftReport? DataDrift);

/// <summary>
/// What the server watches per model: a sliding window of recent inputs and predictions (data drift against the
/// training baseline, prediction drift, the confidence-based accuracy estimate) and the labels posted back as feedback
/// (realised accuracy per version, concept drift).
/// </summary>
/// <remarks>
/// The confidence-based estimate (CBPE) is the mean top-class probability: for a calibrated classifier that is the
/// expected accuracy, so it warns before labels arrive. Concept drift is flagged when the realised accuracy on the
/// labelled rows falls below their own confidence-based expectation by more than
/// <see cref="ConceptDriftMargin"/>, with at least <see cref="MinLabelsForConceptDrift"/> labels: the model is as
/// confident as ever, but wrong, so the relation between inputs and target moved.
/// </remarks>
public sealed class LiveMonitor(int feedbackCapacity, int windowRows, IReadOnlyDictionary<string, DriftBaseline> baselines, DriftOptions? driftOptions = null)
{
    /// <summary>The drop of realised accuracy below the expected one that counts as concept drift.</summary>
    public const double ConceptDriftMargin = 0.10;

    /// <summary>The fewest labels concept drift is judged on.</summary>
    public const int MinLabelsForConceptDrift = 30;

    private readonly ConcurrentDictionary<string, PredictionTrace> _traces = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _traceOrder = new();

    // ConcurrentDictionary.Count takes every bucket lock (up to 1,024 once the table has grown), which cost ~40 µs
    // per prediction and serialised the request threads; an Interlocked count of what this class added and removed
    // is exact enough to bound the memory.
    private int _traceCount;
    private readonly ConcurrentDictionary<string, ModelWindow> _windows = new(StringComparer.Ordinal);
    private readonly DriftDetector _drift = new(driftOptions);

    /// <summary>Records a served request and its input rows.</summary>
    public void RecordPrediction(PredictionTrace trace, IReadOnlyList<JsonElement> rows)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(rows);
        if (_traces.TryAdd(trace.RequestId, trace))
        {
            Interlocked.Increment(ref _traceCount);
            _traceOrder.Enqueue(trace.RequestId);
            while (Volatile.Read(ref _traceCount) > feedbackCapacity && _traceOrder.TryDequeue(out var oldest))
            {
                if (_traces.TryRemove(oldest, out _))
                {
                    Interlocked.Decrement(ref _traceCount);
                }
            }
        }

        var baseline = baselines.GetValueOrDefault(trace.Model);
        var window = _windows.GetOrAdd(trace.Model, m => new ModelWindow(baseline?.Features.Select(f => f.Name).ToArray() ?? [], windowRows));
        window.Add(rows, trace.Predictions, trace.Confidences);
    }

    /// <summary>Joins posted labels to the predictions they judge.</summary>
    public FeedbackResult RecordFeedback(IReadOnlyList<FeedbackItem> items, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(items);
        var joined = new List<LabeledOutcome>();
        var rejected = new List<string>();
        foreach (var item in items)
        {
            if (!_traces.TryGetValue(item.RequestId, out var trace))
            {
                rejected.Add($"request_id '{item.RequestId}' is unknown or older than the last {feedbackCapacity} predictions kept for feedback");
                continue;
            }

            if (item.Row < 0 || item.Row >= trace.Predictions.Count)
            {
                rejected.Add(string.Create(CultureInfo.InvariantCulture, $"row {item.Row} of request '{item.RequestId}' does not exist; it had rows 0 to {trace.Predictions.Count - 1}"));
                continue;
            }

            var predicted = trace.Predictions[item.Row];
            // A row without class probabilities is a regression output: it is judged by its absolute error.
            var numeric = trace.Confidences[item.Row] is null & DataFrame.TryParseNumber(predicted, out var p) & DataFrame.TryParseNumber(item.Label, out var l);
            double? absoluteError = numeric ? Math.Abs(p - l) : null;
            var correct = numeric ? absoluteError <= 1e-9 * Math.Max(1, Math.Abs(l)) : string.Equals(predicted, item.Label, StringComparison.Ordinal);
            var outcome = new LabeledOutcome(item.RequestId, item.Row, trace.Model, trace.Version, predicted, item.Label, correct, absoluteError, trace.Confidences[item.Row], now);
            _windows.GetOrAdd(trace.Model, m => new ModelWindow([], windowRows)).AddOutcome(outcome);
            joined.Add(outcome);
        }

        return new FeedbackResult(joined, rejected);
    }

    /// <summary>The labelled outcomes kept for <paramref name="model"/>, oldest first.</summary>
    public IReadOnlyList<LabeledOutcome> Outcomes(string model) => _windows.TryGetValue(model, out var w) ? w.Outcomes() : [];

    /// <summary>The models seen so far, in ordinal order.</summary>
    public IReadOnlyList<string> Models => [.. _windows.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Computes the live health of <paramref name="model"/> from its window and feedback.</summary>
    public ModelHealth Health(string model)
    {
        if (!_windows.TryGetValue(model, out var window))
        {
            return new ModelHealth(model, 0, null, 0, null, new Dictionary<string, double>(), false, null, null);
        }

        var (rows, predictions, confidences) = window.Snapshot();
        var outcomes = window.Outcomes();
        var known = confidences.Where(c => c.HasValue).Select(c => c!.Value).ToArray();
        double? estimated = known.Length > 0 ? known.Average() : null;
        double? accuracy = outcomes.Count > 0 ? outcomes.Count(o => o.Correct) / (double)outcomes.Count : null;
        var byVersion = outcomes.GroupBy(o => o.Version, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(o => o.Correct) / (double)g.Count(), StringComparer.Ordinal);
        var labelledConfidences = outcomes.Where(o => o.Confidence.HasValue).Select(o => o.Confidence!.Value).ToArray();
        var conceptDrift = outcomes.Count >= MinLabelsForConceptDrift && labelledConfidences.Length == outcomes.Count
            && accuracy < labelledConfidences.Average() - ConceptDriftMargin;

        var baseline = baselines.GetValueOrDefault(model);
        DriftReport? dataDrift = null;
        double? predictionDrift = null;
        if (baseline is not null && rows.Count > 0)
        {
            dataDrift = _drift.CompareToBaseline(baseline, new DataFrame([.. baseline.Features.Select(f => f.Name)], rows));
            if (baseline.Predictions.ClassFrequencies is { Count: > 0 } reference && predictions.Count > 0)
            {
                predictionDrift = _drift.CompareCategorical("prediction", Expand(reference, predictions.Count), predictions).Statistic;
            }
        }

        return new ModelHealth(model, rows.Count == 0 ? predictions.Count : rows.Count, estimated, outcomes.Count, accuracy, byVersion, conceptDrift, predictionDrift, dataDrift);
    }

    // The baseline keeps class shares, not rows; a reference of the same size with those shares gives the categorical
    // tests the same proportions.
    private static string[] Expand(IReadOnlyDictionary<string, double> shares, int size) =>
        [.. shares.OrderBy(s => s.Key, StringComparer.Ordinal).SelectMany(s => Enumerable.Repeat(s.Key, (int)Math.Round(s.Value * size)))];

    private sealed class ModelWindow(string[] columns, int capacity)
    {
        private readonly Queue<string?[]> _rows = new();
        private readonly Queue<(string Prediction, double? Confidence)> _predictions = new();
        private readonly Queue<LabeledOutcome> _outcomes = new();
        private readonly Lock _gate = new();

        public void Add(IReadOnlyList<JsonElement> rows, IReadOnlyList<string> predictions, IReadOnlyList<double?> confidences)
        {
            var cells = columns.Length == 0 ? [] : rows.Select(ToCells).ToArray();
            lock (_gate)
            {
                foreach (var row in cells)
                {
                    _rows.Enqueue(row);
                    if (_rows.Count > capacity)
                    {
                        _rows.Dequeue();
                    }
                }

                for (var i = 0; i < predictions.Count; i++)
                {
                    _predictions.Enqueue((predictions[i], confidences[i]));
                    if (_predictions.Count > capacity)
                    {
                        _predictions.Dequeue();
                    }
                }
            }
        }

        public void AddOutcome(LabeledOutcome outcome)
        {
            lock (_gate)
            {
                _outcomes.Enqueue(outcome);
                if (_outcomes.Count > capacity)
                {
                    _outcomes.Dequeue();
                }
            }
        }

        public (List<string?[]> Rows, List<string> Predictions, List<double?> Confidences) Snapshot()
        {
            lock (_gate)
            {
                return ([.. _rows], [.. _predictions.Select(p => p.Prediction)], [.. _predictions.Select(p => p.Confidence)]);
            }
        }

        public IReadOnlyList<LabeledOutcome> Outcomes()
        {
            lock (_gate)
            {
                return [.. _outcomes];
            }
        }

        private string?[] ToCells(JsonElement row)
        {
            var cells = new string?[columns.Length];
            if (row.ValueKind != JsonValueKind.Object)
            {
                return cells;
            }

            for (var i = 0; i < columns.Length; i++)
            {
                if (row.TryGetProperty(columns[i], out var value))
                {
                    cells[i] = value.ValueKind switch
                    {
                        JsonValueKind.String => value.GetString(),
                        JsonValueKind.Number => value.GetRawText(),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => null,
                    };
                }
            }

            return cells;
        }
    }
}
