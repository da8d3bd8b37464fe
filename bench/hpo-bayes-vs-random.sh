#!/usr/bin/env bash
# Bayesian optimisation (GP, Matérn 5/2, expected improvement) against random search at an equal budget:
# xgboost on a bundled dataset, 3 dimensions (eta log-scaled, max_depth, num_round), 15 trials, 5-fold CV accuracy,
# seeds 1-5. Prints each seed's best cross-validated accuracy and the means.
# Usage: bench/hpo-bayes-vs-random.sh [DATASET]   (default wine.csv; breast_cancer.csv also works)
set -euo pipefail
cd "$(dirname "$0")/.."
export HPO_BENCH_DATA="${1:-wine.csv}"
export MLOPS_SLOW_TESTS=1
dotnet test tests/MlopsAgents.Tests -c Release -nologo \
  --filter "FullyQualifiedName~BayesianVersusRandomBenchmark" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "seed [0-9]|mean best|Passed|Failed" || true
