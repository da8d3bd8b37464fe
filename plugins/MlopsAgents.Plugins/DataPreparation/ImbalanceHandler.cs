using MlopsAgents.Plugins.Training;

namespace MlopsAgents.Plugins.DataPreparation;

/// <summary>Ways to handle class imbalance in a training split.</summary>
public static class ImbalanceMethods
{
    public const string None = "none";
    public const string Smote = "smote";
    public const string Undersample = "undersample";
    public const string ClassWeight = "class_weight";
    public static readonly IReadOnlyList<string> All = [None, Smote, Undersample, ClassWeight];
}

/// <summary>
/// Class-imbalance settings. <see cref="TargetRatio"/> in (0, 1] is the wanted size of every class relative to the
/// largest: SMOTE grows each smaller class to ⌈ratio·n_max⌉ rows, under-sampling shrinks each larger class to
/// ⌈n_min/ratio⌉ rows; 1 balances the classes. Class weights are always "balanced".
/// </summary>
public sealed record ImbalanceOptions
{
    public string Method { get; init; } = ImbalanceMethods.Smote;
    public double TargetRatio { get; init; } = 1.0;

    /// <summary>SMOTE's k: each synthetic row lies between a minority row and one of its k nearest same-class rows.</summary>
    public int Neighbors { get; init; } = 5;

    public int Seed { get; init; } = 42;

    /// <summary>
    /// Feature indices SMOTE must not interpolate (one-hot or label-encoded columns): they are left out of the
    /// distance and copied from the base row.
    /// </summary>
    public IReadOnlyCollection<int> NominalFeatures { get; init; } = [];
}

/// <summary>The rebalanced training data with the class counts before and after; ClassWeights only for class_weight.</summary>
public sealed record ImbalanceResult(
    TrainingData Data,
    IReadOnlyDictionary<string, int> CountsBefore,
    IReadOnlyDictionary<string, int> CountsAfter,
    IReadOnlyList<double>? ClassWeights);

/// <summary>
/// SMOTE, random under-sampling and balanced class weights for a classification training split. Apply it to the
/// training split only: synthetic or dropped rows in a validation or test split would bias the reported metrics.
/// </summary>
public static class ImbalanceHandler
{
    public static ImbalanceResult Apply(TrainingData train, ImbalanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Method switch
        {
            ImbalanceMethods.None => Result(CheckClassification(train), train, null),
            ImbalanceMethods.Smote => Smote(train, options),
            ImbalanceMethods.Undersample => Undersample(train, options),
            ImbalanceMethods.ClassWeight => WithClassWeights(train),
            _ => throw new ArgumentException($"Unknown imbalance method '{options.Method}'; use one of {string.Join(", ", ImbalanceMethods.All)}.", nameof(options)),
        };
    }

    /// <summary>
    /// SMOTE (Chawla et al. 2002, as imbalanced-learn draws it): for each synthetic row pick a base row of the class
    /// uniformly, one of its k nearest same-class neighbours (Euclidean over the non-nominal features) uniformly, and a
    /// gap g ~ U[0, 1); the new row is x + g·(neighbour − x). Synthetic rows follow the original rows, class by class,
    /// and carry their base row's sample weight.
    /// </summary>
    public static ImbalanceResult Smote(TrainingData train, ImbalanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var counts = CheckClassification(train);
        CheckRatio(options.TargetRatio);
        if (options.Neighbors < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Neighbors, "SMOTE needs at least 1 neighbour.");
        }

        var target = (int)Math.Ceiling(options.TargetRatio * counts.Max() - 1e-9);
        var nominal = new HashSet<int>(options.NominalFeatures);
        var random = new Random(options.Seed);
        var features = train.Features.ToList();
        var labels = train.Labels.ToList();
        var weights = train.SampleWeights?.ToList();
        for (var c = 0; c < counts.Length; c++)
        {
            var need = target - counts[c];
            if (need <= 0 || counts[c] == 0)
            {
                continue;
            }

            var members = Enumerable.Range(0, train.RowCount).Where(i => (int)train.Labels[i] == c).ToArray();
            if (members.Length < 2)
            {
                throw new ArgumentException($"Class '{train.ClassNames[c]}' has only one training row; SMOTE needs at least two rows of a class to interpolate between.", nameof(train));
            }

            var neighbors = NearestNeighbors(train.Features, members, Math.Min(options.Neighbors, members.Length - 1), nominal);
            for (var s = 0; s < need; s++)
            {
                var b = random.Next(members.Length);
                var n = neighbors[b][random.Next(neighbors[b].Length)];
                var gap = random.NextDouble();
                var x = train.Features[members[b]];
                var y = train.Features[n];
                var row = new double[x.Length];
                for (var j = 0; j < x.Length; j++)
                {
                    row[j] = nominal.Contains(j) ? x[j] : x[j] + gap * (y[j] - x[j]);
                }

                features.Add(row);
                labels.Add(c);
                weights?.Add(train.SampleWeights![members[b]]);
            }
        }

