using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace MlopsAgents.Aws.Http;

/// <summary>What SigV4 needs from one HTTP request: method, URI, headers to sign and the body.</summary>
public sealed record SigV4Request(string Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>The outcome of signing: the Authorization header and the intermediate strings, which the tests compare with AWS's vectors.</summary>
public sealed record SigV4Signature(string Authorization, string CanonicalRequest, string SignedHeaders, string Signature);

/// <summary>
/// AWS Signature Version 4 for the JSON clients: this class builds the canonical request (the part that depends on how
/// the request is laid out on the wire) and hands it to AWSSDK.Core's <see cref="AWS4Signer.ComputeSignature(ImmutableCredentials, string, DateTime, string, string, string)"/>
/// for the key derivation, string to sign and HMAC. Canonical URI rules follow the SigV4 documentation for services other
/// than S3: each path segment is URI-encoded twice (once on the wire, once in the canonical form).
/// </summary>
public static class SigV4Signer
{
    public const string DateHeader = "x-amz-date";
    public const string SecurityTokenHeader = "x-amz-security-token";
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>Signs a request; the headers must already hold host and x-amz-date (and x-amz-security-token with temporary keys).</summary>
    public static SigV4Signature Sign(SigV4Request request, ImmutableCredentials credentials, string region, string service, DateTime signedAtUtc)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var (canonical, signedHeaders) = CanonicalRequest(request, doubleEncodePath: true);
        var result = AWS4Signer.ComputeSignature(credentials, region, signedAtUtc, service, signedHeaders, canonical);
        // ForAuthorizationHeader is the whole header value: "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
        return new SigV4Signature(result.ForAuthorizationHeader, canonical, signedHeaders, result.Signature);
    }

    /// <summary>The canonical request and the signed-header list, as the SigV4 documentation defines them.</summary>
    public static (string Canonical, string SignedHeaders) CanonicalRequest(SigV4Request request, bool doubleEncodePath)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = request.Headers
            .Select(h => (Name: h.Key.Trim().ToLowerInvariant(), Value: CollapseSpaces(h.Value)))
            .GroupBy(h => h.Name, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(',', g.Select(h => h.Value))))
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        var signedHeaders = string.Join(';', headers.Select(h => h.Name));
        var builder = new StringBuilder();
        builder.Append(request.Method.ToUpperInvariant()).Append('\n');
        builder.Append(CanonicalPath(request.Uri, doubleEncodePath)).Append('\n');
        builder.Append(CanonicalQuery(request.Uri)).Append('\n');
        foreach (var (name, value) in headers)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        builder.Append('\n').Append(signedHeaders).Append('\n');
        builder.Append(HexSha256(request.Body));
        return (builder.ToString(), signedHeaders);
    }

    public static string HexSha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string FormatDate(DateTime utc) => utc.ToString(DateFormat, CultureInfo.InvariantCulture);

    /// <summary>RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX in upper case.</summary>
    public static string UriEncode(string value, bool encodeSlash = true)
    {
        var builder = new StringBuilder(value.Length * 2);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~' || (c == '/' && !encodeSlash))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static string CanonicalPath(Uri uri, bool doubleEncode)
    {
        // AbsolutePath keeps the wire encoding (%3A stays %3A), which is the once-encoded form.
        var path = uri.AbsolutePath;
        if (string.IsNullOrEmpty(path))
        {
            return "/";
        }

        return doubleEncode
            ? string.Join('/', path.Split('/').Select(segment => UriEncode(segment)))
            : path;
    }

    private static string CanonicalQuery(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return string.Empty;
        }

        return string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair =>
            {
                var equals = pair.IndexOf('=');
                var key = equals < 0 ? pair : pair[..equals];
                var value = equals < 0 ? string.Empty : pair[(equals + 1)..];
                return (Key: UriEncode(Uri.UnescapeDataString(key)), Value: UriEncode(Uri.UnescapeDataString(value)));
            })
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));
    }

    private static string CollapseSpaces(string value)
    {
        var builder = new StringBuilder(value.Length);
        var previousSpace = false;
        foreach (var c in value.Trim())
        {
            if (c == ' ')
            {
                if (!previousSpace)
                {
                    builder.Append(c);
                }

                previousSpace = true;
            }
            else
            {
                builder.Append(c);
                previousSpace = false;
            }
        }

        return builder.ToString();
    }
}
