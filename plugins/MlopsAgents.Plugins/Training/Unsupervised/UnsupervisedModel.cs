using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlopsAgents.Plugins.Training.Unsupervised;

/// <summary>A fitted clustering or dimensionality-reduction model that can be saved to a directory.</summary>
public interface IUnsupervisedModel
{
    /// <summary>The catalog name of the algorithm, such as <c>kmeans</c>.</summary>
    string Algorithm { get; }

    /// <summary>Columns of the rows the model was fitted on.</summary>
    int FeatureCount { get; }

    /// <summary>Writes <c>model.json</c> into <paramref name="directory"/>, creating it when missing.</summary>
    void Save(string directory);
}

/// <summary>A fitted clustering model that can give new rows a cluster label (-1 for noise).</summary>
public interface IClusteringModel : IUnsupervisedModel
{
    int[] Assign(double[][] rows);
}

/// <summary>Loads a model written by <see cref="IUnsupervisedModel.Save"/>.</summary>
public static class UnsupervisedModels
{
    /// <summary>Reads <c>model.json</c> in <paramref name="directory"/> and restores the model its <c>algorithm</c> field names.</summary>
    public static IUnsupervisedModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var header = UnsupervisedModelFile.Read<UnsupervisedModelHeader>(directory);
        return header.Algorithm switch
        {
            UnsupervisedAlgorithms.KMeans => KMeansModel.Load(directory),
            UnsupervisedAlgorithms.Dbscan => DbscanModel.Load(directory),
            UnsupervisedAlgorithms.Pca => PcaModel.Load(directory),
            UnsupervisedAlgorithms.Tsne => TsneModel.Load(directory),
            _ => throw new InvalidDataException($"'{Path.Combine(directory, UnsupervisedModelFile.FileName)}' names unknown algorithm '{header.Algorithm}'."),
        };
    }
}

/// <summary>The <c>model.json</c> envelope of the unsupervised models.</summary>
internal sealed record UnsupervisedModelDocument<TParameters>(string Algorithm, string Task, int FeatureCount, TParameters Parameters);

internal sealed record UnsupervisedModelHeader(string? Algorithm, string? Task, int FeatureCount);

internal static class UnsupervisedModelFile
{
    public const string FileName = "model.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static void Write<TParameters>(string directory, string algorithm, string task, int featureCount, TParameters parameters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var document = new UnsupervisedModelDocument<TParameters>(algorithm, task, featureCount, parameters);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, Json);
        Evaluation.AtomicFile.Write(Path.Combine(directory, FileName), stream => stream.Write(bytes));
    }

    public static T Read<T>(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No {FileName} in '{directory}'.", path);
        }

        return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Json)
            ?? throw new InvalidDataException($"'{path}' is empty.");
    }

    public static TParameters ReadParameters<TParameters>(string directory, string algorithm)
    {
        var document = Read<UnsupervisedModelDocument<TParameters>>(directory);
        if (!string.Equals(document.Algorithm, algorithm, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{Path.Combine(directory, FileName)}' holds a {document.Algorithm} model, not {algorithm}.");
        }

        return document.Parameters ?? throw new InvalidDataException($"'{Path.Combine(directory, FileName)}' has no parameters.");
    }
}

/// <summary>Argument checks and distance helpers shared by the unsupervised algorithms.</summary>
internal static class Rows
{
    /// <summary>Checks that <paramref name="rows"/> is a non-empty rectangle of finite numbers and returns its width.</summary>
    public static int CheckMatrix(double[][] rows, string paramName, int? expectedWidth = null, bool allowEmpty = false)
    {
        ArgumentNullException.ThrowIfNull(rows, paramName);
        if (rows.Length == 0)
        {
            return allowEmpty ? expectedWidth ?? 0 : throw new ArgumentException("There are no rows.", paramName);
        }

        var width = expectedWidth ?? rows[0]?.Length ?? 0;
        if (width == 0)
        {
            throw new ArgumentException("Rows have no columns.", paramName);
        }

        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            if (row is null || row.Length != width)
            {
                throw new ArgumentException($"Row {i} has {row?.Length ?? 0} values; expected {width}.", paramName);
            }

            foreach (var v in row)
            {
                if (!double.IsFinite(v))
                {
                    throw new ArgumentException($"Row {i} holds a missing or infinite value; impute or drop it first.", paramName);
                }
            }
        }

        return width;
    }

    /// <summary>Squared Euclidean distance summed feature by feature in column order, as scikit-learn's trees compute it.</summary>
    public static double SquaredDistance(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var j = 0; j < a.Length; j++)
        {
            var d = a[j] - b[j];
            sum += d * d;
        }

        return sum;
    }
}
