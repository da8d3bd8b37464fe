#!/usr/bin/env bash
# Model server throughput and p50/p99 latency for the breast-cancer model under wrk, measured in the same run as
# in-process prediction of the same package and row (the ceiling). Trains the model into a temporary MLOPS_HOME first.
# Needs Debian's wrk (apt-get install -y wrk).
# Usage: bench/serving.sh [SECONDS] [CONNECTIONS] [WRK_THREADS]   (default 15 s, 32 connections, 2 threads)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
dotnet build agents/MlopsAgents.Cli -c Release -v quiet -nologo >/dev/null
dotnet build bench/MlopsAgents.Bench -c Release -nologo -v quiet >/dev/null
mlops="$PWD/agents/MlopsAgents.Cli/bin/Release/net10.0/linux-x64/mlops"
work="$(mktemp -d -t mlops-bench-serving-XXXXXX)"
trap 'rm -rf "$work"' EXIT
export MLOPS_HOME="$work/home"
"$mlops" data add examples/datasets/breast_cancer.csv --id dataset-bc-001 --target diagnosis >/dev/null
"$mlops" run examples/issues/breast-cancer.md >/dev/null 2>&1
dotnet bench/MlopsAgents.Bench/bin/Release/net10.0/linux-x64/MlopsAgents.Bench.dll serving --home "$MLOPS_HOME" \
  --seconds "${1:-15}" --connections "${2:-32}" --threads "${3:-2}"
