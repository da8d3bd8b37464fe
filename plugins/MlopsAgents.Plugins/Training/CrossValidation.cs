namespace MlopsAgents.Plugins.Training;

/// <summary>Row indices of one cross-validation fold.</summary>
public sealed record Fold(int[] Train, int[] Test);

/// <summary>Seeded k-fold splits, used by the tests and by hyperparameter search.</summary>
public static class CrossValidation
{
    /// <summary>
    /// Stratified k-fold with scikit-learn's allocation (StratifiedKFold): every fold gets each class's share to within
    /// one row. Each class's fold assignments are shuffled with <paramref name="seed"/>. Index arrays are sorted ascending.
    /// </summary>
    public static IReadOnlyList<Fold> StratifiedFolds(int[] labels, int k, int seed) => Stratified(labels, k, new Random(seed));

    /// <summary>
    /// Stratified k-fold without shuffling, fold for fold what scikit-learn's <c>StratifiedKFold(n_splits=k)</c> (and so
    /// <c>cross_val_score(cv=k)</c>) produces: each class's rows, in file order, fill the folds in consecutive runs.
    /// </summary>
    public static IReadOnlyList<Fold> StratifiedFolds(int[] labels, int k) => Stratified(labels, k, null);

    private static IReadOnlyList<Fold> Stratified(int[] labels, int k, Random? random)
    {
        ArgumentNullException.ThrowIfNull(labels);
        CheckK(labels.Length, k);

        // Classes numbered by first appearance, as scikit-learn encodes them.
        var code = new Dictionary<int, int>();
        var encoded = labels.Select(l => code.TryGetValue(l, out var c) ? c : code[l] = code.Count).ToArray();
        var classCount = code.Count;
        var sorted = encoded.Order().ToArray();

        // allocation[f, c]: rows of class c in fold f, from dealing the class-sorted labels round-robin.
        var allocation = new int[k, classCount];
        for (var i = 0; i < sorted.Length; i++)
        {
            allocation[i % k, sorted[i]]++;
        }

        var foldOf = new int[labels.Length];
        for (var c = 0; c < classCount; c++)
        {
            var folds = new List<int>();
            for (var f = 0; f < k; f++)
            {
                folds.AddRange(Enumerable.Repeat(f, allocation[f, c]));
            }

            var assignment = folds.ToArray();
            if (random is not null)
            {
                Shuffle(assignment, random);
            }

            var next = 0;
            for (var row = 0; row < labels.Length; row++)
            {
                if (encoded[row] == c)
                {
                    foldOf[row] = assignment[next++];
                }
            }
        }

        return Build(foldOf, k);
    }

    /// <summary>Plain shuffled k-fold for regression targets.</summary>
    public static IReadOnlyList<Fold> KFolds(int rowCount, int k, int seed)
    {
        CheckK(rowCount, k);
        var rows = Enumerable.Range(0, rowCount).ToArray();
        Shuffle(rows, new Random(seed));
        var foldOf = new int[rowCount];
        for (var i = 0; i < rows.Length; i++)
        {
            foldOf[rows[i]] = i % k;
        }

        return Build(foldOf, k);
    }

    /// <summary>The rows of <paramref name="data"/> at <paramref name="rows"/>, in that order.</summary>
    public static TrainingData Subset(TrainingData data, int[] rows)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rows);
        return data with
        {
            Features = rows.Select(r => data.Features[r]).ToArray(),
            Labels = rows.Select(r => data.Labels[r]).ToArray(),
            SampleWeights = data.SampleWeights is { } weights ? rows.Select(r => weights[r]).ToArray() : null,
        };
    }

    private static void CheckK(int rowCount, int k)
    {
        if (k < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "Cross-validation needs at least 2 folds.");
        }

        if (k > rowCount)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"Cannot make {k} folds from {rowCount} rows.");
        }
    }

    private static void Shuffle(int[] items, Random random)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static IReadOnlyList<Fold> Build(int[] foldOf, int k)
    {
        var folds = new List<Fold>(k);
        for (var f = 0; f < k; f++)
        {
            var test = new List<int>();
            var train = new List<int>();
            for (var row = 0; row < foldOf.Length; row++)
            {
                (foldOf[row] == f ? test : train).Add(row);
            }

            folds.Add(new Fold(train.ToArray(), test.ToArray()));
        }

        return folds;
    }
}
