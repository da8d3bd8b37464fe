"""Reference side of the speed benchmark: XGBoost and scikit-learn's MLPClassifier on one fixed split.

Usage: /usr/bin/python3 bench/speed/reference.py DATA.csv LABEL NAME OUTDIR [--repeat N]

Splits DATA.csv 80/20 (stratified, random_state 42), writes OUTDIR/NAME-train.csv and OUTDIR/NAME-test.csv so the C#
side trains and scores exactly the same rows, then prints one JSON line per model ("xgboost" with n_jobs=2,
"xgboost_1_thread" with n_jobs=1, "neural_network"): {"dataset", "model", "train_seconds", "accuracy"}, plus "epochs"
for the MLP. train_seconds is the median over N timed fit() calls, after one untimed warm-up fit on 200 rows (the C#
side does the same to keep JIT compilation out of its numbers).
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import xgboost
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SEED = 42


def xgb(n_jobs: int) -> xgboost.XGBClassifier:
    # The pipeline's xgboost defaults (num_round 100, max_depth 6, eta 0.3, min_child_weight 1, lambda 1, alpha 0),
    # which are also XGBoost's own defaults; hist is the tree method closest to LightGBM's histogram splits.
    return xgboost.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3, min_child_weight=1.0,
                                 reg_lambda=1.0, reg_alpha=0.0, subsample=1.0, colsample_bytree=1.0,
                                 tree_method="hist", n_jobs=n_jobs, random_state=SEED)


def mlp():
    # The pipeline's neural_network defaults: hidden [100], relu, Adam lr 0.001, batch 32, 200 epochs at most,
    # l2 (alpha) 1e-4, early stopping after 10 epochs without improvement on a 10% validation split.
    return make_pipeline(StandardScaler(), MLPClassifier(
        hidden_layer_sizes=(100,), activation="relu", solver="adam", learning_rate_init=0.001, batch_size=32,
        max_iter=200, alpha=1e-4, early_stopping=True, validation_fraction=0.1, n_iter_no_change=10, tol=1e-4,
        random_state=SEED))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("label")
    parser.add_argument("name")
    parser.add_argument("outdir")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    with open(args.data, encoding="utf-8") as f:
        header = f.readline().rstrip("\n")
        lines = [line.rstrip("\n") for line in f if line.strip()]
    columns = header.split(",")
    label_at = columns.index(args.label)
    cells = [line.split(",") for line in lines]
    labels = np.array([row[label_at] for row in cells])
    features = np.array([[float(v) for j, v in enumerate(row) if j != label_at] for row in cells])

    train_rows, test_rows = train_test_split(np.arange(len(lines)), test_size=0.2, stratify=labels, random_state=SEED)
    # The original text of each row, so both sides parse identical values.
    for part, rows in (("train", train_rows), ("test", test_rows)):
        with open(os.path.join(args.outdir, f"{args.name}-{part}.csv"), "w", encoding="utf-8") as f:
            f.write(header + "\n")
            f.writelines(lines[i] + "\n" for i in rows)

    # Class indices follow the sorted label text, as the C# side orders them.
    classes = sorted(set(labels.tolist()))
    y = np.array([classes.index(v) for v in labels])
    x_train, y_train = features[train_rows], y[train_rows]
    x_test, y_test = features[test_rows], y[test_rows]

    models = [("xgboost", lambda: xgb(2)), ("xgboost_1_thread", lambda: xgb(1)), ("neural_network", mlp)]
    for model_name, make in models:
        make().fit(x_train[:200], y_train[:200])
        times = []
        model = None
        for _ in range(args.repeat):
            model = make()
            start = time.perf_counter()
            model.fit(x_train, y_train)
            times.append(time.perf_counter() - start)
        accuracy = accuracy_score(y_test, model.predict(x_test))
        record = {"dataset": args.name, "model": model_name, "train_seconds": round(statistics.median(times), 4),
                  "accuracy": round(float(accuracy), 4)}
        if model_name == "neural_network":
            record["epochs"] = model[-1].n_iter_
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
