#!/usr/bin/env bash
# Training time and test accuracy, side by side on the same machine and the same rows: our xgboost (ML.NET LightGBM)
# against XGBoost, and our neural_network against scikit-learn's MLPClassifier, on breast_cancer and a synthetic
# 100,000 x 50 set. Prints the versions, the load average before and after, and a Markdown table.
# Needs Debian's python3-xgboost and python3-sklearn (apt-get install -y python3-xgboost python3-sklearn).
# Usage: bench/speed.sh [REPEAT_SMALL] [REPEAT_LARGE]   (timed fits per model: default 5 on breast_cancer, 3 on synthetic)
set -euo pipefail
cd "$(dirname "$0")/.."
small="${1:-5}"
large="${2:-3}"
python=/usr/bin/python3

dotnet build bench/MlopsAgents.Bench -c Release -nologo -v quiet >/dev/null
bench="dotnet bench/MlopsAgents.Bench/bin/Release/net10.0/linux-x64/MlopsAgents.Bench.dll"

work="$(mktemp -d -t mlops-bench-speed-XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$python" bench/speed/make_synthetic.py "$work/synthetic.csv"

"$python" -c 'import xgboost, sklearn, numpy; print(f"xgboost {xgboost.__version__}, scikit-learn {sklearn.__version__}, numpy {numpy.__version__}")'
echo "dotnet $(dotnet --version), $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

run() { # DATA LABEL NAME REPEAT
  "$python" -W ignore bench/speed/reference.py "$1" "$2" "$3" "$work" --repeat "$4" | sed 's/^/reference /'
  $bench speed --train "$work/$3-train.csv" --test "$work/$3-test.csv" --label "$2" --name "$3" --repeat "$4" | sed 's/^/ours /'
}
{
  run examples/datasets/breast_cancer.csv diagnosis breast_cancer "$small"
  run "$work/synthetic.csv" label synthetic "$large"
} >"$work/results.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

"$python" - "$work/results.txt" <<'PY'
import json, sys
results = {}
for line in open(sys.argv[1], encoding="utf-8"):
    side, record = line.split(" ", 1)
    r = json.loads(record)
    results[(side, r["dataset"], r["model"])] = r
rows = [
    ("gradient boosting vs XGBoost hist, 2 threads", "xgboost", "xgboost"),
    ("gradient boosting vs XGBoost hist, 1 thread", "xgboost", "xgboost_1_thread"),
    ("MLP vs MLPClassifier", "neural_network", "neural_network"),
]
print("| dataset | model | ours: seconds | ours: accuracy | reference: seconds | reference: accuracy | time ratio (ours / reference) | accuracy difference (points) |")
print("|---|---|---|---|---|---|---|---|")
for dataset in dict.fromkeys(key[1] for key in results):
    for label, our_model, reference_model in rows:
        ours, ref = results[("ours", dataset, our_model)], results[("reference", dataset, reference_model)]
        ratio = ours["train_seconds"] / ref["train_seconds"]
        points = 100 * (ours["accuracy"] - ref["accuracy"])
        if "epochs" in ours:
            label += f" (epochs {ours['epochs']} / {ref['epochs']})"
        print(f"| {dataset} | {label} | {ours['train_seconds']:.3f} | {ours['accuracy']:.4f} | "
              f"{ref['train_seconds']:.3f} | {ref['accuracy']:.4f} | {ratio:.2f} | {points:+.2f} |")
PY
