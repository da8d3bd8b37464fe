using System.Globalization;
using System.Text;

namespace MlopsAgents.Plugins.Evaluation;

/// <summary>Writes the outputs of unsupervised runs as CSV (UTF-8, invariant culture, round-trip numbers), one line per input row in input order.</summary>
public static class UnsupervisedCsv
{
    public const string AssignmentsFileName = "assignments.csv";
    public const string EmbeddingFileName = "embedding.csv";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes cluster labels under the single column <c>cluster</c> (-1 is noise).</summary>
    public static void WriteAssignments(string path, IReadOnlyList<int> labels)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(labels);
        Write(path, writer =>
        {
            writer.Write("cluster\n");
            foreach (var label in labels)
            {
                writer.Write(label.ToString(CultureInfo.InvariantCulture));
                writer.Write('\n');
            }
        });
    }

    /// <summary>Writes an embedding under the columns <c>c1..cn</c>.</summary>
    public static void WriteEmbedding(string path, IReadOnlyList<double[]> embedding)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(embedding);
        if (embedding.Count == 0 || embedding[0] is null || embedding[0].Length == 0)
        {
            throw new ArgumentException("The embedding has no rows or no columns.", nameof(embedding));
        }

        var width = embedding[0].Length;
        for (var i = 0; i < embedding.Count; i++)
        {
            if (embedding[i] is null || embedding[i].Length != width)
            {
                throw new ArgumentException($"Embedding row {i} does not hold {width} values.", nameof(embedding));
            }
        }

        Write(path, writer =>
        {
            writer.Write(string.Join(',', Enumerable.Range(1, width).Select(c => "c" + c.ToString(CultureInfo.InvariantCulture))));
            writer.Write('\n');
            foreach (var row in embedding)
            {
                writer.Write(string.Join(',', row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
                writer.Write('\n');
            }
        });
    }

    private static void Write(string path, Action<TextWriter> write) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8NoBom, bufferSize: 64 * 1024, leaveOpen: true);
            write(writer);
        });
}
