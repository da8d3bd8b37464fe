namespace MlopsAgents.Plugins.Monitoring;

/// <summary>
/// Sorts large arrays of doubles by LSD radix sort on their order-preserving bit patterns: six 11-bit passes (small
/// enough count tables to stay in cache) instead of Array.Sort's O(n log n) comparisons, which makes drift on millions
/// of rows several times faster. The result equals Array.Sort's except that -0.0 sorts before 0.0 (they compare
/// equal, so no statistic changes).
/// </summary>
public static class RadixSort
{
    /// <summary>Below this length the comparison sort is faster than six passes and their count tables.</summary>
    public const int MinLength = 16_384;

    private const int Bits = 11;
    private const int Buckets = 1 << Bits;
    private const int Passes = 6;
    private const ulong Mask = Buckets - 1;
    private const ulong SignBit = 0x8000_0000_0000_0000UL;

    /// <summary>Sorts <paramref name="values"/> in place; arrays holding NaN, or short ones, go to Array.Sort.</summary>
    public static void Sort(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = SortedCopy(values);
        Array.Copy(sorted, values, values.Length);
    }

    /// <summary>A sorted copy of <paramref name="values"/>, made by the sort itself rather than by a separate copy first.</summary>
    public static double[] SortedCopy(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        if (n < MinLength || values.Any(double.IsNaN))
        {
            var copy = values.ToArray();
            Array.Sort(copy);
            return copy;
        }

        var keys = new ulong[n];
        var counts = new int[Passes * Buckets];
        for (var i = 0; i < n; i++)
        {
            // Flip all bits of negatives and only the sign bit of positives: unsigned order then equals numeric order.
            var bits = (ulong)BitConverter.DoubleToInt64Bits(values[i]);
            var key = (bits & SignBit) != 0 ? ~bits : bits | SignBit;
            keys[i] = key;
            for (var pass = 0; pass < Passes; pass++)
            {
                counts[(pass * Buckets) + (int)((key >> (pass * Bits)) & Mask)]++;
            }
        }

        var buffer = new ulong[n];
        var offsets = new int[Buckets];
        for (var pass = 0; pass < Passes; pass++)
        {
            var shift = pass * Bits;
            var sum = 0;
            for (var d = 0; d < Buckets; d++)
            {
                offsets[d] = sum;
                sum += counts[(pass * Buckets) + d];
            }

            for (var i = 0; i < n; i++)
            {
                var key = keys[i];
                buffer[offsets[(int)((key >> shift) & Mask)]++] = key;
            }

            (keys, buffer) = (buffer, keys);
        }

        var result = new double[n];
        for (var i = 0; i < n; i++)
        {
            var key = keys[i];
            result[i] = BitConverter.Int64BitsToDouble((long)((key & SignBit) != 0 ? key & ~SignBit : ~key));
        }

        return result;
    }
}
