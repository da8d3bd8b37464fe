#!/usr/bin/env bash
# Times `mlops run` on the bundled breast-cancer example: wall time and peak memory (max RSS) per run.
# Usage: bench/run-pipeline.sh [RUNS]   (default 5). Results go to stdout as a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
dotnet build agents/MlopsAgents.Cli -c Release -v quiet -nologo >/dev/null
mlops="$PWD/agents/MlopsAgents.Cli/bin/Release/net10.0/linux-x64/mlops"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export MLOPS_HOME="$work/home"
"$mlops" data add examples/datasets/breast_cancer.csv --id dataset-bc-001 --target diagnosis >/dev/null

echo "| run | wall (s) | peak RSS (MiB) | decision |"
echo "|---|---|---|---|"
for i in $(seq 1 "$runs"); do
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$mlops" run examples/issues/breast-cancer.md --json >"$work/out.txt" 2>/dev/null || true
  read -r wall rss_kb <"$work/time.txt"
  decision=$(grep -o '"decision": *"[a-z]*"' "$work/out.txt" | tail -1 | sed 's/.*"\([a-z]*\)"$/\1/')
  awk -v i="$i" -v w="$wall" -v r="$rss_kb" -v d="$decision" 'BEGIN { printf "| %d | %.2f | %.0f | %s |\n", i, w, r / 1024, d }'
done
