#!/usr/bin/python3
"""Reference values from scikit-learn for the unsupervised tests.

Run with Debian's Python and scikit-learn (apt-get install python3-sklearn):
    /usr/bin/python3 make_fixtures.py
It rewrites the *.json files beside it. The C# tests only read the JSON; they never run Python.
Every input matrix is stored in the JSON (Python writes round-trip floats), so both sides see the same doubles.
"""
import csv
import json
import os

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.metrics import davies_bouldin_score, silhouette_score
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
DATASETS = os.path.join(HERE, "..", "..", "..", "..", "examples", "datasets")


def load(name):
    with open(os.path.join(DATASETS, name), newline="") as f:
        rows = list(csv.reader(f))
    body = [r for r in rows[1:] if r]
    x = np.array([[float(v) for v in r[:-1]] for r in body])
    classes = sorted(set(r[-1] for r in body))
    y = np.array([classes.index(r[-1]) for r in body])
    return x, y


def matrix(a):
    return [[float(v) for v in row] for row in a]


def write(name, payload):
    payload = {"sklearn_version": sklearn.__version__, **payload}
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")


iris, iris_y = load("iris.csv")
wine, wine_y = load("wine.csv")
wine_std = StandardScaler().fit_transform(wine)
blobs, blobs_y = make_blobs(n_samples=300, centers=4, n_features=3, cluster_std=0.6, random_state=7)

inputs = {"iris": iris, "wine_std": wine_std, "blobs": blobs}

# --- clustering metrics for given label vectors --------------------------------------------
metric_cases = []
for name, x, labels in [
    ("iris_species", iris, iris_y),
    ("wine_std_cultivar", wine_std, wine_y),
    ("blobs_truth", blobs, blobs_y),
    ("iris_shuffled", iris, np.random.RandomState(0).permutation(iris_y)),
    ("blobs_with_noise_label", blobs, np.where(np.arange(len(blobs_y)) % 17 == 0, -1, blobs_y)),
]:
    metric_cases.append({
        "name": name,
        "input": next(k for k, v in inputs.items() if v is x),
        "labels": [int(v) for v in labels],
        "silhouette": float(silhouette_score(x, labels)),
        "davies_bouldin": float(davies_bouldin_score(x, labels)),
    })

# --- DBSCAN ---------------------------------------------------------------------------------
dbscan_cases = []
for input_name, eps, min_samples in [
    ("iris", 0.45, 4), ("iris", 0.5, 5), ("iris", 0.8, 10), ("iris", 0.3, 3),
    ("wine_std", 2.3, 5), ("wine_std", 1.9, 3),
    ("blobs", 0.6, 5), ("blobs", 0.35, 8),
]:
    labels = DBSCAN(eps=eps, min_samples=min_samples).fit_predict(inputs[input_name])
    case = {"input": input_name, "eps": eps, "min_samples": min_samples, "labels": [int(v) for v in labels]}
    if 2 <= len(set(labels)) <= len(labels) - 1:
        case["silhouette"] = float(silhouette_score(inputs[input_name], labels))
        case["davies_bouldin"] = float(davies_bouldin_score(inputs[input_name], labels))
    dbscan_cases.append(case)

# --- PCA --------------------------------------------------------------------------------------
pca_cases = []
for input_name in ["iris", "wine_std", "blobs"]:
    x = inputs[input_name]
    pca = PCA(n_components=min(x.shape), svd_solver="full").fit(x)
    pca_cases.append({
        "input": input_name,
        "explained_variance_ratio": [float(v) for v in pca.explained_variance_ratio_],
        "explained_variance": [float(v) for v in pca.explained_variance_],
        "components": matrix(pca.components_),
        "transform_first_rows": matrix(pca.transform(x[:5])),
    })

# --- trustworthiness --------------------------------------------------------------------------
# Embeddings with continuous coordinates so that no two neighbour distances tie.
rng = np.random.RandomState(3)
trust_cases = []
for input_name, embedding in [
    ("blobs", PCA(n_components=2, svd_solver="full").fit_transform(blobs) + rng.normal(scale=0.05, size=(300, 2))),
    ("wine_std", PCA(n_components=2, svd_solver="full").fit_transform(wine_std) + rng.normal(scale=0.01, size=(178, 2))),
    ("blobs", rng.normal(size=(300, 2))),
]:
    for k in [5, 12]:
        trust_cases.append({
            "input": input_name,
            "embedding": matrix(embedding),
            "n_neighbors": k,
            "trustworthiness": float(trustworthiness(inputs[input_name], embedding, n_neighbors=k)),
        })

write("inputs.json", {name: matrix(x) for name, x in inputs.items()} | {"iris_species": [int(v) for v in iris_y], "blobs_truth": [int(v) for v in blobs_y]})
write("clustering_metrics.json", {"cases": metric_cases})
write("dbscan.json", {"cases": dbscan_cases})
write("pca.json", {"cases": pca_cases})
write("trustworthiness.json", {"cases": trust_cases})
