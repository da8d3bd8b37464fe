#!/usr/bin/env bash
# Drift computation time on a synthetic numeric table, 1,000,000 rows x 50 features by default (reference and current
# of the same size, half the features shifted by 0.5 sd): sort, KS with p-value, normalised Wasserstein and PSI per
# feature, features in parallel. Prints wall and CPU time as a Markdown table.
# Usage: bench/drift.sh [ROWS] [FEATURES] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/MlopsAgents.Bench -c Release -nologo -v quiet >/dev/null
dotnet bench/MlopsAgents.Bench/bin/Release/net10.0/linux-x64/MlopsAgents.Bench.dll drift --rows "${1:-1000000}" --features "${2:-50}" --repeat "${3:-3}"
