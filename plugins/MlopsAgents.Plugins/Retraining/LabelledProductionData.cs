using System.Globalization;
using System.Text.Json;
using MlopsAgents.Plugins.DataPreparation;
using MlopsAgents.Plugins.Monitoring;
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

    private static string? Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
