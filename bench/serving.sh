#!/usr/bin/env bash
# Model server throughput and p50/p99 latency for the breast-cancer model under wrk, measured in the same run as
# in-process prediction of the same package and row (the ceiling). Trains the model into a temporary MLOPS_HOME first.
# Needs Debian's wrk (apt-get install -y wrk).
# Then the cost of each stage of one request on one thread, without HTTP (MlopsAgents.Bench serving-profile).
# Usage: bench/serving.sh [SECONDS] [CONNECTIONS] [WRK_THREADS]   (default 15 s, 32 connections, 2 threads)
# MLOPS_BENCH_HOME=DIR keeps the trained home in DIR and reuses it on the next run (A/B runs without retraining).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
dotnet build agents/MlopsAgents.Cli -c Release -v quiet -nologo >/dev/null
dotnet build bench/MlopsAgents.Bench -c Release -nologo -v quiet >/dev/null
mlops="$PWD/agents/MlopsAgents.Cli/bin/Release/net10.0/linux-x64/mlops"
if [ -n "${MLOPS_BENCH_HOME:-}" ]; then
  export MLOPS_HOME="$MLOPS_BENCH_HOME"
else
  work="$(mktemp -d -t mlops-bench-serving-XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  export MLOPS_HOME="$work/home"
fi
if [ ! -d "$MLOPS_HOME/artifacts/models/breast-cancer-classifier" ]; then
  "$mlops" data add examples/datasets/breast_cancer.csv --id dataset-bc-001 --target diagnosis >/dev/null
  "$mlops" run examples/issues/breast-cancer.md >/dev/null 2>&1
fi
bench=bench/MlopsAgents.Bench/bin/Release/net10.0/linux-x64/MlopsAgents.Bench.dll
dotnet "$bench" serving --home "$MLOPS_HOME" --seconds "${1:-15}" --connections "${2:-32}" --threads "${3:-2}"
echo
dotnet "$bench" serving-profile --home "$MLOPS_HOME"
