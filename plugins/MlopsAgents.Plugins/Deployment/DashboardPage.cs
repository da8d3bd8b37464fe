using System.Globalization;
using System.Text.Json.Nodes;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>
/// The live dashboard: one dependency-free page (inline JS and SVG) that polls <c>GET /dashboard/data</c> every second
/// and draws the traffic split, latency and error charts per version, drift per feature, the model versions and the
/// deployment log.
/// </summary>
public static class DashboardPage
{
    /// <summary>How many deployment events the data endpoint returns, newest last.</summary>
    public const int LogEntries = 50;

    /// <summary>The JSON the page polls: every model's routing, per-version metrics, live health, and the deployment log.</summary>
    public static JsonObject Data(ModelServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var models = new JsonArray();
        foreach (var model in server.Models)
        {
            var table = server.Router.TableFor(model);
            var health = server.Monitor.Health(model);
            var versions = new JsonArray();
            foreach (var version in server.VersionsOf(model))
            {
                var m = VersionMetricsSnapshot.Capture(server.Metrics.For(model, version));
                versions.Add(new JsonObject
                {
                    ["version"] = version,
                    ["algorithm"] = server.PackageOf(model, version).Metadata.Algorithm,
                    ["weight"] = table?.Weights.FirstOrDefault(w => w.Version == version)?.Weight ?? 0,
                    ["shadow"] = table?.ShadowVersion == version,
                    ["requests"] = m.RequestCount,
                    ["client_errors"] = m.ClientErrorCount,
                    ["server_errors"] = m.ServerErrorCount,
                    ["error_rate"] = m.ErrorRate,
                    ["p50_ms"] = Milliseconds(m.Quantile(0.50)),
                    ["p95_ms"] = Milliseconds(m.Quantile(0.95)),
                    ["p99_ms"] = Milliseconds(m.Quantile(0.99)),
                    ["accuracy"] = health.AccuracyByVersion.TryGetValue(version, out var a) ? a : null,
                });
            }

            var drift = new JsonArray();
            foreach (var f in health.DataDrift?.Features ?? [])
            {
                drift.Add(new JsonObject
                {
                    ["column"] = f.Column,
                    ["method"] = f.Method.ToString(),
                    ["statistic"] = Finite(f.Statistic),
                    ["threshold"] = f.Threshold,
                    ["drifted"] = f.Drifted,
                });
            }

            models.Add(new JsonObject
            {
                ["name"] = model,
                ["versions"] = versions,
                ["window_rows"] = health.WindowRows,
                ["estimated_accuracy"] = health.EstimatedAccuracy,
                ["accuracy"] = health.Accuracy,
                ["labeled"] = health.Labeled,
                ["concept_drift"] = health.ConceptDrift,
                ["prediction_drift"] = health.PredictionDrift is { } pd ? Finite(pd) : null,
                ["dataset_drifted"] = health.DataDrift?.DatasetDrifted,
                ["drift"] = drift,
            });
        }

        var log = new JsonArray();
        foreach (var e in server.DeploymentLog.Events.TakeLast(LogEntries))
        {
            log.Add(new JsonObject
            {
                ["time"] = e.Time.ToString("O", CultureInfo.InvariantCulture),
                ["model"] = e.Model,
                ["strategy"] = e.Strategy,
                ["action"] = e.Action,
                ["weights"] = string.Join(", ", e.Weights.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Version}={w.Weight}"))),
                ["reason"] = e.Reason,
            });
        }

        return new JsonObject { ["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), ["models"] = models, ["log"] = log };
    }

    private static double? Milliseconds(double seconds) => double.IsNaN(seconds) ? null : Math.Round(seconds * 1000, 3);

    // JSON has no NaN or infinity; an infinite chi-square (a category new to the baseline) is shown as the largest double.
    private static double? Finite(double value) => double.IsNaN(value) ? null : double.IsInfinity(value) ? double.MaxValue : value;

    /// <summary>The page itself.</summary>
    public const string Html = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>MlopsAgents model server</title>
<style>
body { font-family: system-ui, sans-serif; margin: 16px; background: #f7f7f9; color: #222; }
h1 { font-size: 20px; margin: 0 0 8px; } h2 { font-size: 16px; margin: 16px 0 6px; }
section.model { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 12px; margin-bottom: 12px; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
.bar { display: flex; height: 22px; border-radius: 4px; overflow: hidden; width: 600px; }
.bar div { color: #fff; font-size: 12px; line-height: 22px; padding-left: 4px; white-space: nowrap; }
.drifted { color: #b00020; font-weight: bold; } .ok { color: #2e7d32; }
svg { background: #fff; border: 1px solid #ddd; } #log { font-size: 12px; font-family: monospace; }
</style>
</head>
<body>
<h1>Model server dashboard</h1>
<div>updated <span id="updated">never</span> · polls <span id="polls">0</span></div>
<div id="models"></div>
<h2>Deployment log</h2>
<ol id="log"></ol>
<script>
const colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const history = {};
let polls = 0;
function esc(s) { return String(s).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'})[c]); }
function fmt(x, d) { return x === null || x === undefined ? '–' : Number(x).toFixed(d); }
function chart(id, series, unit) {
  const w = 600, h = 160, pad = 30;
  let max = 0, len = 0;
  for (const s of series) { for (const v of s.points) max = Math.max(max, v); len = Math.max(len, s.points.length); }
  max = max || 1;
  let svg = `<svg id="${id}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`;
  svg += `<text x="4" y="12" font-size="10">${fmt(max, 2)} ${unit}</text><line x1="${pad}" y1="${h - pad}" x2="${w}" y2="${h - pad}" stroke="#999"/>`;
  series.forEach((s, i) => {
    const pts = s.points.map((v, j) => `${pad + (len < 2 ? 0 : j * (w - pad - 4) / (len - 1))},${h - pad - v / max * (h - pad - 16)}`).join(' ');
    svg += `<polyline class="series" data-version="${esc(s.name)}" fill="none" stroke="${colours[i % colours.length]}" stroke-width="2" points="${pts}"/>`;
    svg += `<text x="${pad + i * 120}" y="${h - 8}" font-size="11" fill="${colours[i % colours.length]}">${esc(s.name)}</text>`;
  });
  return svg + '</svg>';
}
function render(data) {
  let html = '';
  data.models.forEach((m, mi) => {
    const hist = history[m.name] = history[m.name] || {};
    let split = '<div class="bar split">';
    const total = m.versions.reduce((a, v) => a + v.weight, 0) || 1;
    m.versions.forEach((v, i) => {
      if (v.weight > 0) split += `<div style="width:${v.weight / total * 100}%;background:${colours[i % colours.length]}">${esc(v.version)} ${Math.round(v.weight / total * 100)}%</div>`;
      const h = hist[v.version] = hist[v.version] || { p95: [], err: [], last: null };
      h.p95.push(v.p95_ms || 0); h.err.push(v.error_rate * 100);
      if (h.p95.length > 120) { h.p95.shift(); h.err.shift(); }
    });
    split += '</div>';
    let versions = '<table class="versions"><tr><th>version</th><th>algorithm</th><th>weight</th><th>requests</th><th>4xx</th><th>5xx</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>accuracy</th></tr>';
    for (const v of m.versions) {
      versions += `<tr data-version="${esc(v.version)}"><td>${esc(v.version)}${v.shadow ? ' (shadow)' : ''}</td><td>${esc(v.algorithm)}</td><td>${v.weight}</td><td class="requests">${v.requests}</td><td>${v.client_errors}</td><td>${v.server_errors}</td><td>${fmt(v.p50_ms, 2)}</td><td>${fmt(v.p95_ms, 2)}</td><td>${fmt(v.p99_ms, 2)}</td><td>${fmt(v.accuracy, 3)}</td></tr>`;
    }
    versions += '</table>';
    let drift = '<table class="drift"><tr><th>feature</th><th>method</th><th>statistic</th><th>threshold</th><th>drifted</th></tr>';
    for (const f of m.drift) {
      drift += `<tr data-feature="${esc(f.column)}"><td>${esc(f.column)}</td><td>${esc(f.method)}</td><td>${fmt(f.statistic, 4)}</td><td>${fmt(f.threshold, 3)}</td><td class="${f.drifted ? 'drifted' : 'ok'}">${f.drifted ? 'yes' : 'no'}</td></tr>`;
    }
    drift += '</table>';
    const names = Object.keys(hist);
    html += `<section class="model" data-model="${esc(m.name)}"><h2>${esc(m.name)}</h2>` +
      `<h2>Traffic split</h2>${split}<h2>Versions</h2>${versions}` +
      `<h2>p95 latency</h2>${chart('latency-' + mi, names.map(n => ({ name: n, points: hist[n].p95 })), 'ms')}` +
      `<h2>5xx error rate</h2>${chart('errors-' + mi, names.map(n => ({ name: n, points: hist[n].err })), '%')}` +
      `<h2>Monitoring</h2><div class="monitoring">window ${m.window_rows} rows · estimated accuracy ${fmt(m.estimated_accuracy, 3)} · labelled ${m.labeled} · accuracy ${fmt(m.accuracy, 3)} · prediction drift ${fmt(m.prediction_drift, 4)} · concept drift ${m.concept_drift ? 'yes' : 'no'} · dataset drifted ${m.dataset_drifted === null ? '–' : (m.dataset_drifted ? 'yes' : 'no')}</div>` +
      `<h2>Drift per feature</h2>${drift}</section>`;
  });
  document.getElementById('models').innerHTML = html;
  document.getElementById('log').innerHTML = data.log.map(e => `<li class="event ${esc(e.action)}">${esc(e.time)} ${esc(e.model)} ${esc(e.strategy)} <b>${esc(e.action)}</b> (${esc(e.weights)}): ${esc(e.reason)}</li>`).join('');
  document.getElementById('updated').textContent = data.time;
  document.getElementById('polls').textContent = String(++polls);
}
async function poll() {
  try { const r = await fetch('dashboard/data', { cache: 'no-store' }); if (r.ok) render(await r.json()); }
  finally { setTimeout(poll, 1000); }
}
poll();
</script>
</body>
</html>
""";
}
