#!/usr/bin/env bash
# Registers the bundled breast-cancer data and runs the bundled example issue end to end (phases 1-5).
# State goes to MLOPS_HOME (default ./.mlops). Extra arguments go to `mlops run`, e.g. --json or --serve.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build agents/MlopsAgents.Cli -c Release -v quiet -nologo >/dev/null
mlops=agents/MlopsAgents.Cli/bin/Release/net10.0/linux-x64/mlops
"$mlops" data add examples/datasets/breast_cancer.csv --id dataset-bc-001 --target diagnosis
"$mlops" run examples/issues/breast-cancer.md "$@"
