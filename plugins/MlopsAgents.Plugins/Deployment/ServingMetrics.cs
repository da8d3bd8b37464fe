using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// The model server's system metrics: a <see cref="VersionMetrics"/> per (model, version) and a
/// <see cref="ShadowComparison"/> per shadowed pair, written out in the Prometheus text exposition format.
/// </summary>
public sealed class ServingMetrics
{
    /// <summary>The content type of the Prometheus text exposition format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly ConcurrentDictionary<(string Model, string Version), VersionMetrics> _versions = new();
    private readonly ConcurrentDictionary<(string Model, string Primary, string Shadow), ShadowComparison> _shadows = new();

    public VersionMetrics For(string model, string version) =>
        _versions.GetOrAdd((model, version), static k => new VersionMetrics(k.Model, k.Version));

    public ShadowComparison ShadowFor(string model, string primaryVersion, string shadowVersion) =>
        _shadows.GetOrAdd((model, primaryVersion, shadowVersion), static k => new ShadowComparison(k.Model, k.Primary, k.Shadow));

    /// <summary>Every version's metrics, ordered by model then version.</summary>
    public IReadOnlyList<VersionMetrics> Versions =>
        [.. _versions.Values.OrderBy(m => m.Model, StringComparer.Ordinal).ThenBy(m => m.Version, StringComparer.Ordinal)];

    /// <summary>Every shadow comparison, ordered by model, primary, then shadow version.</summary>
    public IReadOnlyList<ShadowComparison> Shadows =>
        [.. _shadows.Values.OrderBy(s => s.Model, StringComparer.Ordinal).ThenBy(s => s.PrimaryVersion, StringComparer.Ordinal).ThenBy(s => s.ShadowVersion, StringComparer.Ordinal)];

    /// <summary>Writes all metrics in the Prometheus text exposition format (version 0.0.4).</summary>
    public string ToPrometheusText()
    {
        var versions = Versions;
        var text = new StringBuilder();
        text.Append("# HELP mlops_requests_total Prediction requests served, by model, version and HTTP status.\n");
        text.Append("# TYPE mlops_requests_total counter\n");
        foreach (var m in versions)
        {
            foreach (var (status, count) in m.StatusCounts())
            {
                text.Append("mlops_requests_total").Append(Labels(("model", m.Model), ("version", m.Version), ("status", status.ToString(CultureInfo.InvariantCulture))))
                    .Append(' ').Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        text.Append("# HELP mlops_request_duration_seconds Prediction request latency, by model and version.\n");
        text.Append("# TYPE mlops_request_duration_seconds histogram\n");
        foreach (var m in versions)
        {
            var cumulative = m.CumulativeBuckets();
            for (var i = 0; i < cumulative.Count; i++)
            {
                var le = i < VersionMetrics.BucketBounds.Count ? Number(VersionMetrics.BucketBounds[i]) : "+Inf";
                text.Append("mlops_request_duration_seconds_bucket").Append(Labels(("model", m.Model), ("version", m.Version), ("le", le)))
                    .Append(' ').Append(cumulative[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            var labels = Labels(("model", m.Model), ("version", m.Version));
            text.Append("mlops_request_duration_seconds_sum").Append(labels).Append(' ').Append(Number(m.LatencySumSeconds)).Append('\n');
            text.Append("mlops_request_duration_seconds_count").Append(labels).Append(' ').Append(cumulative[^1].ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        var shadows = Shadows;
        if (shadows.Count > 0)
        {
            text.Append("# HELP mlops_shadow_requests_total Requests mirrored to a shadow version.\n");
            text.Append("# TYPE mlops_shadow_requests_total counter\n");
            foreach (var s in shadows)
            {
                text.Append("mlops_shadow_requests_total").Append(ShadowLabels(s)).Append(' ').Append(s.Requests.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            text.Append("# HELP mlops_shadow_agreement_ratio Share of rows where the shadow predicted the same as the primary.\n");
            text.Append("# TYPE mlops_shadow_agreement_ratio gauge\n");
            foreach (var s in shadows)
            {
                text.Append("mlops_shadow_agreement_ratio").Append(ShadowLabels(s)).Append(' ').Append(Number(s.AgreementRate)).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string ShadowLabels(ShadowComparison s) =>
        Labels(("model", s.Model), ("primary", s.PrimaryVersion), ("shadow", s.ShadowVersion));

    private static string Labels(params (string Name, string Value)[] labels) =>
        "{" + string.Join(",", labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\"")) + "}";

    // The exposition format escapes backslash, double quote and line feed in label values.
    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double value) => double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);
}
