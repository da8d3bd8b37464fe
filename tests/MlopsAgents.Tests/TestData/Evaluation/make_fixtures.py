#!/usr/bin/python3
"""Reference metric values from scikit-learn 1.2.1 (Debian's python3-sklearn) for the evaluation tests.

Run: /usr/bin/python3 tests/MlopsAgents.Tests/TestData/Evaluation/make_fixtures.py
Writes metrics.json next to this script; the inputs are stored in it, so the C# tests need no Python.
"""
import json
import os

import numpy as np
import sklearn
from sklearn import metrics

rng = np.random.default_rng(2026)
cases = []


def classification_case(name, n, k, skill):
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += skill
    # Round to 3 decimals so ties happen, as real models produce them.
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    p = np.round(p, 3)
    p = p / p.sum(axis=1, keepdims=True)
    pred = p.argmax(axis=1)
    labels = list(range(k))
    case = {
        "name": name,
        "actual": y.tolist(),
        "probabilities": p.tolist(),
        "accuracy": metrics.accuracy_score(y, pred),
        "precision_weighted": metrics.precision_score(y, pred, average="weighted", zero_division=0),
        "recall_weighted": metrics.recall_score(y, pred, average="weighted", zero_division=0),
        "f1_score_weighted": metrics.f1_score(y, pred, average="weighted", zero_division=0),
        "confusion_matrix": metrics.confusion_matrix(y, pred, labels=labels).tolist(),
    }
    if k == 2:
        case["precision"] = metrics.precision_score(y, pred, zero_division=0)
        case["recall"] = metrics.recall_score(y, pred, zero_division=0)
        case["f1_score"] = metrics.f1_score(y, pred, zero_division=0)
        case["auc_roc"] = metrics.roc_auc_score(y, p[:, 1])
    else:
        case["precision"] = metrics.precision_score(y, pred, average="macro", zero_division=0)
        case["recall"] = metrics.recall_score(y, pred, average="macro", zero_division=0)
        case["f1_score"] = metrics.f1_score(y, pred, average="macro", zero_division=0)
        case["auc_roc"] = metrics.roc_auc_score(y, p, multi_class="ovr", average="macro")
    cases.append(case)


classification_case("binary_200", 200, 2, 1.0)
classification_case("binary_weak_57", 57, 2, 0.3)
classification_case("three_class_150", 150, 3, 1.5)
classification_case("five_class_300", 300, 5, 1.0)

regression = []
for name, n in [("regression_100", 100), ("regression_17", 17)]:
    y = rng.normal(10, 3, n)
    yhat = y + rng.normal(0, 1.5, n)
    regression.append({
        "name": name,
        "actual": y.tolist(),
        "predicted": yhat.tolist(),
        "rmse": float(np.sqrt(metrics.mean_squared_error(y, yhat))),
        "mae": metrics.mean_absolute_error(y, yhat),
        "r2": metrics.r2_score(y, yhat),
        "mape": metrics.mean_absolute_percentage_error(y, yhat),
    })

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics.json")
with open(out, "w") as f:
    json.dump({"sklearn_version": sklearn.__version__, "classification": cases, "regression": regression}, f)
print("wrote", out)
