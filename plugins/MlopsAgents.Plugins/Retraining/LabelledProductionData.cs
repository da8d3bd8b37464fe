using System.Globalization;
using System.Text.Json;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Monitoring;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.Retraining;

/// <summary>
/// The feedback loop: joins the sampled inputs in the inference log with the labels posted to /feedback, and merges
/// those labelled production rows into the next version of the training data.
/// </summary>
public static class LabelledProductionData
{
    /// <summary>
    /// Every sampled row of <paramref name="model"/> that received a label, as a table with the dataset's columns
    /// (<paramref name="columns"/>, the target among them). Input columns a row lacks are left empty.
    /// </summary>
    public static async Task<DataFrame> CollectAsync(IArtifactStore store, string model, IReadOnlyList<string> columns, string target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(columns);
        var labels = new Dictionary<(string, int), string>();
        foreach (var key in (await store.ListAsync(InferenceLog.FeedbackPrefix, cancellationToken).ConfigureAwait(false)).Order(StringComparer.Ordinal))
        {
            foreach (var line in (await store.ReadTextAsync(key, cancellationToken).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var outcome = JsonSerializer.Deserialize<LabeledOutcome>(line)!;
                if (outcome.Model == model)
                {
                    // A later label for the same row corrects an earlier one.
                    labels[(outcome.RequestId, outcome.Row)] = outcome.Label;
                }
            }
        }

        var rows = new List<string?[]>();
        var targetIndex = columns.ToList().IndexOf(target);
        foreach (var key in (await store.ListAsync(InferenceLog.PredictionsPrefix, cancellationToken).ConfigureAwait(false)).Order(StringComparer.Ordinal))
        {
            foreach (var line in (await store.ReadTextAsync(key, cancellationToken).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.GetProperty("model").GetString() != model)
                {
                    continue;
                }

                var requestId = root.GetProperty("request_id").GetString()!;
                var index = 0;
                foreach (var row in root.GetProperty("rows").EnumerateArray())
                {
                    if (labels.TryGetValue((requestId, index), out var label))
                    {
                        var cells = new string?[columns.Count];
                        for (var c = 0; c < columns.Count; c++)
                        {
                            cells[c] = c == targetIndex ? label : row.TryGetProperty(columns[c], out var v) ? Cell(v) : null;
                        }

                        rows.Add(cells);
                    }

                    index++;
                }
            }
        }

        return new DataFrame(columns, rows);
    }

    /// <summary>
    /// Appends <paramref name="production"/> to the latest version of <paramref name="datasetId"/> and registers the
    /// result as its next version. Returns the new version, or the latest one unchanged when there was nothing to add.
    /// </summary>
    public static async Task<DatasetAddResult> MergeIntoNextVersionAsync(MlopsContext context, string datasetId, DataFrame production, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(production);
        var datasets = new DatasetService(context.Registry, context.Store);
        var (latest, frame) = await datasets.LoadAsync(datasetId, null, cancellationToken).ConfigureAwait(false);
        if (production.RowCount == 0)
        {
            return new DatasetAddResult(latest, Created: false);
        }

        var map = frame.Columns.Select(production.IndexOf).ToArray();
        var merged = frame.WithRows(frame.Rows.Concat(production.Rows.Select(r => map.Select(i => i < 0 ? null : r[i]).ToArray())));
        var scratch = Path.Combine(context.CacheDirectory, "feedback-merge", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        try
        {
            var path = Path.Combine(scratch, DatasetService.DataFileName);
            await using (var writer = new StreamWriter(path))
            {
                merged.WriteCsv(writer);
            }

            return await datasets.AddAsync(path, datasetId, latest.Target, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// The whole feedback merge of <c>mlops retrain --merge-feedback</c> and the watcher's
    /// <c>--retrain-merge-feedback</c>: collects <paramref name="model"/>'s labelled production rows with the columns
    /// of the latest version of <paramref name="datasetId"/> and registers them appended as its next version.
    /// <paramref name="fallbackTarget"/> names the label column when the dataset has none recorded.
    /// </summary>
    public static async Task<FeedbackMerge> MergeFeedbackAsync(MlopsContext context, string model, string datasetId, string? fallbackTarget = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(datasetId);
        var (dataset, frame) = await new DatasetService(context.Registry, context.Store).LoadAsync(datasetId, null, cancellationToken).ConfigureAwait(false);
        var production = await CollectAsync(context.Store, model, frame.Columns, dataset.Target ?? fallbackTarget ?? string.Empty, cancellationToken).ConfigureAwait(false);
        var merged = await MergeIntoNextVersionAsync(context, datasetId, production, cancellationToken).ConfigureAwait(false);
        return new FeedbackMerge(production.RowCount, merged.Dataset, merged.Created);
    }

    private static string? Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}

/// <summary>What a feedback merge did: how many labelled rows it found and the dataset version to train on.</summary>
public sealed record FeedbackMerge(int Rows, DatasetVersion Dataset, bool Created)
{
    /// <summary>One line for the console and the firing's detail.</summary>
    public string Describe(string datasetId) => Created
        ? string.Create(CultureInfo.InvariantCulture, $"merged {Rows} labelled production rows into {datasetId} v{Dataset.Version}")
        : string.Create(CultureInfo.InvariantCulture, $"no labelled production rows to merge; {datasetId} stays at v{Dataset.Version}");
}

/// <summary>The watcher's feedback merge for a model (see <see cref="LabelledProductionData.MergeFeedbackAsync"/>).</summary>
public sealed class FeedbackMerger(MlopsContext context)
{
    public Task<FeedbackMerge> MergeAsync(string model, string datasetId, CancellationToken cancellationToken) =>
        LabelledProductionData.MergeFeedbackAsync(context, model, datasetId, null, cancellationToken);
}
