#!/usr/bin/env bash
# Times the webhook receiver's answer: N signed `issues.labeled` deliveries (GitHub's example payload, label mlops:train,
# the breast-cancer issue as body) posted to `mlops webhook` on 127.0.0.1, each starting an execution in the background.
# Usage: bench/webhook-latency.sh [DELIVERIES]   (default 20). Prints per-delivery milliseconds, then median and max.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20}"
dotnet build agents/MlopsAgents.Cli -c Release -v quiet -nologo >/dev/null
dotnet build McpServer/MlopsAgents.McpServer -c Release -v quiet -nologo >/dev/null
mlops="$PWD/agents/MlopsAgents.Cli/bin/Release/net10.0/linux-x64/mlops"
work="$(mktemp -d)"
export MLOPS_HOME="$work/home" MLOPS_DATA_ROOT="$PWD/examples/datasets" GITHUB_WEBHOOK_SECRET="bench-secret" MLOPS_ALLOWED_USERS="Codertocat"
export MLOPS_MCP_COMMAND="$PWD/McpServer/MlopsAgents.McpServer/bin/Release/net10.0/linux-x64/mlops-mcp"
unset GITHUB_TOKEN
"$mlops" data add examples/datasets/breast_cancer.csv --id dataset-bc-001 --target diagnosis >/dev/null
port=$((20000 + RANDOM % 20000))
"$mlops" webhook --port "$port" 2>"$work/server.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
python3 - "$port" "$n" <<'PY'
import hashlib, hmac, json, statistics, sys, time, urllib.request
port, n = int(sys.argv[1]), int(sys.argv[2])
url = f"http://127.0.0.1:{port}/api/github/webhooks"
for _ in range(100):
    try:
        urllib.request.urlopen(urllib.request.Request(url, data=b"{}", headers={"X-GitHub-Event": "ping", "Content-Type": "application/json"}), timeout=1)
    except urllib.error.HTTPError:
        break
    except OSError:
        time.sleep(0.1)
payload = json.load(open("tests/MlopsAgents.GitHub.Tests/TestData/issues.labeled.json"))
payload["label"]["name"] = "mlops:train"
payload["issue"]["body"] = open("examples/issues/breast-cancer.md").read()
times = []
for i in range(n):
    payload["issue"]["number"] = i + 1
    body = json.dumps(payload).encode()
    sig = "sha256=" + hmac.new(b"bench-secret", body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-GitHub-Event": "issues", "X-GitHub-Delivery": f"bench-{i}", "X-Hub-Signature-256": sig})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200, r.status
    times.append((time.perf_counter() - start) * 1000)
for i, t in enumerate(times, 1):
    print(f"| {i} | {t:.1f} |")
print(f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over {n} deliveries")
PY
