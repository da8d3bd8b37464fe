using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlopsAgents.Plugins.Requests;
using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.DataPreparation;

/// <summary>How one input column becomes one or more model features.</summary>
public sealed record InputColumn(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] ColumnKind Kind,
    [property: JsonPropertyName("impute_number")] double? ImputeNumber,
    [property: JsonPropertyName("impute_category")] string? ImputeCategory,
    [property: JsonPropertyName("scaling")] string Scaling,
    [property: JsonPropertyName("center")] double Center,
    [property: JsonPropertyName("scale")] double Scale,
    [property: JsonPropertyName("encoding")] string? Encoding,
    [property: JsonPropertyName("categories")] IReadOnlyList<string>? Categories,
    [property: JsonPropertyName("target_encoding"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TargetEncodingTable? TargetEncoding = null);

/// <summary>
/// The fitted preprocessing of phase 1: imputation, categorical encoding (onehot, label or target) and scaling, learned
/// on the training split only and saved with the model, so the model server applies exactly what training applied.
/// A target-encoded column carries its <see cref="TargetEncodingTable"/>; files written before that encoding existed
/// read unchanged.
/// </summary>
public sealed record FeaturePreprocessor(
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("task")] ModelTask Task,
    [property: JsonPropertyName("class_names")] IReadOnlyList<string> ClassNames,
    [property: JsonPropertyName("handle_missing")] string HandleMissing,
    [property: JsonPropertyName("columns")] IReadOnlyList<InputColumn> Columns,
    [property: JsonPropertyName("feature_names")] IReadOnlyList<string> FeatureNames)
{
    public const string FileName = "preprocessor.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>
    /// Learns imputation values, categories, target encodings and scaling from the training rows.
    /// <paramref name="targetSmoothing"/> is the m of target encoding (encode_categorical: target).
    /// </summary>
    public static FeaturePreprocessor Fit(
        DataFrame train,
        string target,
        IReadOnlyList<string> featureColumns,
        IReadOnlyDictionary<string, ColumnKind> kinds,
        DataPreprocessingOptions options,
        ModelTask task,
        IReadOnlyList<string> classNames,
        double targetSmoothing = TargetEncoder.DefaultSmoothing)
    {
        var scaling = options.Standardize ? "standard" : options.Normalize ? "minmax" : "none";
        var columns = new List<InputColumn>();
        var features = new List<string>();
        foreach (var name in featureColumns)
        {
            var idx = train.IndexOf(name);
            var present = train.Rows.Select(r => r[idx]).Where(v => v is not null).Select(v => v!).ToList();
            if (kinds[name] == ColumnKind.Numeric)
            {
                var values = present.Select(v => double.Parse(v, CultureInfo.InvariantCulture)).Order().ToArray();
                var impute = values.Length == 0 ? 0 : options.HandleMissing switch
                {
                    MissingValueStrategies.Median => Statistics.Quantile(values, 0.5),
                    MissingValueStrategies.Mode => values.GroupBy(v => v).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key,
                    _ => values.Average(),
                };
                var (center, scale) = (scaling, values.Length) switch
                {
                    (_, 0) => (0.0, 1.0),
                    ("standard", _) => (values.Average(), PopulationStd(values)),
                    ("minmax", _) => (values[0], values[^1] - values[0]),
                    _ => (0.0, 1.0),
                };
                columns.Add(new InputColumn(name, ColumnKind.Numeric, impute, null, scaling, center, scale == 0 ? 1 : scale, null, null));
                features.Add(name);
            }
            else
            {
                var categories = present.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                var mode = present.GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => g.Key).FirstOrDefault();
                if (options.EncodeCategorical == TargetEncoder.EncodingName)
                {
                    var encoding = FitTargetEncoding(train, target, idx, categories, task, classNames, targetSmoothing);
                    columns.Add(new InputColumn(name, ColumnKind.Categorical, null, mode, "none", 0, 1, options.EncodeCategorical, categories, encoding));
                    features.AddRange(TargetEncoder.FeatureNames(name, encoding));
                    continue;
                }

                columns.Add(new InputColumn(name, ColumnKind.Categorical, null, mode, "none", 0, 1, options.EncodeCategorical, categories));
                if (options.EncodeCategorical == CategoricalEncodings.Label)
                {
                    features.Add(name);
                }
                else
                {
                    features.AddRange(categories.Select(c => $"{name}={c}"));
                }
            }
        }

        return new FeaturePreprocessor(target, task, classNames, options.HandleMissing, columns, features);
    }

    /// <summary>
    /// Turns one row into features. <paramref name="lookup"/> returns whether the column is present and its cell
    /// (null for a missing value). Problems are appended to <paramref name="errors"/> as "column 'x': reason".
    /// </summary>
    public double[]? TryTransform(Func<string, (bool Present, string? Value)> lookup, List<string> errors)
    {
        var output = new double[FeatureNames.Count];
        var offset = 0;
        var ok = true;
        foreach (var column in Columns)
        {
            var (present, value) = lookup(column.Name);
            if (!present)
            {
                errors.Add($"column '{column.Name}' is required but absent");
                ok = false;
                offset += Width(column);
                continue;
            }

            if (value is null && HandleMissing == MissingValueStrategies.Drop)
            {
                errors.Add($"column '{column.Name}' is missing, and this model was trained with handle_missing: drop, so a value is required");
                ok = false;
                offset += Width(column);
                continue;
            }

            if (column.Kind == ColumnKind.Numeric)
            {
                double number;
                if (value is null)
                {
                    number = column.ImputeNumber ?? 0;
                }
                else if (!DataFrame.TryParseNumber(value, out number))
                {
                    errors.Add($"column '{column.Name}': '{value}' is not a number");
                    ok = false;
                    offset++;
                    continue;
                }

                output[offset++] = column.Scaling == "none" ? number : (number - column.Center) / column.Scale;
                continue;
            }

            var category = value ?? column.ImputeCategory;
            var categories = column.Categories ?? [];
            var index = category is null ? -1 : IndexOf(categories, category);
            if (column.TargetEncoding is { } table)
            {
                // Unseen categories take the prior, so a new category at serving time is no error.
                foreach (var v in TargetEncoder.Encode(table, index))
                {
                    output[offset++] = v;
                }
            }
            else if (column.Encoding == CategoricalEncodings.Label)
            {
                if (index < 0)
                {
                    errors.Add($"column '{column.Name}': unknown category '{category}'; known: {string.Join(", ", categories)}");
                    ok = false;
                }

                output[offset++] = index;
            }
            else
            {
                // One-hot: an unseen category encodes as all zeros, as scikit-learn's handle_unknown='ignore' does.
                if (index >= 0)
                {
                    output[offset + index] = 1;
                }

                offset += categories.Count;
            }
        }

        return ok ? output : null;
    }

    /// <summary>Transforms every row of a frame that has the target column, returning the design matrix and labels.</summary>
    public TrainingData ToTrainingData(DataFrame frame)
    {
        var t = frame.IndexOf(Target);
        var features = new double[frame.RowCount][];
        var labels = new double[frame.RowCount];
        var errors = new List<string>();
        for (var i = 0; i < frame.RowCount; i++)
        {
            var row = frame.Rows[i];
            features[i] = TryTransform(name => (true, row[frame.IndexOf(name)]), errors)
                ?? throw new DataValidationException($"row {i + 1}: {string.Join("; ", errors)}");
            labels[i] = EncodeLabel(row[t]);
        }

        return new TrainingData(features, labels, FeatureNames, Task == ModelTask.Classification ? ClassNames : []);
    }

    public double EncodeLabel(string? label)
    {
        if (label is null)
        {
            throw new DataValidationException($"target '{Target}': a row has no label");
        }

        if (Task == ModelTask.Regression)
        {
            return DataFrame.TryParseNumber(label, out var y) ? y : throw new DataValidationException($"target '{Target}': '{label}' is not a number, and regression needs numeric targets");
        }

        var index = IndexOf(ClassNames, label);
        return index >= 0 ? index : throw new DataValidationException($"target '{Target}': unknown class '{label}'; known: {string.Join(", ", ClassNames)}");
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static FeaturePreprocessor FromJson(string json) =>
        JsonSerializer.Deserialize<FeaturePreprocessor>(json, JsonOptions) ?? throw new InvalidDataException("preprocessor.json is empty.");

    private static int Width(InputColumn c) => c switch
    {
        { Kind: ColumnKind.Numeric } => 1,
        { TargetEncoding: { } table } => table.Outputs.Count,
        { Encoding: CategoricalEncodings.Label } => 1,
        _ => c.Categories?.Count ?? 0,
    };

    /// <summary>Fits a column's target encoding on the training rows that have a label.</summary>
    private static TargetEncodingTable FitTargetEncoding(
        DataFrame train, string target, int column, IReadOnlyList<string> categories, ModelTask task, IReadOnlyList<string> classNames, double smoothing)
    {
        var t = train.IndexOf(target);
        var cells = new List<string?>();
        var targets = new List<double>();
        foreach (var row in train.Rows)
        {
            var label = row[t];
            double y;
            if (label is null)
            {
                continue;
            }

            if (task == ModelTask.Regression)
            {
                if (!DataFrame.TryParseNumber(label, out y))
                {
                    continue;
                }
            }
            else
            {
                y = IndexOf(classNames, label);
                if (y < 0)
                {
                    continue;
                }
            }

            cells.Add(row[column]);
            targets.Add(y);
        }

        return TargetEncoder.Fit(categories, cells, targets, task, classNames, smoothing);
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static double PopulationStd(double[] values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }
}