        var data = train with { Features = [.. features], Labels = [.. labels], SampleWeights = weights?.ToArray() };
        return Result(counts, data, null);
    }

    /// <summary>Random under-sampling without replacement of every class above ⌈n_min/ratio⌉ rows; kept rows stay in their original order.</summary>
    public static ImbalanceResult Undersample(TrainingData train, ImbalanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var counts = CheckClassification(train);
        CheckRatio(options.TargetRatio);
        var smallest = counts.Where(n => n > 0).Min();
        var target = (int)Math.Ceiling(smallest / options.TargetRatio - 1e-9);
        var random = new Random(options.Seed);
        var keep = new List<int>();
        for (var c = 0; c < counts.Length; c++)
        {
            var members = Enumerable.Range(0, train.RowCount).Where(i => (int)train.Labels[i] == c).ToArray();
            if (members.Length > target)
            {
                random.Shuffle(members);
                members = members[..target];
            }

            keep.AddRange(members);
        }

        var rows = keep.Order().ToArray();
        return Result(counts, CrossValidation.Subset(train, rows), null);
    }

    /// <summary>
    /// Sets each row's weight to its class's balanced weight n/(k·n_c), scikit-learn's <c>class_weight="balanced"</c>,
    /// where k counts the classes present; an absent class gets weight 0. Existing sample weights are multiplied.
    /// </summary>
    public static ImbalanceResult WithClassWeights(TrainingData train)
    {
        var counts = CheckClassification(train);
        var classWeights = BalancedClassWeights(counts);
        var weights = train.Labels.Select((l, i) => classWeights[(int)l] * (train.SampleWeights?[i] ?? 1.0)).ToArray();
        return Result(counts, train with { SampleWeights = weights }, classWeights);
    }

    /// <summary>n/(k·n_c) per class from the class counts, k being the number of classes with rows; 0 for a class with none.</summary>
    public static double[] BalancedClassWeights(IReadOnlyList<int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var total = counts.Sum();
        var present = counts.Count(n => n > 0);
        return counts.Select(n => n > 0 ? (double)total / (present * n) : 0.0).ToArray();
    }

    /// <summary>Rows per class index.</summary>
    public static int[] ClassCounts(TrainingData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var counts = new int[data.ClassNames.Count];
        foreach (var label in data.Labels)
        {
            counts[(int)label]++;
        }

        return counts;
    }

    private static int[] CheckClassification(TrainingData train)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Task != ModelTask.Classification)
        {
            throw new ArgumentException("Class-imbalance handling applies to classification data only.", nameof(train));
        }

        if (train.RowCount == 0)
        {
            throw new ArgumentException("The training split is empty.", nameof(train));
        }

        if (train.Labels.Any(l => l < 0 || l >= train.ClassNames.Count || l != Math.Floor(l)))
        {
            throw new ArgumentException($"Labels must be class indices into the {train.ClassNames.Count} class names.", nameof(train));
        }

        return ClassCounts(train);
    }

    private static void CheckRatio(double ratio)
    {
        if (!(ratio > 0 && ratio <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "The target ratio must be in (0, 1]; 1 balances the classes.");
        }
    }

    private static ImbalanceResult Result(int[] before, TrainingData data, IReadOnlyList<double>? classWeights) =>
        new(data, ByName(data.ClassNames, before), ByName(data.ClassNames, ClassCounts(data)), classWeights);

    private static Dictionary<string, int> ByName(IReadOnlyList<string> names, int[] counts) =>
        names.Select((name, c) => (name, c)).ToDictionary(p => p.name, p => counts[p.c], StringComparer.Ordinal);

    /// <summary>For each member, the row indices of its k nearest other members; ties go to the earlier row.</summary>
    private static int[][] NearestNeighbors(double[][] features, int[] members, int k, HashSet<int> nominal)
    {
        var result = new int[members.Length][];
        for (var a = 0; a < members.Length; a++)
        {
            var x = features[members[a]];
            var distances = new List<(double Distance, int Row)>(members.Length - 1);
            for (var b = 0; b < members.Length; b++)
            {
                if (a == b)
                {
                    continue;
                }

                var y = features[members[b]];
                var sum = 0.0;
                for (var j = 0; j < x.Length; j++)
                {
                    if (!nominal.Contains(j))
                    {
                        sum += (x[j] - y[j]) * (x[j] - y[j]);
                    }
                }

                distances.Add((sum, members[b]));
            }

            result[a] = distances.OrderBy(d => d.Distance).ThenBy(d => d.Row).Take(k).Select(d => d.Row).ToArray();
        }

        return result;
    }
}
