using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace MlopsAgents.Plugins.Training;

/// <summary>
/// Gradient-boosted trees trained by ML.NET's LightGBM, with XGBoost's parameter names mapped onto LightGBM's:
/// <list type="bullet">
/// <item>num_round → NumberOfIterations; eta → LearningRate.</item>
/// <item>max_depth → MaximumTreeDepth, and NumberOfLeaves = min(2^max_depth, 131072): XGBoost grows level-wise, so a
/// depth-d tree has at most 2^d leaves; giving LightGBM's leaf-wise growth the same cap lets it reach every tree XGBoost
/// could (131072 is ML.NET's upper bound for the leaf count).</item>
/// <item>subsample → SubsampleFraction, with SubsampleFrequency = 1 (re-bag every round) when it is below 1.</item>
/// <item>colsample_bytree → FeatureFraction; min_child_weight → MinimumChildWeight (min_sum_hessian_in_leaf);
/// lambda → L2Regularization; alpha → L1Regularization.</item>
/// <item>XGBoost has no minimum row count per leaf, so MinimumExampleCountPerLeaf is 1 and only min_child_weight
/// limits leaves; categorical splits are off because features arrive already encoded.</item>
/// <item>The binary objective uses sigmoid slope 1 (XGBoost's logistic loss; ML.NET's default is 0.5); multiclass uses
/// softmax.</item>
/// </list>
/// <see cref="TrainingData.SampleWeights"/>, when present, become LightGBM example weights (ML.NET's
/// <c>ExampleWeightColumnName</c>), which scale each row's gradient and hessian as XGBoost's <c>weight</c> does.
/// Training is single-threaded with <c>Deterministic</c> set, so one seed gives one model. The validation set is not
/// used: XGBoost trains all num_round rounds unless early stopping is asked for, and the catalog has no such option.
/// </summary>
public sealed class XgBoostTrainer : IModelTrainer
{
    /// <summary>ML.NET's upper bound on NumberOfLeaves.</summary>
    public const int MaxLeaves = 131072;

    public string Algorithm => AlgorithmCatalog.XgBoost;

    public ITrainedModel Train(TrainingData train, TrainingData? validation, IReadOnlyDictionary<string, object> hyperparameters, int seed, IProgress<string>? progress = null)
    {
        TrainingGuards.Check(train, Algorithm);
        var values = HyperparameterValues.For(Algorithm, hyperparameters);
        var maxDepth = checked((int)values.GetLong("max_depth"));
        var subsample = values.GetDouble("subsample");
        var booster = new GradientBooster.Options
        {
            MaximumTreeDepth = maxDepth,
            SubsampleFraction = subsample,
            SubsampleFrequency = subsample < 1 ? 1 : 0,
            FeatureFraction = values.GetDouble("colsample_bytree"),
            MinimumChildWeight = values.GetDouble("min_child_weight"),
            L2Regularization = values.GetDouble("lambda"),
            L1Regularization = values.GetDouble("alpha"),
            MinimumSplitGain = 0,
        };
        var rounds = checked((int)values.GetLong("num_round"));
        var leaves = maxDepth >= 17 ? MaxLeaves : Math.Min(1 << maxDepth, MaxLeaves);
        var learningRate = values.GetDouble("eta");

        var ml = new MLContext(seed);
        var classCount = train.ClassNames.Count;
        var kind = train.Task == ModelTask.Regression ? XgBoostKind.Regression : classCount == 2 ? XgBoostKind.Binary : XgBoostKind.Multiclass;
        var data = XgBoostData.ForTraining(ml, train, kind);
        var weightColumn = train.SampleWeights is null ? null : XgBoostData.WeightColumn;

        // The three option classes share their fields through unrelated generic bases, hence the repetition.
        ITransformer model = kind switch
        {
            XgBoostKind.Binary => ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
            {
                NumberOfIterations = rounds, LearningRate = learningRate, NumberOfLeaves = leaves, Booster = booster,
                MinimumExampleCountPerLeaf = 1, UseCategoricalSplit = false, Seed = seed, ExampleWeightColumnName = weightColumn, NumberOfThreads = 1, Deterministic = true, Silent = true,
                Sigmoid = 1.0,
            }).Fit(data),
            XgBoostKind.Multiclass => ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
            {
                NumberOfIterations = rounds, LearningRate = learningRate, NumberOfLeaves = leaves, Booster = booster,
                MinimumExampleCountPerLeaf = 1, UseCategoricalSplit = false, Seed = seed, ExampleWeightColumnName = weightColumn, NumberOfThreads = 1, Deterministic = true, Silent = true,
                UseSoftmax = true,
            }).Fit(data),
            _ => ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
            {
                NumberOfIterations = rounds, LearningRate = learningRate, NumberOfLeaves = leaves, Booster = booster,
                MinimumExampleCountPerLeaf = 1, UseCategoricalSplit = false, Seed = seed, ExampleWeightColumnName = weightColumn, NumberOfThreads = 1, Deterministic = true, Silent = true,
            }).Fit(data),
        };

        progress?.Report(string.Create(CultureInfo.InvariantCulture,
            $"xgboost: LightGBM trained {rounds} rounds of up to {leaves} leaves (depth {maxDepth}) on {train.RowCount} rows."));
        return new XgBoostModel(train.FeatureNames, train.ClassNames, ml, model, data.Schema);
    }
}

internal enum XgBoostKind
{
    Binary,
    Multiclass,
    Regression,
}

/// <summary>
/// Builds ML.NET data views whose <c>Features</c> column is a float vector of the data's width. Multiclass labels
/// become a key column through MapValueToKey (by value, over every class index), so LightGBM's score slot i is class i.
/// </summary>
internal static class XgBoostData
{
    public const string WeightColumn = "Weight";

