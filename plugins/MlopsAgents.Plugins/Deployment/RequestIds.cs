using System.Globalization;
using System.Security.Cryptography;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// Request ids for requests that bring none: 32 lowercase hex digits, as <c>Guid.ToString("N")</c> wrote before.
/// <see cref="Guid.NewGuid"/> asks the OS for random bytes on every call (a few microseconds, a tenth of a request's
/// own time); here the OS is asked once per process. The first half is a random process prefix; the second is a
/// counter sent through a keyed bijective mix (SplitMix64's finalizer), so ids never repeat within a process yet look
/// random, which the inference log's hash-based sampling needs.
/// </summary>
public static class RequestIds
{
    private static readonly ulong Prefix = RandomUInt64();
    private static readonly ulong Key = RandomUInt64();
    private static long _counter;

    /// <summary>A new id, never repeated within this process.</summary>
    public static string Next()
    {
        var n = (ulong)Interlocked.Increment(ref _counter) ^ Key;
        n = (n ^ (n >> 30)) * 0xBF58476D1CE4E5B9UL;
        n = (n ^ (n >> 27)) * 0x94D049BB133111EBUL;
        n ^= n >> 31;
        return string.Create(32, n, static (chars, mixed) =>
        {
            Prefix.TryFormat(chars[..16], out _, "x16", CultureInfo.InvariantCulture);
            mixed.TryFormat(chars[16..], out _, "x16", CultureInfo.InvariantCulture);
        });
    }

    private static ulong RandomUInt64()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}
