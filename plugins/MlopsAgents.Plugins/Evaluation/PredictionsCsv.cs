using System.Globalization;
using System.Text;

namespace MlopsAgents.Plugins.Evaluation;

/// <summary>Writes the predictions on a held-out split as CSV (RFC 4180 quoting, UTF-8, invariant culture, round-trip numbers).</summary>
public static class PredictionsCsv
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Writes classification predictions: columns <c>actual,predicted,p_&lt;class&gt;...</c>, with class names as
    /// labels and the predicted class taken as the arg-max of each probability row, as <see cref="ClassificationEvaluator"/> does.
    /// </summary>
    public static void Write(string path, int[] actual, double[][] probabilities, IReadOnlyList<string> classNames)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(classNames);
        if (actual.Length != probabilities.Length)
        {
            throw new ArgumentException($"There are {actual.Length} actual labels but {probabilities.Length} probability rows.", nameof(probabilities));
        }

        for (var i = 0; i < actual.Length; i++)
        {
            if (actual[i] < 0 || actual[i] >= classNames.Count)
            {
                throw new ArgumentException($"Row {i} has class index {actual[i]}, outside 0..{classNames.Count - 1}.", nameof(actual));
            }

            if (probabilities[i] is null || probabilities[i].Length != classNames.Count)
            {
                throw new ArgumentException($"Probability row {i} does not hold {classNames.Count} values.", nameof(probabilities));
            }
        }

        WriteLines(path, writer =>
        {
            WriteRecord(writer, new[] { "actual", "predicted" }.Concat(classNames.Select(c => "p_" + c)));
            for (var i = 0; i < actual.Length; i++)
            {
                var row = probabilities[i];
                WriteRecord(writer, new[] { classNames[actual[i]], classNames[ClassificationEvaluator.ArgMax(row)] }.Concat(row.Select(Format)));
            }
        });
    }

    /// <summary>Writes regression predictions: columns <c>actual,predicted</c>.</summary>
    public static void Write(string path, double[] actual, double[] predicted)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException($"There are {actual.Length} actual values but {predicted.Length} predictions.", nameof(predicted));
        }

        WriteLines(path, writer =>
        {
            WriteRecord(writer, ["actual", "predicted"]);
            for (var i = 0; i < actual.Length; i++)
            {
                WriteRecord(writer, [Format(actual[i]), Format(predicted[i])]);
            }
        });
    }

    /// <summary>Quotes a field when it holds a comma, a quote or a line break, doubling any quotes inside.</summary>
    public static string Escape(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static void WriteRecord(TextWriter writer, IEnumerable<string> fields)
    {
        writer.Write(string.Join(',', fields.Select(Escape)));
        writer.Write('\n');
    }

    private static void WriteLines(string path, Action<TextWriter> write) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8NoBom, bufferSize: 64 * 1024, leaveOpen: true);
            write(writer);
        });
}
