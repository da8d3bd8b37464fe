#!/usr/bin/env bash
# SigV4 signing cost and S3ArtifactStore put/get of 1 MiB objects against npm s3rver on 127.0.0.1.
# Usage: bench/aws-s3rver.sh [OBJECTS]   (default 50). Needs Node.js; installs s3rver with npm ci in the test folder.
set -euo pipefail
cd "$(dirname "$0")/.."
objects="${1:-50}"
(cd tests/MlopsAgents.Aws.Tests/s3rver && npm ci --no-audit --no-fund --silent)
dotnet build bench/MlopsAgents.Bench -c Release -nologo -v quiet >/dev/null
data="$(mktemp -d -t mlops-bench-s3-XXXXXX)"
# start.js prints {"port": N} and stops when its stdin closes; the fifo keeps stdin open until this script ends.
mkfifo "$data/stdin"
(cd tests/MlopsAgents.Aws.Tests/s3rver && node start.js "$data/store" <"$data/stdin" >"$data/port.json") &
node_pid=$!
exec 3>"$data/stdin"
trap 'exec 3>&-; wait "$node_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do [ -s "$data/port.json" ] && break; sleep 0.1; done
port="$(sed 's/[^0-9]//g' "$data/port.json")"
echo "dotnet $(dotnet --version), node $(node --version), $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet bench/MlopsAgents.Bench/bin/Release/net10.0/linux-x64/MlopsAgents.Bench.dll aws --endpoint "http://127.0.0.1:$port/" --objects "$objects"
