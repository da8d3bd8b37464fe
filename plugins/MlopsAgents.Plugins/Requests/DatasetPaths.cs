using System.Text.RegularExpressions;

namespace MlopsAgents.Plugins.Requests;

/// <summary>Turns a request's <c>dataset_uri</c> into an absolute path that provably stays under the data root.</summary>
public static partial class DatasetPaths
{
    private const int MaxLinkHops = 40;

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>The resolved path, or an error saying why the URI is refused. The file itself need not exist yet.</summary>
    public static (string? Path, string? Error) Resolve(string uri, string dataRoot)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataRoot));
        string path;
        if (uri.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            return (null, "s3:// dataset URIs need the AWS storage backend, which is not configured; use a path under the data root or dataset_id");
        }

        if (uri.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !parsed.IsFile || parsed.IsUnc)
            {
                return (null, $"'{uri}' is not a valid file:// URI; write file:///absolute/path, or a path relative to the data root {root}");
            }

            path = parsed.LocalPath;
        }
        else if (SchemePrefix().Match(uri) is { Success: true } scheme)
        {
            return (null, $"{scheme.Value} dataset URIs are not supported; use a path under the data root {root} or dataset_id");
        }
        else
        {
            path = uri;
        }

        if (path.Contains('\0'))
        {
            return (null, "the path contains a NUL character");
        }

        var full = Path.GetFullPath(path, root);
        if (string.Equals(full, root, PathComparison))
        {
            return (null, $"the path names the data root {root} itself; name a file under it");
        }

        if (!IsUnder(full, root))
        {
            return (null, $"the path resolves to {full}, outside the data root {root}; use a path under the data root");
        }

        try
        {
            // A symbolic link inside the root can still point anywhere, so compare where the links actually lead.
            var real = RealPath(full, 0);
            if (!IsUnder(real, RealPath(root, 0)))
            {
                return (null, $"the path leads through a symbolic link to {real}, outside the data root {root}; use a path under the data root");
            }
        }
        catch (IOException ex)
        {
            return (null, $"the path's symbolic links cannot be resolved ({ex.Message}); use a plain path under the data root {root}");
        }
        catch (UnauthorizedAccessException)
        {
            return (null, $"the path cannot be inspected; use a path under the data root {root} that the service can read");
        }

        return (full, null);
    }

    private static bool IsUnder(string path, string root)
    {
        var prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, PathComparison);
    }

    /// <summary>The path with every symbolic link along it followed; components that do not exist are kept as written.</summary>
    private static string RealPath(string fullPath, int hops)
    {
        var current = Path.GetPathRoot(fullPath)!;
        var parts = fullPath[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        foreach (var part in parts)
        {
            var next = Path.Combine(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is not null)
            {
                if (++hops > MaxLinkHops)
                {
                    throw new IOException($"more than {MaxLinkHops} symbolic links");
                }

                next = RealPath(Path.GetFullPath(target, current), hops);
            }

            current = next;
        }

        return current;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*://")]
    private static partial Regex SchemePrefix();
}
