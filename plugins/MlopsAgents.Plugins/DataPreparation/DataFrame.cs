using System.Globalization;
using System.Text;

namespace MlopsAgents.Plugins.DataPreparation;

/// <summary>Whether a column holds numbers or categories.</summary>
public enum ColumnKind
{
    Numeric,
    Categorical,
}

/// <summary>
/// A table of raw cells as read from CSV: strings, with null for a missing value. Kept as text so the same
/// preprocessing code serves training (CSV) and prediction (JSON rows).
/// </summary>
public sealed class DataFrame
{
    private static readonly HashSet<string> MissingTokens = new(StringComparer.OrdinalIgnoreCase) { "", "NA", "N/A", "NaN", "null", "None" };

    public DataFrame(IReadOnlyList<string> columns, List<string?[]> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    public IReadOnlyList<string> Columns { get; }

    public List<string?[]> Rows { get; }

    public int RowCount => Rows.Count;

    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == column)
            {
                return i;
            }
        }

        return -1;
    }

    public DataFrame WithRows(IEnumerable<string?[]> rows) => new(Columns, rows.ToList());

    /// <summary>True when the cell counts as missing (empty, NA, N/A, NaN, null, None).</summary>
    public static bool IsMissingToken(string? cell) => cell is null || MissingTokens.Contains(cell.Trim());

    public static bool TryParseNumber(string? cell, out double value) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>A column is numeric when every present cell parses as a finite invariant-culture number.</summary>
    public ColumnKind InferKind(int column)
    {
        var any = false;
        foreach (var row in Rows)
        {
            var cell = row[column];
            if (cell is null)
            {
                continue;
            }

            any = true;
            if (!TryParseNumber(cell, out _))
            {
                return ColumnKind.Categorical;
            }
        }

        return any ? ColumnKind.Numeric : ColumnKind.Categorical;
    }

    /// <summary>Reads CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF). Throws <see cref="FormatException"/> naming the line on a malformed file.</summary>
    public static DataFrame ReadCsv(string path)
    {
        using var reader = new StreamReader(path, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true);
        return ReadCsv(reader, path);
    }

    public static DataFrame ReadCsv(TextReader reader, string sourceName)
    {
        var records = ParseRecords(reader, sourceName).GetEnumerator();
        if (!records.MoveNext())
        {
            throw new FormatException($"{sourceName}: the file is empty; a header row with column names is required.");
        }

        var header = records.Current.Fields.Select(h => h.Trim()).ToArray();
        var duplicate = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new FormatException($"{sourceName}: column '{duplicate.Key}' appears more than once in the header.");
        }

        if (header.Any(string.IsNullOrEmpty))
        {
            throw new FormatException($"{sourceName}: the header has an empty column name.");
        }

        var rows = new List<string?[]>();
        while (records.MoveNext())
        {
            var (fields, line) = records.Current;
            if (fields.Count == 1 && fields[0].Length == 0)
            {
                continue; // blank line
            }

            if (fields.Count != header.Length)
            {
                throw new FormatException($"{sourceName}: line {line} has {fields.Count} fields but the header has {header.Length}.");
            }

            rows.Add(fields.Select(f => IsMissingToken(f) ? null : f.Trim()).ToArray());
        }

        return new DataFrame(header, rows);
    }

    /// <summary>Writes CSV with quoting where needed.</summary>
    public void WriteCsv(TextWriter writer)
    {
        writer.Write(string.Join(',', Columns.Select(Quote)));
        writer.Write('\n');
        foreach (var row in Rows)
        {
            writer.Write(string.Join(',', row.Select(c => c is null ? "" : Quote(c))));
            writer.Write('\n');
        }
    }

    public static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static IEnumerable<(List<string> Fields, int Line)> ParseRecords(TextReader reader, string sourceName)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var line = 1;
        var recordLine = 1;
        var fieldStarted = false;
        int ch;
        while ((ch = reader.Read()) != -1)
        {
            var c = (char)ch;
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0:
                    inQuotes = true;
                    fieldStarted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    yield return (fields, recordLine);
                    fields = [];
                    fieldStarted = false;
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(c);
                    fieldStarted = true;
                    break;
            }
        }

        if (inQuotes)
        {
            throw new FormatException($"{sourceName}: a quoted field opened on line {recordLine} is never closed.");
        }

        if (fieldStarted || field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return (fields, recordLine);
        }
    }
}
