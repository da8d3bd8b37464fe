using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.Evaluation.Explanations;

/// <summary>
/// The interventional value function of SHAP for one explained row x: v(S) = mean over background rows b of the
/// model's explained outputs at the row that takes x's values on S and b's elsewhere. Shared by the model-agnostic
/// methods; predictions go to the model in batches.
/// </summary>
internal sealed class CoalitionGame
{
    private const int BatchRows = 8192;

    private readonly ITrainedModel _model;
    private readonly double[][] _background;
    private readonly int[] _outputIndices;

    public CoalitionGame(ITrainedModel model, double[][] background, int[] outputIndices)
    {
        _model = model;
        _background = background;
        _outputIndices = outputIndices;
    }

    public int OutputCount => _outputIndices.Length;

    /// <summary>The explained outputs of the model at each row: result[row][output].</summary>
    public double[][] Outputs(double[][] rows)
    {
        var result = new double[rows.Length][];
        for (var start = 0; start < rows.Length; start += BatchRows)
        {
            var batch = rows.AsSpan(start, Math.Min(BatchRows, rows.Length - start)).ToArray();
            var predictions = _model.Predict(batch);
            for (var i = 0; i < batch.Length; i++)
            {
                result[start + i] = _outputIndices.Select(k => predictions[i][k]).ToArray();
            }
        }

        return result;
    }

    /// <summary>
    /// v(S) for each coalition: result[c][output]. <paramref name="coalitions"/>[c][j] says whether feature j comes
    /// from <paramref name="x"/>.
    /// </summary>
    public double[][] Values(double[] x, IReadOnlyList<bool[]> coalitions)
    {
        var n = _background.Length;
        var result = new double[coalitions.Count][];
        var perBatch = Math.Max(1, BatchRows / n);
        for (var start = 0; start < coalitions.Count; start += perBatch)
        {
            var count = Math.Min(perBatch, coalitions.Count - start);
            var rows = new double[count * n][];
            for (var c = 0; c < count; c++)
            {
                var mask = coalitions[start + c];
                for (var b = 0; b < n; b++)
                {
                    var row = (double[])_background[b].Clone();
                    for (var j = 0; j < mask.Length; j++)
                    {
                        if (mask[j])
                        {
                            row[j] = x[j];
                        }
                    }

                    rows[(c * n) + b] = row;
                }
            }

            var outputs = Outputs(rows);
            for (var c = 0; c < count; c++)
            {
                var mean = new double[OutputCount];
                for (var b = 0; b < n; b++)
                {
                    var o = outputs[(c * n) + b];
                    for (var k = 0; k < mean.Length; k++)
                    {
                        mean[k] += o[k];
                    }
                }

                for (var k = 0; k < mean.Length; k++)
                {
                    mean[k] /= n;
                }

                result[start + c] = mean;
            }
        }

        return result;
    }
}