    public static IDataView ForTraining(MLContext ml, TrainingData data, XgBoostKind kind)
    {
        var width = data.FeatureCount;
        var weights = data.SampleWeights;
        float Weight(int i) => weights is null ? 1f : (float)weights[i];
        switch (kind)
        {
            case XgBoostKind.Binary:
                return weights is null
                    ? Load(ml, data.Features.Select((row, i) => new BinaryRow { Features = ToFloat(row), Label = data.Labels[i] == 1 }), width)
                    : Load(ml, data.Features.Select((row, i) => new WeightedBinaryRow { Features = ToFloat(row), Label = data.Labels[i] == 1, Weight = Weight(i) }), width);
            case XgBoostKind.Multiclass:
                // Keys ordered by value over every class index, so key i + 1 (score slot i) is class i even when a class is absent from this fold.
                var rows = weights is null
                    ? Load(ml, data.Features.Select((row, i) => new FloatRow { Features = ToFloat(row), Label = (float)data.Labels[i] }), width)
                    : Load(ml, data.Features.Select((row, i) => new WeightedFloatRow { Features = ToFloat(row), Label = (float)data.Labels[i], Weight = Weight(i) }), width);
                var classes = ml.Data.LoadFromEnumerable(Enumerable.Range(0, data.ClassNames.Count).Select(k => new LabelOnly { Label = k }).ToList());
                return ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue, keyData: classes)
                    .Fit(rows).Transform(rows);
            default:
                return weights is null
                    ? Load(ml, data.Features.Select((row, i) => new FloatRow { Features = ToFloat(row), Label = (float)data.Labels[i] }), width)
                    : Load(ml, data.Features.Select((row, i) => new WeightedFloatRow { Features = ToFloat(row), Label = (float)data.Labels[i], Weight = Weight(i) }), width);
        }
    }

    public static IDataView ForPrediction(MLContext ml, double[][] features, int width) =>
        Load(ml, features.Select(row => new FeatureRow { Features = ToFloat(row) }), width);

    private static IDataView Load<TRow>(MLContext ml, IEnumerable<TRow> rows, int width)
        where TRow : class => ml.Data.LoadFromEnumerable(rows.ToList(), Schema<TRow>(width));

    private static SchemaDefinition Schema<TRow>(int width)
    {
        var schema = SchemaDefinition.Create(typeof(TRow));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }

    private static float[] ToFloat(double[] row) => Array.ConvertAll(row, v => (float)v);

    internal sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }

    internal sealed class BinaryRow
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    internal sealed class WeightedBinaryRow
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
        public float Weight { get; set; }
    }

    internal sealed class WeightedFloatRow
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
        public float Weight { get; set; }
    }

    internal sealed class LabelOnly
    {
        public float Label { get; set; }
    }

    internal sealed class FloatRow
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }
}

/// <summary>A LightGBM model trained under XGBoost's parameter names; saved as ML.NET's <c>model.zip</c> beside <c>model.json</c>.</summary>
public sealed class XgBoostModel : TrainedModel
{
    private const string ZipName = "model.zip";
    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly DataViewSchema _inputSchema;

    internal XgBoostModel(IReadOnlyList<string> featureNames, IReadOnlyList<string> classNames, MLContext ml, ITransformer model, DataViewSchema inputSchema)
        : base(AlgorithmCatalog.XgBoost, classNames.Count > 0 ? ModelTask.Classification : ModelTask.Regression, featureNames, classNames)
    {
        _ml = ml;
        _model = model;
        _inputSchema = inputSchema;
    }

    internal static XgBoostModel Load(string directory)
    {
        var document = ModelFile.ReadDocument<XgBoostParameters>(directory);
        var zip = Path.Combine(directory, Path.GetFileName(document.Parameters.ModelFile));
        if (!File.Exists(zip))
        {
            throw new FileNotFoundException($"The xgboost model in '{directory}' lacks its {document.Parameters.ModelFile}.", zip);
        }

        var ml = new MLContext(0);
        var model = ml.Model.Load(zip, out var schema);
        return new XgBoostModel(document.FeatureNames, document.ClassNames, ml, model, schema);
    }

    private protected override double[][] PredictCore(double[][] features)
    {
        var scored = _model.Transform(XgBoostData.ForPrediction(_ml, features, FeatureCount));
        var result = new double[features.Length][];
        var i = 0;
        if (Task == ModelTask.Regression || ClassCount == 2)
        {
            var column = scored.Schema[Task == ModelTask.Regression ? "Score" : "Probability"];
            using var cursor = scored.GetRowCursor([column]);
            var getter = cursor.GetGetter<float>(column);
            float value = 0;
            while (cursor.MoveNext())
            {
                getter(ref value);
                result[i++] = Task == ModelTask.Regression ? [value] : [1.0 - value, value];
            }
        }
        else
        {
            var column = scored.Schema["Score"];
            using var cursor = scored.GetRowCursor([column]);
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> scores = default;
            while (cursor.MoveNext())
            {
                getter(ref scores);
                var p = new double[ClassCount];
                var k = 0;
                foreach (var v in scores.DenseValues())
                {
                    p[k++] = v;
                }

                // Softmax outputs are floats; renormalize in double so each row sums to 1 at double precision.
                var total = p.Sum();
                result[i++] = p.Select(v => v / total).ToArray();
            }
        }

        return result;
    }

    private protected override void SaveCore(string directory)
    {
        _ml.Model.Save(_model, _inputSchema, Path.Combine(directory, ZipName));
        WriteDocument(directory, new XgBoostParameters(ZipName));
    }

    internal sealed record XgBoostParameters(string ModelFile);
}
