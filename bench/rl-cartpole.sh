#!/usr/bin/env bash
# Full CartPole-v1 solves with the catalog defaults (seed 1, 100 greedy evaluation episodes):
# DQN and PPO must reach a mean reward of 475, A3C 195. Prints each run's budget, wall time and reward.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build tests/MlopsAgents.Tests -c Release 2>&1 | grep -E " error|rror\(s\)" || true
start=$(date +%s)
MLOPS_SLOW_TESTS=1 dotnet test tests/MlopsAgents.Tests -c Release --no-build \
  --filter "FullyQualifiedName~Reinforcement&Category=Slow" \
  --logger "console;verbosity=detailed" 2>&1 | tee /tmp/rl-cartpole-bench.log \
  | grep -E "BENCH|Passed |Failed |Total tests" | sed -E "s/^(\[xUnit[^]]*\])? *//" | sort -u
echo "total wall time: $(( $(date +%s) - start )) s (log: /tmp/rl-cartpole-bench.log)"
