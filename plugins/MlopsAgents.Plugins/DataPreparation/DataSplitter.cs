namespace MlopsAgents.Plugins.DataPreparation;

/// <summary>Row indices of the three splits.</summary>
public sealed record SplitIndices(int[] Train, int[] Validation, int[] Test);

/// <summary>Seeded train/validation/test splits, stratified by class for classification.</summary>
public static class DataSplitter
{
    /// <summary>
    /// Splits rows so every class keeps its share in each split (<paramref name="strata"/> holds each row's class; null for
    /// a plain random split). The same seed and input always give the same split.
    /// </summary>
    public static SplitIndices Split(int rowCount, int[]? strata, double testSize, double validationSize, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowCount);
        var random = new Random(seed);
        var groups = strata is null
            ? [Enumerable.Range(0, rowCount).ToArray()]
            : Enumerable.Range(0, rowCount).GroupBy(i => strata[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToList();
        var train = new List<int>();
        var validation = new List<int>();
        var test = new List<int>();
        foreach (var group in groups)
        {
            random.Shuffle(group);
            var nTest = (int)Math.Round(group.Length * testSize, MidpointRounding.AwayFromZero);
            var nValidation = (int)Math.Round(group.Length * validationSize, MidpointRounding.AwayFromZero);

            // Keep at least one training row per class when the class is big enough to split at all.
            if (nTest + nValidation >= group.Length && group.Length > 1)
            {
                nValidation = Math.Max(0, group.Length - 1 - nTest);
                nTest = Math.Min(nTest, group.Length - 1);
            }

            test.AddRange(group.Take(nTest));
            validation.AddRange(group.Skip(nTest).Take(nValidation));
            train.AddRange(group.Skip(nTest + nValidation));
        }

        return new SplitIndices([.. train.Order()], [.. validation.Order()], [.. test.Order()]);
    }
}
