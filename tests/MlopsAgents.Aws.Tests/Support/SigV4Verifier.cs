using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MlopsAgents.Aws.Tests.Support;

/// <summary>
/// An independent SigV4 implementation written from the AWS documentation, used by the stub to recompute the signature of
/// every request it receives. It shares no code with the client's signer, and its own steps are checked against AWS's
/// published test vectors (SigV4Tests), so a signer bug cannot hide behind a verifier with the same bug.
/// </summary>
public static class SigV4Verifier
{
    public sealed record ParsedAuthorization(string AccessKey, string Date, string Region, string Service, string[] SignedHeaders, string Signature);

    public static ParsedAuthorization Parse(string authorization)
    {
        const string Algorithm = "AWS4-HMAC-SHA256 ";
        if (!authorization.StartsWith(Algorithm, StringComparison.Ordinal))
        {
            throw new FormatException($"Authorization does not start with {Algorithm.Trim()}: {authorization}");
        }

        var parts = authorization[Algorithm.Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var credential = parts["Credential"].Split('/');
        if (credential.Length != 5 || credential[4] != "aws4_request")
        {
            throw new FormatException($"Credential scope is malformed: {parts["Credential"]}");
        }

        return new ParsedAuthorization(credential[0], credential[1], credential[2], credential[3], parts["SignedHeaders"].Split(';'), parts["Signature"]);
    }

    /// <summary>
    /// The canonical request. <paramref name="rawPath"/> is the path as sent on the wire; for services other than S3 each
    /// segment is encoded again (so %3A becomes %253A), as the SigV4 documentation requires.
    /// </summary>
    public static string CanonicalRequest(string method, string rawPath, string rawQuery, IEnumerable<KeyValuePair<string, string>> headers, IReadOnlyList<string> signedHeaders, byte[] body, bool doubleEncodePath)
    {
        var byName = headers
            .GroupBy(h => h.Key.ToLowerInvariant())
            .ToDictionary(g => g.Key, g => string.Join(',', g.Select(h => string.Join(' ', h.Value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)))));
        var path = doubleEncodePath ? string.Join('/', rawPath.Split('/').Select(Encode)) : rawPath;
        var query = string.Join('&', rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Key: Encode(Uri.UnescapeDataString(p[0])), Value: Encode(Uri.UnescapeDataString(p.Length > 1 ? p[1] : string.Empty))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));
        var builder = new StringBuilder();
        builder.Append(method).Append('\n').Append(path.Length == 0 ? "/" : path).Append('\n').Append(query).Append('\n');
        foreach (var name in signedHeaders)
        {
            builder.Append(name).Append(':').Append(byName.TryGetValue(name, out var v) ? v : throw new InvalidOperationException($"Signed header {name} is missing from the request.")).Append('\n');
        }

        builder.Append('\n').Append(string.Join(';', signedHeaders)).Append('\n');
        builder.Append(Convert.ToHexStringLower(SHA256.HashData(body)));
        return builder.ToString();
    }

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

    public static string Signature(string secretKey, string date, string region, string service, string stringToSign)
    {
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretKey), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        return Convert.ToHexStringLower(Hmac(key, stringToSign));
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Encode(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' ? c.ToString() : "%" + b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }
}
